// Webhook delivery of notifications (of safety events and of alert events): a POST of the event as JSON
// to the user's webhook, retried with backoff within a run and again in later runs until delivered or out
// of attempts; status recorded.
import type {WebhookDelivery as DeliveryResult} from '../../schemas/job-summaries.js'

import {isCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {pendingDeliveries, recordDelivery} from '../db/notifications.js'
import type {AlertEvent, SafetyEvent} from '../db/schema.js'
import {errorMessage} from '../errors.js'
import {createHttpClient, send} from '../http/client.js'
import {runtimeOf} from '../providers/fetch.js'
import {policyFor} from '../providers/registry.js'

/** Runs that try a webhook before it is given up as failed. */
export const MAX_DELIVERY_RUNS = 5

export type {WebhookDelivery as DeliveryResult} from '../../schemas/job-summaries.js'

export async function deliverWebhooks(ctx: Context): Promise<DeliveryResult> {
  const pending = await pendingDeliveries(ctx.db, MAX_DELIVERY_RUNS)
  const result: DeliveryResult = {attempted: 0, sent: 0, failed: 0, pending: 0}
  if (pending.length === 0) return result
  ctx.http ??= createHttpClient()
  const policy = {...policyFor(ctx.config, 'webhook'), retries: 2}
  for (const {n, event, alert, url, user} of pending) {
    // Asked to stop: what is left stays pending for the next run, no attempt counted.
    if (ctx.signal?.aborted) break
    if (!url || (!event && !alert)) continue
    result.attempted++
    const payload = {notification_id: n.id, user, ...(event ? {event: eventPayload(event)} : {alert: alertPayload(alert as AlertEvent)})}
    let calls = 0
    try {
      await send(ctx.http, {method: 'POST', url, json: payload}, policy, runtimeOf(ctx), () => calls++)
      await recordDelivery(ctx.db, n.id, {status: 'sent', attempts: n.attempts + 1, deliveredAt: ctx.clock.now()})
      result.sent++
    } catch (error) {
      if (isCancelled(error)) break
      const runs = n.attempts + 1
      const status = runs >= MAX_DELIVERY_RUNS ? 'failed' : 'pending'
      await recordDelivery(ctx.db, n.id, {status, attempts: runs, lastError: `${errorMessage(error)} (${calls} calls this run)`})
      ctx.logger.warn(`webhook for ${user} failed (run ${runs} of ${MAX_DELIVERY_RUNS})`, {error: errorMessage(error)})
      if (status === 'failed') result.failed++
      else result.pending++
    }
  }
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
