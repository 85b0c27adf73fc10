// The runner every job goes through: emergency stop, dependencies, the lease lock, a job_runs row,
// retries by priority with capped jittered backoff, the timeout, dead-man's-switch pings, and catching up
// after downtime (once, never once per missed slot). Jobs themselves never lock, record or retry. A job
// is stopped through its context's signal (timeout, operator's signal, pause, lost lease) and awaited until
// it has stopped; only then is the run recorded and the lease released.
import {backoffDelay} from '../backoff.js'
import {Cancelled, cancellationOf, onAbandon, sleepUnlessCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {hasPorts} from '../db/ports.js'
import {write} from '../db/transaction.js'
import {errorMessage, HarbormasterError} from '../errors.js'
import type {RunStatus} from '../../schemas/jobs.js'
import {ensureFallbackData} from '../fallback/ensure.js'
import {jobRunFailed} from '../queue/triggers.js'
import {describePause, pauseOf} from './control.js'
import {acquireLease, holderText} from './lease.js'
import {ping} from './ping.js'
import type {BackgroundJobsSummary, SeedJobEntry} from '../../schemas/jobs.js'
import {BACKGROUND_JOBS, type BackgroundJob, type BackgroundJobName} from './names.js'
import {JOBS, jobSpec, type JobName, type JobSpec, type JobSummary, periodMs, RETRIES, scheduleTimes, type SummaryOf} from './registry.js'
import {consecutiveFailures, finishRun, finishRunNow, lastRun, markCrashedRuns, recordSkip, startRun} from './runs.js'

export {consecutiveFailures, lastRun} from './runs.js'

export type {JobSummary} from './registry.js'
export type {BackgroundJobsSummary} from '../../schemas/jobs.js'
export {SEED_JOB_NAMES, type SeedJobName} from './names.js'

export interface JobOutcome<S extends JobSummary = JobSummary, N extends string = string> {
  job: N
  status: RunStatus
  /** What the job did; for a run stopped early (timeout, signal, pause), what it did before it stopped. */
  summary?: S
  error?: string
  /** Set when skipped: held lease, pause or dependency. */
  skipReason?: string
  runId?: number
  durationMs: number
  attempts?: number
}

export interface RunOptions {
  trigger?: string
  /** The lease name when it differs from the job (jobs writing the same tables share one). */
  lockName?: string
  /** Run even if dependencies have not succeeded (an operator's explicit `jobs run --force`). */
  ignoreDependencies?: boolean
}

/**
 * Dependencies whose latest turn failed (failed, timed out or crashed), or that have not succeeded within
 * their period plus half of it; empty when all have. A success before the failure does not count: a backup
 * after a failed usage report waits for the next good one.
 */
export async function unmetDependencies(ctx: Context, spec: JobSpec): Promise<string[]> {
  const now = ctx.clock.now()
  const unmet: string[] = []
  for (const dep of spec.dependsOn) {
    const depSpec = jobSpec(dep)
    if (!depSpec) continue
    const last = await lastRun(ctx, dep, ['success'])
    const turn = await lastRun(ctx, dep, [...HAD_ITS_TURN])
    const allowed = periodMs(depSpec.schedule, now) * 1.5
    if (!last) unmet.push(`${dep} has never succeeded`)
    else if (turn && turn.status !== 'success') {
      const when = new Date(turn.completedAt ?? turn.startedAt).toISOString()
      unmet.push(`${dep} ${turn.status === 'timeout' ? 'timed out' : turn.status} at ${when}${turn.error ? ` (${turn.error})` : ''}`)
    } else if (now - (last.completedAt ?? last.startedAt) > allowed) {
      unmet.push(`${dep} last succeeded ${Math.round((now - (last.completedAt ?? last.startedAt)) / 60_000)} min ago (allowed ${Math.round(allowed / 60_000)} min)`)
    }
  }
  return unmet
}

function timeoutSeconds(ctx: Context, job: string, fallback: number): number {
  for (const item of ctx.config.jobTimeouts.split(',').filter(Boolean)) {
    const [name, seconds] = item.split('=')
    if (name === job) return Number(seconds)
  }
  return fallback
}

/** How often a running job looks for a pause (the emergency stop) made by another process. */
const PAUSE_CHECK_MS = 1000

/** The run's status when its signal stopped it: a timeout, an operator's stop or pause, or a lost lease. */
function stoppedStatus(stop: Cancelled): 'timeout' | 'cancelled' | 'failed' {
  return stop.kind === 'timeout' ? 'timeout' : stop.kind === 'lease' ? 'failed' : 'cancelled'
}

export async function runJob<S extends JobSummary, N extends string = string>(ctx: Context, job: N, work: (ctx: Context) => Promise<S>, options: RunOptions = {}): Promise<JobOutcome<S, N>> {
  const trigger = options.trigger ?? 'cli'
  const log = ctx.logger.child({job})
  const startedAt = ctx.clock.now()
  const spec = jobSpec(job)
  const skip = async (reason: string): Promise<JobOutcome<S, N>> => {
    log.info(`skipped: ${reason}`)
    await recordSkip(ctx.db, job, startedAt, trigger, reason, ctx.config.host)
    return {job, status: 'skipped', skipReason: reason, durationMs: 0}
  }

  await markCrashedRuns(ctx)
  const paused = await pauseOf(ctx, job)
  if (paused) return skip(`${job} is ${describePause(paused)}`)
  if (spec && !options.ignoreDependencies) {
    const unmet = await unmetDependencies(ctx, spec)
    if (unmet.length > 0) return skip(`dependencies not met: ${unmet.join('; ')}`)
  }
  // The job's own signal: the operator's stop, its timeout, a pause, or its lease taken by another run.
  const stop = new AbortController()
  const lockName = options.lockName ?? job
  const taken = await acquireLease(ctx, lockName, {onLost: (holder) => stop.abort(new Cancelled('lease', `lost the ${lockName} lease${holder ? ` to ${holder}` : ''}`))})
  if (!taken.acquired) return skip(holderText(lockName, taken.holder))
  const {lease} = taken

  if (spec) {
    const last = await lastRun(ctx, job, ['success'])
    const period = periodMs(spec.schedule, startedAt)
    if (last && startedAt - last.startedAt > period * 1.5) {
      const missed = Math.floor((startedAt - last.startedAt) / period) - 1
      log.info(`catching up: last success ${new Date(last.startedAt).toISOString()}, ${missed} scheduled run(s) missed; running once now`)
    }
  }

  // The run row and the lease that carries it are written together: a `running` row is never without its lease.
  const runId = await write(ctx.db, async () => {
    const id = await startRun(ctx.db, job, startedAt, trigger, ctx.config.host)
    await lease.setRunId(id)
    return id
  })
  ping(ctx, job, 'start')
  const retries = spec ? RETRIES[spec.priority] : 0
  const limitSeconds = timeoutSeconds(ctx, job, spec?.timeoutSeconds ?? 3600)
  const t0 = performance.now()
  const elapsed = () => Math.round(performance.now() - t0)

  const onParentStop = () => stop.abort(ctx.signal?.reason)
  if (ctx.signal?.aborted) onParentStop()
  ctx.signal?.addEventListener('abort', onParentStop, {once: true})
  // Unref'd: they watch the work, the work's own I/O is what keeps the process alive.
  const timer = setTimeout(() => {
    log.warn(`timed out after ${limitSeconds} s: stopping at the next batch boundary`, {run: runId})
    stop.abort(new Cancelled('timeout', `timed out after ${limitSeconds} s`))
  }, limitSeconds * 1000).unref()
  let pauseChecking = false
  const pauseWatch = setInterval(() => {
    if (pauseChecking) return
    pauseChecking = true
    pauseOf(ctx, job)
      .then((pause) => {
        if (pause) stop.abort(new Cancelled('pause', `${job} is ${describePause(pause)}`))
      })
      // A check that could not read is tried again at the next one.
      .catch((error: Error) => log.debug(`pause check failed: ${error.message}`))
      .finally(() => (pauseChecking = false))
  }, PAUSE_CHECK_MS).unref()
  const stopWatching = () => {
    clearTimeout(timer)
    clearInterval(pauseWatch)
    ctx.signal?.removeEventListener('abort', onParentStop)
  }
  // A second signal exits at once: the run is recorded as cancelled and its lease released on the way out.
  const forget = onAbandon(() => {
    stopWatching()
    finishRunNow(ctx.db, runId, {status: 'cancelled', startedAt, completedAt: startedAt + elapsed(), error: 'stopped at once by a second signal'})
    lease.releaseAtOnce()
    return `${job} run ${runId} recorded as cancelled`
  })
  const jobCtx: Context = {...ctx, signal: stop.signal, runId}
  let attempt = 0
  try {
    for (;;) {
      attempt++
      let summary: S | undefined
      let failure: unknown
      if (!stop.signal.aborted) {
        try {
          log.debug('started', {run: runId, attempt})
          // Awaited to the end, whatever stops it: the lease is released only once the work has stopped.
          summary = await work(jobCtx)
        } catch (error) {
          failure = error
        }
      }
      const durationMs = elapsed()
      const completedAt = startedAt + durationMs
      // A job asked to stop either says it stopped early or throws; one that finished its work anyway succeeded.
      if (stop.signal.aborted && (failure !== undefined || summary === undefined || summary.stopped === true)) {
        const why = cancellationOf(stop.signal)
        const status = stoppedStatus(why)
        const partial: S | undefined = summary ? {...summary, success: false, stopped: true} : undefined
        await finishRun(ctx.db, runId, {status, startedAt, completedAt, error: why.message, summary: partial && {...partial, attempts: attempt}})
        const streak = await consecutiveFailures(ctx, job)
        const line = `${status === 'timeout' ? 'timed out' : status === 'cancelled' ? 'stopped' : 'failed'}: ${why.message}`
        const fields = {run: runId, attempts: attempt, consecutive_failures: streak}
        if (status === 'cancelled') log.warn(line, fields)
        else log.error(line, fields)
        if (status !== 'cancelled') {
          ping(ctx, job, 'fail')
          await jobRunFailed(ctx, {id: runId, job, status})
        }
        return {job, status, error: why.message, summary: partial, runId, durationMs, attempts: attempt}
      }
      if (failure === undefined) {
        const done = summary as S
        if (stop.signal.aborted) log.warn(`finished its work although asked to stop (${cancellationOf(stop.signal).message})`, {run: runId})
        await finishRun(ctx.db, runId, {status: 'success', startedAt, completedAt, summary: {...done, attempts: attempt}})
        log.info(`finished in ${(durationMs / 1000).toFixed(1)} s${attempt > 1 ? ` (attempt ${attempt})` : ''}`, {run: runId})
        ping(ctx, job, 'success')
        return {job, status: 'success', summary: done, runId, durationMs, attempts: attempt}
      }
      const message = errorMessage(failure)
      if (attempt > retries || (failure as HarbormasterError).exitCode === 2) {
        const errorStack = failure instanceof Error ? failure.stack : undefined
        await finishRun(ctx.db, runId, {status: 'failed', startedAt, completedAt, error: message, errorStack})
        const streak = await consecutiveFailures(ctx, job)
        log.error(`failed: ${message}`, {run: runId, attempts: attempt, consecutive_failures: streak})
        if (!(failure instanceof HarbormasterError)) log.debug((failure as Error).stack ?? message)
        ping(ctx, job, 'fail')
        await jobRunFailed(ctx, {id: runId, job, status: 'failed'})
        return {job, status: 'failed', error: message, runId, durationMs, attempts: attempt}
      }
      const delay = backoffDelay(attempt - 1, ctx.config.jobRetryBaseMs, 30_000)
      log.warn(`attempt ${attempt} failed: ${message}; retrying in ${Math.round(delay)} ms`, {run: runId})
      await sleepUnlessCancelled(delay, stop.signal)
    }
  } finally {
    stopWatching()
    forget()
    await lease.release()
  }
}

export interface BackgroundJobsHooks {
  onStart?(job: BackgroundJobName): void
  onEnd?(job: BackgroundJobName, outcome: JobOutcome): void
}

/** A job's entry in the summary JSON: its summary when it ran, else its zero counters and why not. */
function seedEntry<J extends BackgroundJob>(job: J, outcome: JobOutcome<SummaryOf<J['name']>>): SeedJobEntry<J['key']> {
  if (outcome.status === 'success') return outcome.summary as SeedJobEntry<J['key']>
  if (outcome.status === 'skipped') return {...job.zero, success: true, skipped: true, reason: outcome.skipReason} as SeedJobEntry<J['key']>
  return {
    ...job.zero,
    ...outcome.summary,
    errors_count: outcome.summary ? (outcome.summary.errors_count ?? 0) : 1,
    success: false,
    error: outcome.error,
    status: outcome.status,
  } as SeedJobEntry<J['key']>
}

/** Runs the chosen jobs (the seed's, the behaviour pass) in dependency order; a failing job is counted and the others still run. */
export async function runBackgroundJobs(
  ctx: Context,
  jobs: readonly BackgroundJobName[],
  hooks: BackgroundJobsHooks = {},
  options: RunOptions = {},
): Promise<{summary: BackgroundJobsSummary; outcomes: JobOutcome[]}> {
  const startedAt = ctx.clock.now()
  const t0 = performance.now()
  await ensureMinimumDataset(ctx)
  const outcomes: JobOutcome[] = []
  const entries: BackgroundJobsSummary['jobs'] = {}
  const record = <J extends BackgroundJob>(job: J, entry: SeedJobEntry<J['key']>) => {
    ;(entries as Record<J['key'], SeedJobEntry<J['key']>>)[job.key as J['key']] = entry
  }
  for (const job of BACKGROUND_JOBS) {
    if (!jobs.includes(job.name)) continue
    if (ctx.signal?.aborted) {
      // Stopped before this job began: said so, not left out.
      record(job, {...job.zero, success: false, status: 'cancelled', error: `not started: ${cancellationOf(ctx.signal).message}`} as SeedJobEntry<typeof job.key>)
      continue
    }
    hooks.onStart?.(job.name)
    const outcome = await runJob(ctx, job.name, jobSpec(job.name).work as (ctx: Context) => Promise<SummaryOf<typeof job.name>>, options)
    hooks.onEnd?.(job.name, outcome)
    outcomes.push(outcome)
    record(job, seedEntry(job, outcome))
  }
  const seconds = (performance.now() - t0) / 1000
  return {
    summary: {
      started_at: new Date(startedAt).toISOString(),
      completed_at: new Date(startedAt + Math.round(seconds * 1000)).toISOString(),
      duration_seconds: Math.round(seconds * 10) / 10,
      total_success: Object.values(entries).every((entry) => entry?.success),
      jobs: entries,
    },
    outcomes,
  }
}

/** A fresh database gets the shipped ports and zones first, so the jobs have ports to work on. */
async function ensureMinimumDataset(ctx: Context): Promise<void> {
  if (await hasPorts(ctx.db)) return
  ctx.logger.info('fresh database: loading the shipped ports and safety zones (ensure-fallback-data)')
  const report = await ensureFallbackData(ctx, {skipVessels: true})
  ctx.logger.info('fallback dataset loaded', {ports: report.ports.created, safety_zones: report.safety_zones.created})
}

/** The jobs with each one's dependencies before it (otherwise in the order given): due together, a dependant runs after what it needs. */
export function inDependencyOrder(specs: readonly JobSpec[]): JobSpec[] {
  const ordered: JobSpec[] = []
  const placed = new Set<string>()
  const place = (spec: JobSpec, path: readonly string[]) => {
    if (placed.has(spec.name) || path.includes(spec.name)) return
    for (const dep of spec.dependsOn) {
      const depSpec = specs.find((s) => s.name === dep)
      if (depSpec) place(depSpec, [...path, spec.name])
    }
    placed.add(spec.name)
    ordered.push(spec)
  }
  for (const spec of specs) place(spec, [])
  return ordered
}

/** Runs that count as a job's turn at its slot: one that failed, timed out or crashed had it; one an operator stopped runs again when due. */
export const HAD_ITS_TURN = ['success', 'failed', 'timeout', 'crashed'] as const

/**
 * Every enabled job whose latest scheduled time has passed since its last run, once each, in dependency
 * order: after downtime each missed job runs once, not once per missed slot.
 */
export async function dueJobs(ctx: Context): Promise<JobSpec[]> {
  const now = ctx.clock.now()
  const due: JobSpec[] = []
  for (const spec of inDependencyOrder(JOBS)) {
    if (!spec.enabled) continue
    const last = await lastRun(ctx, spec.name, [...HAD_ITS_TURN])
    if (!last || last.startedAt < scheduleTimes(spec.schedule, now).previous) due.push(spec)
  }
  return due
}

export async function runDueJobs(ctx: Context, options: RunOptions = {}): Promise<Array<JobOutcome<JobSummary, JobName>>> {
  await ensureMinimumDataset(ctx)
  const outcomes: Array<JobOutcome<JobSummary, JobName>> = []
  await markCrashedRuns(ctx)
  for (const spec of await dueJobs(ctx)) {
    if (ctx.signal?.aborted) break
    outcomes.push(await runJob(ctx, spec.name, spec.work, options))
  }
  return outcomes
}
