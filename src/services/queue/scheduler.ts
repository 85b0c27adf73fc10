// The scheduler of `worker --scheduler`: one leader among all workers on all hosts (the `scheduler` lease)
// enqueues each enabled registry job's latest due slot as a `registry:run` job, unique per job and slot;
// after downtime only the most recent missed slot runs. The others follow and take over when the leader's
// lease ends. Jobs still run through the runner, so cron and workers together never run one twice at once.
import type {Context} from '../context.js'
import {readSetting, writeSetting} from '../db/settings.js'
import {write} from '../db/transaction.js'
import {errorMessage} from '../errors.js'
import {acquireLease, holderText, type Lease} from '../jobs/lease.js'
import {JOBS, type JobName, periodMs, scheduleTimes} from '../jobs/registry.js'
import {HAD_ITS_TURN} from '../jobs/runner.js'
import {lastRun} from '../jobs/runs.js'
import {enqueue} from './queue.js'

export const SCHEDULER_LEASE = 'scheduler'

export type SchedulerEvent =
  | {kind: 'leading'}
  | {kind: 'following'; holder: string}
  | {kind: 'lost'; holder: string | null}
  | {kind: 'enqueued'; job: JobName; slot: string; id: string}
  | {kind: 'duplicate'; job: JobName; slot: string; id: string}
  | {kind: 'served'; job: JobName; slot: string}

export interface SchedulerOptions {
  onEvent?: (event: SchedulerEvent) => void
  /** How often the leader looks for due slots, and a follower for a free lease. */
  tickEveryMs: number
}

export interface SchedulerStats {
  led: boolean
  enqueued: number
  duplicates: number
}

/** Where the last slot enqueued for a job is remembered, so a slot runs once even after its job finished. */
const lastSlotKey = (job: string) => `scheduler:last-slot:${job}`

/** Runs that count as the job having had its slot: the runner's own due check's, and one still running (its lease would skip a second). */
const RAN = ['running', ...HAD_ITS_TURN] as const

export interface SlotOutcome {
  job: JobName
  slot: string
  outcome: 'enqueued' | 'duplicate' | 'served'
  id?: string
}

/**
 * Enqueues, for every enabled registry job, its latest slot at or before now unless that slot (or a later
 * one) was enqueued already or the job has run since (cron, an operator): once per slot, the missed ones
 * before it after downtime folded into it. Only the scheduler's leader calls this.
 */
export async function enqueueDueSlots(ctx: Context): Promise<SlotOutcome[]> {
  const now = ctx.clock.now()
  const outcomes: SlotOutcome[] = []
  for (const spec of JOBS) {
    if (!spec.enabled) continue
    const slotMs = scheduleTimes(spec.schedule, now).previous
    const slot = new Date(slotMs).toISOString()
    const last = await readSetting<string>(ctx.db, lastSlotKey(spec.name))
    if (last !== undefined && Date.parse(last) >= slotMs) continue
    const run = await lastRun(ctx, spec.name, [...RAN])
    if (run && run.startedAt >= slotMs) {
      outcomes.push({job: spec.name, slot, outcome: 'served'})
    } else {
      const result = await enqueue(ctx, {
        type: 'registry:run',
        payload: {job: spec.name, slot},
        uniqueKey: `schedule:${spec.name}:${slot}`,
        // Long enough to cover any leader's tick for this slot; the remembered slot covers the rest.
        uniqueForSeconds: Math.max(3600, periodMs(spec.schedule, now) / 1000),
      })
      outcomes.push({job: spec.name, slot, outcome: result.duplicate ? 'duplicate' : 'enqueued', id: result.id})
    }
    await write(ctx.db, () => writeSetting(ctx.db, lastSlotKey(spec.name), slot, now))
  }
  return outcomes
}

/** Starts the scheduler: the first tick is done when this resolves (a draining worker then runs what it enqueued). */
export async function startScheduler(ctx: Context, options: SchedulerOptions): Promise<{stop(): Promise<void>; stats(): SchedulerStats}> {
  const log = ctx.logger.child({scheduler: true})
  const emit = (event: SchedulerEvent) => options.onEvent?.(event)
  const stats: SchedulerStats = {led: false, enqueued: 0, duplicates: 0}
  // The lease lasts as long as a worker's heartbeat: a leader lost on another host is replaced as soon as
  // its jobs would be (on its own host at once: its pid is gone).
  const leaseCtx = {...ctx, config: {host: ctx.config.host, lockLeaseSeconds: Math.max(3, ctx.config.workerHeartbeatSeconds)}}
  let lease: Lease | undefined
  let following: string | undefined
  let stopped = false

  const tick = async () => {
    if (!lease) {
      const claim = await acquireLease(leaseCtx, SCHEDULER_LEASE, {
        onLost: (holder) => {
          lease = undefined
          log.warn(`scheduler: lost the lead${holder ? ` to ${holder}` : ''}; following`)
          emit({kind: 'lost', holder})
        },
      })
      if (!claim.acquired) {
        const holder = holderText(SCHEDULER_LEASE, claim.holder)
        if (following !== claim.holder.owner) log.info(`scheduler: following (${holder})`)
        following = claim.holder.owner
        emit({kind: 'following', holder: claim.holder.owner})
        return
      }
      if (stopped) return void (await claim.lease.release())
      lease = claim.lease
      following = undefined
      stats.led = true
      log.info('scheduler: leading (this worker enqueues the schedules)')
      emit({kind: 'leading'})
    }
    for (const outcome of await enqueueDueSlots(ctx)) {
      if (outcome.outcome === 'enqueued') {
        stats.enqueued++
        log.info(`scheduler: ${outcome.job} slot ${outcome.slot} enqueued as job ${outcome.id}`)
        emit({kind: 'enqueued', job: outcome.job, slot: outcome.slot, id: outcome.id as string})
      } else if (outcome.outcome === 'duplicate') {
        stats.duplicates++
        log.info(`scheduler: ${outcome.job} slot ${outcome.slot} already enqueued as job ${outcome.id}`)
        emit({kind: 'duplicate', job: outcome.job, slot: outcome.slot, id: outcome.id as string})
      } else {
        log.debug(`scheduler: ${outcome.job} slot ${outcome.slot} already ran`)
        emit({kind: 'served', job: outcome.job, slot: outcome.slot})
      }
    }
  }

  let busy = false
  const safeTick = async () => {
    busy = true
    try {
      await tick()
    } catch (error) {
      log.warn(`scheduler tick failed: ${errorMessage(error)}`)
    } finally {
      busy = false
    }
  }
  let ticking = safeTick()
  await ticking
  const timer = setInterval(() => {
    if (!stopped && !busy) ticking = safeTick()
  }, options.tickEveryMs)

  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await ticking
      await lease?.release()
      lease = undefined
    },
    stats: () => ({...stats}),
  }
}
