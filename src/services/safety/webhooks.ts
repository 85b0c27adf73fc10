// Webhook delivery of notifications (of safety events, alert events and failed job runs): a POST of what
// happened as JSON to the user's webhook. The job that made a notification tries its webhook once, at once;
// what fails is handed to the queue (one notify:deliver per copy), whose backoff and dead letter retry it.
// When the queue cannot take it, the copy stays pending and the next run tries it again, up to
// MAX_DELIVERY_RUNS times.
import type {WebhookDelivery as DeliveryResult} from '../../schemas/job-summaries.js'

import {isCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {type PendingDelivery, pendingDeliveries, recordDelivery} from '../db/notifications.js'
import type {AlertEvent, JobRun, SafetyEvent} from '../db/schema.js'
import {errorMessage} from '../errors.js'
import {createHttpClient, send} from '../http/client.js'
import {runtimeOf} from '../providers/fetch.js'
import {policyFor} from '../providers/registry.js'
import {webhookCopiesToDeliver} from '../queue/triggers.js'

/** Runs that try a webhook the queue could not take before it is given up as failed. */
export const MAX_DELIVERY_RUNS = 5

export type {WebhookDelivery as DeliveryResult} from '../../schemas/job-summaries.js'

/** One POST of one copy, no retries here (the queue retries); throws what went wrong. */
export async function postDelivery(ctx: Context, d: PendingDelivery): Promise<void> {
  ctx.http ??= createHttpClient()
  const policy = {...policyFor(ctx.config, 'webhook'), retries: 0}
  const subject = d.event ? {event: eventPayload(d.event)} : d.alert ? {alert: alertPayload(d.alert)} : {job_run: runPayload(d.run as JobRun)}
  await send(ctx.http, {method: 'POST', url: d.url as string, json: {notification_id: d.n.id, user: d.user, ...subject}}, policy, runtimeOf(ctx))
}

/** Whether the copy can be delivered at all: a webhook to send to and something to say. */
export function deliverable(d: PendingDelivery): boolean {
  return Boolean(d.url) && (d.event !== null || d.alert !== null || d.run !== null)
}

/** A copy about a run still going (the weekly summary notifies from within its run) waits for the run's end and summary. */
export function runStillGoing(d: PendingDelivery): boolean {
  return d.run?.status === 'running'
}

/**
 * The pending webhook copies (new ones, and those the queue could not take before): each tried once; those
 * that fail are handed to the queue for their retries.
 */
export async function deliverWebhooks(ctx: Context): Promise<DeliveryResult> {
  const pending = await pendingDeliveries(ctx.db, MAX_DELIVERY_RUNS)
  const result: DeliveryResult = {attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0}
  if (pending.length === 0) return result
  const retry: number[] = []
  for (const d of pending) {
    // Asked to stop: what is left stays pending for the next run, no attempt counted.
    if (ctx.signal?.aborted) break
    if (!deliverable(d) || runStillGoing(d)) continue
    result.attempted++
    const runs = d.n.attempts + 1
    try {
      await postDelivery(ctx, d)
      await recordDelivery(ctx.db, d.n.id, {status: 'sent', attempts: runs, deliveredAt: ctx.clock.now()})
      result.sent++
    } catch (error) {
      if (isCancelled(error)) break
      const status = runs >= MAX_DELIVERY_RUNS ? 'failed' : 'pending'
      await recordDelivery(ctx.db, d.n.id, {status, attempts: runs, lastError: errorMessage(error)})
      ctx.logger.warn(`webhook for ${d.user} failed (attempt ${runs})`, {error: errorMessage(error)})
      if (status === 'failed') result.failed++
      else retry.push(d.n.id)
    }
  }
  const queued = await webhookCopiesToDeliver(ctx, retry)
  result.queued = queued.length
  result.pending = retry.length - queued.length
  return result
}

function eventPayload(event: SafetyEvent) {
  return {
    id: event.id,
    type: event.type,
    severity: event.severity,
    title: event.title,
    lat: event.lat,
    lon: event.lon,
    mmsi: event.mmsi,
    port_id: event.portId,
    zone_id: event.zoneId,
    source: event.source,
    observed_at: new Date(event.observedAt).toISOString(),
    created_at: new Date(event.createdAt).toISOString(),
  }
}

function alertPayload(alert: AlertEvent) {
  return {
    id: alert.id,
    rule_id: alert.alertId,
    metric: alert.metric,
    target: alert.target,
    current_value: alert.currentValue,
    operator: alert.operator,
    threshold_value: alert.thresholdValue,
    triggered_at: new Date(alert.triggeredAt).toISOString(),
    metadata: alert.metadata,
  }
}

function runPayload(run: JobRun) {
  return {
    id: run.id,
    job: run.job,
    status: run.status,
    error: run.error,
    host: run.host,
    started_at: new Date(run.startedAt).toISOString(),
    completed_at: run.completedAt === null ? null : new Date(run.completedAt).toISOString(),
    // What the run did: the weekly summary's names its report (report_path).
    summary: run.summary,
  }
}
