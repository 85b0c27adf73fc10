// The alert worker: evaluation cycles on an interval until asked to stop, with statistics; a failing cycle
// is logged and the next one runs after a backoff; a stop request ends the wait at once.
import type {Context} from '../context.js'
import {errorMessage} from '../errors.js'
import {deliverWebhooks} from '../safety/webhooks.js'
import {applyCycle, type CycleMemory, planCycle} from './evaluate.js'

export interface WorkerStats {
  started_at: string
  uptime_seconds: number
  cycles: number
  rules_evaluated: number
  triggered: number
  resolved: number
  skipped: number
  errors: number
  last_cycle_ms: number | null
  notifications: number
}

export interface WorkerOptions {
  intervalSeconds: number
  /** One cycle, then return (cron). */
  once?: boolean
  /** Waits between cycles; tests pass a fast one. */
  sleep?: (ms: number, shouldStop: () => boolean) => Promise<void>
}

/** Sleeps in short steps so a stop request ends the wait within 100 ms. */
async function interruptibleSleep(ms: number, shouldStop: () => boolean): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end && !shouldStop()) await new Promise((r) => setTimeout(r, Math.min(100, end - Date.now())))
}

export async function runWorker(ctx: Context, options: WorkerOptions): Promise<WorkerStats> {
  const started = Date.now()
  const stats: WorkerStats = {
    started_at: new Date(ctx.clock.now()).toISOString(),
    uptime_seconds: 0,
    cycles: 0,
    rules_evaluated: 0,
    triggered: 0,
    resolved: 0,
    skipped: 0,
    errors: 0,
    last_cycle_ms: null,
    notifications: 0,
  }
  const stop = () => ctx.signal?.aborted ?? false
  const sleep = options.sleep ?? interruptibleSleep
  let failuresInARow = 0
  const log = ctx.logger.child({worker: 'alerts'})
  // The rules and the ports' latest levels, kept from one cycle to the next and read again when they change.
  const memory: CycleMemory = {}
  log.info(`alert worker started${options.once ? ' (one cycle)' : `, a cycle every ${options.intervalSeconds} s`}`)
  while (!stop()) {
    const t0 = performance.now()
    try {
      const plan = await planCycle(ctx, memory)
      const result = await applyCycle(ctx, plan)
      // Webhook copies of the cycle's notifications (and earlier ones still pending).
      await deliverWebhooks(ctx)
      const ms = Math.round(performance.now() - t0)
      stats.cycles++
      stats.rules_evaluated += plan.rulesEvaluated
      stats.triggered += result.opened.length
      stats.resolved += result.resolved
      stats.skipped += plan.skippedStale
      stats.notifications += result.notifications
      stats.last_cycle_ms = ms
      failuresInARow = 0
      log.info(
        `cycle ${stats.cycles}: ${plan.rulesEvaluated} rules, ${result.opened.length} triggered, ${result.resolved} resolved, ${plan.skippedStale} stale readings skipped, ${ms} ms`,
      )
    } catch (error) {
      stats.errors++
      failuresInARow++
      log.error(`cycle failed: ${errorMessage(error)}`)
    }
    if (options.once) break
    // After failures, wait longer (doubling, at most 5 min), so a broken database is not hammered.
    const wait = failuresInARow === 0 ? options.intervalSeconds * 1000 : Math.min(300_000, options.intervalSeconds * 1000 * 2 ** failuresInARow)
    await sleep(wait, stop)
  }
  stats.uptime_seconds = Math.round((Date.now() - started) / 100) / 10
  log.info(
    `alert worker stopped after ${stats.cycles} cycles: ${stats.triggered} triggered, ${stats.resolved} resolved, ${stats.skipped} skipped, ${stats.errors} errors`,
  )
  return stats
}
