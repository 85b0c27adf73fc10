// The queue worker: `concurrency` slots filled from the served queues by weight (a smooth weighted
// round-robin, or strict priority), each job through its type's handler with its own timeout, a heartbeat
// that keeps the worker alive in the registry and sends lost workers' jobs back, and a graceful stop that
// gives running jobs the grace period and returns the rest to the queue unharmed. Speaks only QueueEngine.
import type {WorkerRunStats} from '../../schemas/workers.js'
import {Cancelled, sleepUnlessCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {errorMessage, HarbormasterError} from '../errors.js'
import {isJobType, JOB_TYPE_SPECS} from './job-types.js'
import {pausedQueues} from './pauses.js'
import {parseQueueWeights, queueEngine, type QueueWeights} from './queue.js'
import type {SchedulerEvent} from './scheduler.js'
import {type ClaimedJob, type FailOutcome, QUEUE_NAMES, type QueueEngine, type QueueName} from './types.js'
import {heartbeat, liveWorkerIds, markStopped, registerWorker} from './workers.js'

export type {WorkerRunStats} from '../../schemas/workers.js'

export interface WorkerOptions {
  /** Queues served and their weights; HARBORMASTER_QUEUE_WEIGHTS unless given. */
  queues?: QueueWeights
  /** Jobs run at once; HARBORMASTER_WORKER_CONCURRENCY unless given. */
  concurrency?: number
  /** Always the highest-weight queue with due jobs first, instead of shares by weight. */
  strict?: boolean
  /** Run until nothing is due (no due job in the served queues, none running here), then stop. */
  drain?: boolean
  /** Also run the scheduler (one leader among all workers enqueues the registry's schedules). */
  scheduler?: boolean
  /** How long running jobs may finish once a stop is asked; HARBORMASTER_WORKER_GRACE_SECONDS unless given. */
  graceSeconds?: number
  /** Progress, for the command's status line and for tests to wait on. */
  onEvent?: (event: WorkerEvent) => void
}

export type WorkerEvent =
  | {kind: 'started'; workerId: string}
  | {kind: 'job-started'; job: ClaimedJob}
  | {kind: 'job-completed'; job: ClaimedJob}
  | {kind: 'job-failed'; job: ClaimedJob; error: string; outcome: FailOutcome}
  | {kind: 'job-released'; job: ClaimedJob}
  | {kind: 'recovered'; count: number}
  | {kind: 'stopping'; reason: StopReason; running: number}
  | {kind: 'scheduler'; event: SchedulerEvent}
  | {kind: 'stopped'; stats: WorkerRunStats}

type StopReason = WorkerRunStats['stopped_by']

/** A worker started: stop it gracefully or at once; `done` resolves with its statistics. */
export interface RunningWorker {
  readonly id: string
  /** Stop fetching, let running jobs finish within the grace period, release the rest. */
  stop(): void
  /** Release every running job now (a second signal). */
  releaseNow(): void
  /** What runs now and what is done, for a status line. */
  status(): WorkerStatus
  readonly done: Promise<WorkerRunStats>
}

export interface WorkerStatus {
  running: number
  concurrency: number
  completed: number
  failed: number
  released: number
  stopping: boolean
  perQueue: Partial<Record<QueueName, number>>
}

/** Idle polling: a queue found empty is asked again after this, doubling up to the maximum while it stays empty. */
const IDLE_MIN_MS = 50
const IDLE_MAX_MS = 1000
/** Queue pauses are read again at most this often. */
const PAUSES_EVERY_MS = 1000
/** After the grace period, handlers are told to stop; those that do not within this are released anyway. */
const ABORT_SETTLE_MS = 5000

interface RunningJob {
  job: ClaimedJob
  controller: AbortController
  /** Released by the worker while its handler still ran: whatever the handler does next is ignored. */
  abandoned: boolean
  settled: Promise<void>
}

type Outcomes = {completed: number; failed: number; released: number}
const noOutcomes = (): Outcomes => ({completed: 0, failed: 0, released: 0})

/**
 * Picks queues by weight, deterministically: nginx's smooth weighted round-robin. Under saturation each
 * queue gets exactly its share (6,2,1,1 → 6 of every 10 picks to the first), spread out rather than in runs.
 */
export class WeightedQueuePicker {
  private readonly current = new Map<QueueName, number>()

  constructor(
    private readonly weights: QueueWeights,
    private readonly strict = false,
  ) {}

  /** The next queue among `candidates` (queues with due jobs, as far as the worker knows). */
  pick(candidates: readonly QueueName[]): QueueName | undefined {
    if (candidates.length === 0) return undefined
    const weight = (q: QueueName) => this.weights[q] ?? 0
    if (this.strict) return candidates.reduce((best, q) => (weight(q) > weight(best) ? q : best))
    let total = 0
    let best: QueueName | undefined
    for (const queue of candidates) {
      const value = (this.current.get(queue) ?? 0) + weight(queue)
      this.current.set(queue, value)
      total += weight(queue)
      if (best === undefined || value > (this.current.get(best) ?? 0)) best = queue
    }
    this.current.set(best as QueueName, (this.current.get(best as QueueName) ?? 0) - total)
    return best
  }
}

/** The queues and weights a worker serves: `--queues` text, else HARBORMASTER_QUEUE_WEIGHTS, in QUEUE_NAMES order. */
export function servedQueues(ctx: Context, queues?: QueueWeights | string): QueueWeights {
  const weights = typeof queues === 'string' ? parseQueueWeights(queues) : (queues ?? parseQueueWeights(ctx.config.queueWeights))
  return Object.fromEntries(QUEUE_NAMES.filter((q) => weights[q] !== undefined).map((q) => [q, weights[q]])) as QueueWeights
}

export async function startWorker(ctx: Context, options: WorkerOptions = {}): Promise<RunningWorker> {
  const weights = servedQueues(ctx, options.queues)
  const served = Object.keys(weights) as QueueName[]
  const concurrency = options.concurrency ?? ctx.config.workerConcurrency
  const strict = options.strict ?? false
  const graceMs = (options.graceSeconds ?? ctx.config.workerGraceSeconds) * 1000
  const emit = (event: WorkerEvent) => {
    try {
      options.onEvent?.(event)
    } catch (error) {
      ctx.logger.warn(`worker progress listener failed: ${errorMessage(error)}`)
    }
  }

  const engine: QueueEngine = await queueEngine(ctx)
  const identity = await registerWorker(ctx, {queues: weights as Record<string, number>, strict, concurrency, scheduler: options.scheduler ?? false})
  const log = ctx.logger.child({worker: identity.id})
  const startedAt = Date.now()

  const totals = {...noOutcomes(), retried: 0, dead: 0, recovered: 0, errors: 0}
  const perQueue: Partial<Record<QueueName, Outcomes>> = {}
  const perType: Partial<Record<ClaimedJob['type'], Outcomes>> = {}
  const count = (job: ClaimedJob, outcome: keyof Outcomes) => {
    totals[outcome]++
    ;(perQueue[job.queue] ??= noOutcomes())[outcome]++
    ;(perType[job.type] ??= noOutcomes())[outcome]++
  }

  const running = new Map<string, RunningJob>()
  const picker = new WeightedQueuePicker(weights, strict)
  /** Bumped whenever a job ends: a queue found empty before the last one ended is not known empty now. */
  let settled = 0
  const emptyAt = new Map<QueueName, number>()
  const retryAfter = new Map<QueueName, number>()
  const idleMs = new Map<QueueName, number>()
  let paused = new Set<QueueName>()
  let pausesReadAt = -Infinity

  let stopReason: StopReason | undefined
  const stopping = new AbortController()
  const releasing = new AbortController()
  // Wakes the loop early: a slot freed, a stop asked.
  let wake: () => void = () => undefined
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms))
      function done() {
        clearTimeout(timer)
        wake = () => undefined
        resolve()
      }
      wake = done
    })

  const progress = () => ({currentJobs: [...running.keys()], processed: totals.completed + totals.failed, failed: totals.failed})

  // The heartbeat: this worker stays alive in the registry, and jobs of workers that are not go back.
  let beating = false
  const beat = async () => {
    if (beating) return
    beating = true
    try {
      await heartbeat(ctx, identity.id, progress())
      const live = await liveWorkerIds(ctx)
      if (!live.includes(identity.id)) live.push(identity.id)
      const recovered = await engine.recoverLost(live)
      if (recovered > 0) {
        totals.recovered += recovered
        log.info(`${recovered} job(s) of lost workers sent back to the queue`)
        emit({kind: 'recovered', count: recovered})
      }
    } catch (error) {
      totals.errors++
      log.warn(`worker heartbeat failed: ${errorMessage(error)}`)
    } finally {
      beating = false
    }
  }
  const beatEveryMs = Math.max(250, (ctx.config.workerHeartbeatSeconds * 1000) / 3)
  await beat()
  const beatTimer = setInterval(() => void beat(), beatEveryMs)

  let scheduler: {stop(): Promise<void>; stats(): NonNullable<WorkerRunStats['scheduler']>} | undefined
  if (options.scheduler) {
    const {startScheduler} = await import('./scheduler.js')
    scheduler = await startScheduler(ctx, {onEvent: (event) => emit({kind: 'scheduler', event}), tickEveryMs: Math.min(5000, ctx.config.workerHeartbeatSeconds * 1000)})
  }

  log.info(
    `worker ${identity.id} started: ${served.map((q) => `${q}=${weights[q]}`).join(',')}${strict ? ' (strict priority)' : ''}, ${concurrency} at once${options.drain ? ', until nothing is due' : ''}${options.scheduler ? ', with the scheduler' : ''}`,
  )
  emit({kind: 'started', workerId: identity.id})

  const execute = async (entry: RunningJob) => {
    const {job, controller} = entry
    const timeout = setTimeout(() => controller.abort(new Cancelled('timeout', `${job.type} job ${job.id} timed out after ${job.timeoutSeconds} s`)), job.timeoutSeconds * 1000)
    const jobLog = log.child({job_id: job.id, job_type: job.type, attempt: job.attempt})
    let result: unknown
    let failure: unknown
    let failed = false
    try {
      const spec = isJobType(job.type) ? JOB_TYPE_SPECS[job.type] : undefined
      if (!spec) throw new HarbormasterError(`no handler for job type ${job.type} in this version of harbormaster`)
      const handler = await spec.handler()
      const payload = handler.payload.parse(job.payload)
      result = await handler.handle({...ctx, logger: jobLog, signal: controller.signal}, payload, job)
    } catch (error) {
      failed = true
      failure = error
    } finally {
      clearTimeout(timeout)
    }
    if (entry.abandoned) return
    try {
      const reason: unknown = controller.signal.reason
      if (failed && controller.signal.aborted && reason instanceof Cancelled && reason.kind === 'signal') {
        // Stopped by this worker's grace period: back to the queue as it was, the attempt not counted.
        await engine.release(job.id)
        count(job, 'released')
        jobLog.info(`job ${job.id} returned to the queue (the worker stopped)`)
        emit({kind: 'job-released', job})
      } else if (failed) {
        const message = errorMessage(failure)
        const outcome = await engine.fail(job.id, {message, stack: failure instanceof Error ? failure.stack : undefined})
        count(job, 'failed')
        if (outcome.state === 'retry') {
          totals.retried++
          jobLog.warn(`job ${job.id} (${job.type}) failed attempt ${job.attempt}: ${message}; retry at ${new Date(outcome.runAt ?? Date.now()).toISOString()}`)
        } else {
          totals.dead++
          jobLog.error(`job ${job.id} (${job.type}) failed attempt ${job.attempt}: ${message}; no retries left, in the dead letter`)
        }
        emit({kind: 'job-failed', job, error: message, outcome})
      } else {
        await engine.complete(job.id, result)
        count(job, 'completed')
        jobLog.debug(`job ${job.id} (${job.type}) completed`)
        emit({kind: 'job-completed', job})
      }
    } catch (error) {
      // The job stays active under this worker; once this worker is gone, another sends it back.
      totals.errors++
      jobLog.error(`could not record the end of job ${job.id}: ${errorMessage(error)}`)
    }
  }

  const start = (job: ClaimedJob) => {
    const entry: RunningJob = {job, controller: new AbortController(), abandoned: false, settled: Promise.resolve()}
    running.set(job.id, entry)
    log.debug(`job ${job.id} (${job.type}, ${job.queue}) started, attempt ${job.attempt}`)
    emit({kind: 'job-started', job})
    entry.settled = execute(entry).finally(() => {
      running.delete(job.id)
      settled++
      wake()
    })
  }

  const refreshPauses = async () => {
    if (Date.now() - pausesReadAt < PAUSES_EVERY_MS) return
    try {
      paused = await pausedQueues(ctx)
      pausesReadAt = Date.now()
    } catch (error) {
      totals.errors++
      log.warn(`could not read the queue pauses: ${errorMessage(error)}`)
    }
  }

  /** Found empty after the last job ended: in drain mode, nothing is due there. */
  const knownEmpty = (queue: QueueName) => emptyAt.get(queue) === settled

  const fetchLoop = async () => {
    while (!stopping.signal.aborted) {
      await refreshPauses()
      if (stopping.signal.aborted) break
      if (running.size >= concurrency) {
        await nap(PAUSES_EVERY_MS)
        continue
      }
      const now = Date.now()
      const open = served.filter((q) => !paused.has(q))
      if (options.drain && running.size === 0 && open.every(knownEmpty)) {
        stopReason ??= 'drain'
        return
      }
      const candidates = open.filter((q) => (retryAfter.get(q) ?? 0) <= now || (options.drain && !knownEmpty(q) && running.size === 0))
      const queue = picker.pick(candidates)
      if (queue === undefined) {
        const next = Math.min(PAUSES_EVERY_MS, ...open.map((q) => (retryAfter.get(q) ?? now) - now))
        await nap(next)
        continue
      }
      const before = settled
      let jobs: ClaimedJob[]
      try {
        jobs = await engine.fetch(queue, 1, identity.id)
      } catch (error) {
        totals.errors++
        log.warn(`fetching from ${queue} failed: ${errorMessage(error)}`)
        jobs = []
      }
      if (jobs.length === 0) {
        emptyAt.set(queue, before)
        const wait = Math.min(IDLE_MAX_MS, (idleMs.get(queue) ?? IDLE_MIN_MS / 2) * 2)
        idleMs.set(queue, wait)
        retryAfter.set(queue, Date.now() + wait)
        continue
      }
      idleMs.delete(queue)
      retryAfter.delete(queue)
      emptyAt.delete(queue)
      for (const job of jobs) start(job)
    }
  }

  const allSettled = async () => {
    while (running.size > 0) await Promise.all([...running.values()].map((r) => r.settled))
  }

  const releaseRunning = async () => {
    await Promise.all(
      [...running.values()].map(async (entry) => {
        if (entry.abandoned) return
        entry.abandoned = true
        entry.controller.abort(new Cancelled('signal', 'the worker was told to stop at once'))
        try {
          await engine.release(entry.job.id)
          count(entry.job, 'released')
          log.info(`job ${entry.job.id} returned to the queue (the worker stopped)`)
          emit({kind: 'job-released', job: entry.job})
        } catch (error) {
          totals.errors++
          log.error(`could not return job ${entry.job.id} to the queue: ${errorMessage(error)}`)
        }
      }),
    )
  }

  const done = (async (): Promise<WorkerRunStats> => {
    try {
      await fetchLoop()
      if (running.size > 0) {
        log.info(`stopping: ${running.size} running job(s) may finish within ${graceMs / 1000} s`)
        emit({kind: 'stopping', reason: stopReason ?? 'signal', running: running.size})
        const grace = new AbortController()
        await Promise.race([allSettled(), sleepUnlessCancelled(graceMs, AbortSignal.any([grace.signal, releasing.signal]))])
        grace.abort()
        if (running.size > 0 && !releasing.signal.aborted) {
          log.warn(`grace period over: ${running.size} job(s) told to stop and returned to the queue`)
          for (const entry of running.values()) entry.controller.abort(new Cancelled('signal', "the worker's grace period ended"))
          const settle = new AbortController()
          await Promise.race([allSettled(), sleepUnlessCancelled(ABORT_SETTLE_MS, AbortSignal.any([settle.signal, releasing.signal]))])
          settle.abort()
        }
        // Handlers that did not stop when told, or a second signal: their jobs go back now.
        if (running.size > 0) await releaseRunning()
      } else {
        emit({kind: 'stopping', reason: stopReason ?? 'signal', running: 0})
      }
    } finally {
      clearInterval(beatTimer)
      await scheduler?.stop().catch((error: unknown) => log.warn(`stopping the scheduler failed: ${errorMessage(error)}`))
      await markStopped(ctx, identity.id, progress()).catch((error: unknown) => log.warn(`could not mark the worker stopped: ${errorMessage(error)}`))
    }
    const stats: WorkerRunStats = {
      worker_id: identity.id,
      host: identity.host,
      pid: identity.pid,
      queues: weights,
      strict,
      concurrency,
      started_at: new Date(startedAt).toISOString(),
      stopped_at: new Date().toISOString(),
      stopped_by: stopReason ?? 'signal',
      processed: totals.completed + totals.failed,
      completed: totals.completed,
      failed: totals.failed,
      retried: totals.retried,
      dead: totals.dead,
      released: totals.released,
      recovered: totals.recovered,
      errors: totals.errors,
      per_queue: perQueue,
      per_type: perType,
      scheduler: scheduler?.stats() ?? null,
    }
    log.info(
      `worker ${identity.id} stopped (${stats.stopped_by}): ${stats.completed} completed, ${stats.failed} failed (${stats.retried} to retry, ${stats.dead} dead), ${stats.released} released`,
    )
    emit({kind: 'stopped', stats})
    return stats
  })()

  const stop = (reason: StopReason) => {
    stopReason ??= reason
    if (!stopping.signal.aborted) stopping.abort()
    wake()
  }

  return {
    id: identity.id,
    done,
    stop: () => stop('signal'),
    releaseNow() {
      stop('release')
      stopReason = 'release'
      if (!releasing.signal.aborted) releasing.abort()
    },
    status: () => ({
      running: running.size,
      concurrency,
      completed: totals.completed,
      failed: totals.failed,
      released: totals.released,
      stopping: stopping.signal.aborted,
      perQueue: Object.fromEntries(Object.entries(perQueue).map(([q, o]) => [q, o.completed + o.failed])),
    }),
  }
}

/** Runs a worker until it drains, `ctx.signal` asks it to stop, or `urgent` asks it to release at once. */
export async function runWorker(
  ctx: Context,
  options: WorkerOptions & {urgent?: AbortSignal; onStart?: (worker: RunningWorker) => void} = {},
): Promise<WorkerRunStats> {
  const worker = await startWorker(ctx, options)
  options.onStart?.(worker)
  const onStop = () => worker.stop()
  const onUrgent = () => worker.releaseNow()
  if (ctx.signal?.aborted) onStop()
  else ctx.signal?.addEventListener('abort', onStop, {once: true})
  if (options.urgent?.aborted) onUrgent()
  else options.urgent?.addEventListener('abort', onUrgent, {once: true})
  try {
    return await worker.done
  } finally {
    ctx.signal?.removeEventListener('abort', onStop)
    options.urgent?.removeEventListener('abort', onUrgent)
  }
}
