// Work that events cause, enqueued where the events happen: a vessel seen for the first time (its analysis
// 30 s later and its identity check), webhook copies of new notifications (one notify:deliver each), a job
// run that failed (its ADMINs told), a port reaching severe congestion (the vessels waiting there analysed).
// A trigger never fails what fired it: it logs a warning, counts the failure, and the work goes on.
import type {Context} from '../context.js'
import {markQueued, pendingCopiesOfRun, storeNotifications} from '../db/notifications.js'
import {adminIds} from '../db/users.js'
import {errorMessage} from '../errors.js'
import {enqueueMany} from './queue.js'
import type {EnqueueRequest} from './types.js'

/** A vessel's first analysis waits this long, so the reports that follow its first ones are in its track. */
export const FIRST_SEEN_ANALYSIS_DELAY_MS = 30_000
/** Enqueued per call at most: a batch of a world-scale intake can hold thousands of new vessels. */
const ENQUEUE_CHUNK = 1000

export type TriggerName = 'vessel-first-seen' | 'notification' | 'job-run-failed' | 'port-severe'

const failures: Record<TriggerName, number> = {'vessel-first-seen': 0, notification: 0, 'job-run-failed': 0, 'port-severe': 0}

/** Triggers that could not enqueue in this process, by trigger (health and tests read them). */
export function triggerFailures(): Readonly<Record<TriggerName, number>> {
  return {...failures}
}

async function fire<T>(ctx: Context, name: TriggerName, fallback: T, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    failures[name]++
    ctx.logger.warn(`trigger ${name} could not enqueue its jobs: ${errorMessage(error)}`, {trigger: name, failures: failures[name]})
    return fallback
  }
}

async function enqueueAll(ctx: Context, requests: EnqueueRequest[]): Promise<number> {
  let enqueued = 0
  for (let i = 0; i < requests.length; i += ENQUEUE_CHUNK) {
    const results = await enqueueMany(ctx, requests.slice(i, i + ENQUEUE_CHUNK))
    enqueued += results.filter((r) => !r.duplicate).length
  }
  return enqueued
}

/** The vessel's analysis (after `delayMs`) and identity check, each once per MMSI while one is unfinished. */
function vesselChecks(mmsi: number, now: number, delayMs: number): EnqueueRequest[] {
  return [
    {type: 'vessel:analyze', payload: {mmsi}, runAt: now + delayMs, uniqueKey: `vessel:analyze:${mmsi}`},
    {type: 'vessel:identity-check', payload: {mmsi}, uniqueKey: `vessel:identity-check:${mmsi}`},
  ]
}

/** Vessels stored for the first time: each one's analysis in 30 s and its identity check. Returns the jobs enqueued. */
export function vesselsFirstSeen(ctx: Context, mmsis: readonly number[]): Promise<number> {
  if (mmsis.length === 0) return Promise.resolve(0)
  return fire(ctx, 'vessel-first-seen', 0, async () => {
    const now = ctx.clock.now()
    const enqueued = await enqueueAll(ctx, mmsis.flatMap((mmsi) => vesselChecks(mmsi, now, FIRST_SEEN_ANALYSIS_DELAY_MS)))
    ctx.logger.debug(`new vessels: ${mmsis.length}, their analyses and identity checks queued`, {enqueued})
    return enqueued
  })
}

/**
 * Webhook copies to deliver: one notify:deliver each (unique per copy), the copies marked queued. Returns the
 * copies handed over; none when the queue could not take them (they stay pending for the next run).
 */
export function webhookCopiesToDeliver(ctx: Context, notificationIds: readonly number[]): Promise<number[]> {
  if (notificationIds.length === 0) return Promise.resolve([])
  return fire(ctx, 'notification', [] as number[], async () => {
    await enqueueAll(
      ctx,
      notificationIds.map((id) => ({type: 'notify:deliver', payload: {notification_id: id}, uniqueKey: `notify:deliver:${id}`})),
    )
    await markQueued(ctx.db, [...notificationIds])
    return [...notificationIds]
  })
}

export interface FailedRun {
  id: number
  job: string
  status: 'failed' | 'timeout' | 'crashed'
}

/** A job run that failed, timed out or crashed: a notification to every ADMIN, their webhook copies queued. */
export function jobRunFailed(ctx: Context, run: FailedRun): Promise<number> {
  return fire(ctx, 'job-run-failed', 0, async () => {
    const admins = await adminIds(ctx.db)
    if (admins.length === 0) return 0
    await storeNotifications(
      ctx.db,
      admins.map((userId) => ({userId, jobRunId: run.id})),
      ctx.clock.now(),
    )
    const copies = await pendingCopiesOfRun(ctx.db, run.id)
    return (await webhookCopiesToDeliver(ctx, copies)).length
  })
}

/** Ports that reached severe congestion: each waiting vessel analysed (once per MMSI while one is unfinished). */
export function portsReachedSevere(ctx: Context, ports: ReadonlyArray<{portId: number; waiting: readonly number[]}>): Promise<number> {
  const mmsis = [...new Set(ports.flatMap((p) => p.waiting))]
  if (mmsis.length === 0) return Promise.resolve(0)
  return fire(ctx, 'port-severe', 0, async () => {
    const now = ctx.clock.now()
    const enqueued = await enqueueAll(
      ctx,
      mmsis.map((mmsi) => ({type: 'vessel:analyze', payload: {mmsi}, runAt: now, uniqueKey: `vessel:analyze:${mmsi}`})),
    )
    ctx.logger.info(`severe congestion at ${ports.length} port(s): ${mmsis.length} waiting vessels to analyse`, {enqueued})
    return enqueued
  })
}
