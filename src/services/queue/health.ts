// The queue's part of `health`: how long the oldest due job has waited (warn and fail thresholds), how many
// jobs went to the dead letter in the last 24 h, and whether a live worker is there while jobs are due.
// Paused queues are left out: their jobs wait on purpose. A queue holding no job costs one lookup: the
// engine is not even loaded.
import type {QueueHealth} from '../../schemas/health.js'
import type {Context} from '../context.js'
import {queueHoldsJobs} from '../db/queue-presence.js'
import {queuePauses} from './pauses.js'
import {liveWorkerIds} from './workers.js'

type HealthStatus = QueueHealth['status']
type QueueCheck = QueueHealth['checks'][number]

const DAY_MS = 86_400_000
const order: Record<HealthStatus, number> = {healthy: 0, degraded: 1, unhealthy: 2}
const worst = (statuses: HealthStatus[]) => statuses.reduce<HealthStatus>((a, b) => (order[b] > order[a] ? b : a), 'healthy')

const minutes = (seconds: number) => (seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`)

export async function queueHealth(ctx: Context): Promise<QueueHealth> {
  const paused = (await queuePauses(ctx)).map((p) => p.queue)
  // Nothing queued, ever or any more: nothing to check, and no engine to load (pg-boss costs more than the rest of health).
  if (!(await queueHoldsJobs(ctx.db))) {
    return {status: 'healthy', pending: 0, oldest_pending_seconds: null, dead_24h: 0, live_workers: 0, paused_queues: paused, checks: [], reason: 'no job is queued'}
  }
  const {queueEngine} = await import('./queue.js')
  const engine = await queueEngine(ctx)
  const stats = await engine.stats(1)
  const served = stats.queues.filter((q) => !paused.includes(q.queue))
  const pending = served.reduce((n, q) => n + q.states.pending, 0)
  const oldestMs = Math.max(0, ...served.map((q) => q.oldestPendingMs ?? 0))
  const oldest = pending > 0 ? Math.round(oldestMs / 100) / 10 : null
  const dead = await engine.deadSince(ctx.clock.now() - DAY_MS)
  const live = (await liveWorkerIds(ctx)).length
  const {queuePendingWarnSeconds: warnAt, queuePendingFailSeconds: failAt, queueDeadFailCount: deadFail} = ctx.config

  const checks: QueueCheck[] = []
  if (oldest !== null && oldest > warnAt) {
    checks.push({
      check: 'pending_age',
      status: oldest > failAt ? 'unhealthy' : 'degraded',
      reason: `the oldest of ${pending} due job(s) has waited ${minutes(oldest)} (warning ${minutes(warnAt)}, critical ${minutes(failAt)})`,
    })
  }
  if (dead > 0) {
    checks.push({
      check: 'dead_letter',
      status: dead >= deadFail ? 'unhealthy' : 'degraded',
      reason: `${dead} job(s) went to the dead letter in the last 24 h (critical at ${deadFail}): see \`harbormaster queue list --state dead\``,
    })
  }
  // A job just enqueued waits for the next worker or the next `worker --drain` from cron: only a wait longer
  // than a heartbeat says no worker is coming.
  if (live === 0 && oldest !== null && oldest > ctx.config.workerHeartbeatSeconds) {
    checks.push({
      check: 'workers',
      status: 'degraded',
      reason: `${pending} job(s) due and no live worker: start \`harbormaster worker\` (or run \`harbormaster worker --drain\` from cron)`,
    })
  }
  return {status: worst(checks.map((c) => c.status)), pending, oldest_pending_seconds: oldest, dead_24h: dead, live_workers: live, paused_queues: paused, checks}
}
