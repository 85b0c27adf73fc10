// The runner every job goes through: emergency stop, dependencies, the lease lock, a job_runs row,
// retries by priority with capped jittered backoff, the timeout, dead-man's-switch pings, and catching up
// after downtime (once, never once per missed slot). Jobs themselves never lock, record or retry.
import {backoffDelay, sleep} from '../backoff.js'
import type {Context} from '../context.js'
import {ports} from '../db/schema.js'
import {errorMessage, HarbormasterError} from '../errors.js'
import {ensureFallbackData} from '../fallback/ensure.js'
import {describePause, pauseOf} from './control.js'
import {acquireLease, holderText} from './lease.js'
import {ping} from './ping.js'
import {JOBS, jobSpec, type JobSpec, type JobSummary, periodMs, RETRIES, scheduleTimes} from './registry.js'
import {consecutiveFailures, finishRun, lastRun, recordSkip, startRun} from './runs.js'

export {consecutiveFailures, lastRun} from './runs.js'

export type {JobSummary} from './registry.js'

export interface JobOutcome {
  job: string
  status: 'success' | 'failed' | 'skipped' | 'timeout'
  summary?: JobSummary
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

class JobTimeout extends HarbormasterError {}

/** Dependencies that have not succeeded within their period plus half of it; empty when all have. */
export function unmetDependencies(ctx: Context, spec: JobSpec): string[] {
  const now = ctx.clock.now()
  const unmet: string[] = []
  for (const dep of spec.dependsOn) {
    const depSpec = jobSpec(dep)
    if (!depSpec) continue
    const last = lastRun(ctx, dep, ['success'])
    const allowed = periodMs(depSpec.schedule, now) * 1.5
    if (!last) unmet.push(`${dep} has never succeeded`)
    else if (now - (last.completedAt ?? last.startedAt) > allowed) {
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

/** Runs `work` with a deadline; past it the run is recorded as timed out and the job asked to stop. */
async function withTimeout<T>(work: () => Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout()
      reject(new JobTimeout(`timed out after ${ms / 1000} s`))
    }, ms)
  })
  try {
    return await Promise.race([work(), deadline])
  } finally {
    clearTimeout(timer)
  }
}

export async function runJob(ctx: Context, job: string, work: (ctx: Context) => Promise<JobSummary>, options: RunOptions = {}): Promise<JobOutcome> {
  const trigger = options.trigger ?? 'cli'
  const log = ctx.logger.child({job})
  const startedAt = ctx.clock.now()
  const spec = jobSpec(job)
  const skip = (reason: string): JobOutcome => {
    log.info(`skipped: ${reason}`)
    recordSkip(ctx.db, job, startedAt, trigger, reason)
    return {job, status: 'skipped', skipReason: reason, durationMs: 0}
  }

  const paused = pauseOf(ctx, job)
  if (paused) return skip(`${job} is ${describePause(paused)}`)
  if (spec && !options.ignoreDependencies) {
    const unmet = unmetDependencies(ctx, spec)
    if (unmet.length > 0) return skip(`dependencies not met: ${unmet.join('; ')}`)
  }
  const lockName = options.lockName ?? job
  const taken = acquireLease(ctx, lockName)
  if (!taken.acquired) return skip(holderText(lockName, taken.holder))
  const {lease} = taken

  if (spec) {
    const last = lastRun(ctx, job, ['success'])
    const period = periodMs(spec.schedule, startedAt)
    if (last && startedAt - last.startedAt > period * 1.5) {
      const missed = Math.floor((startedAt - last.startedAt) / period) - 1
      log.info(`catching up: last success ${new Date(last.startedAt).toISOString()}, ${missed} scheduled run(s) missed; running once now`)
    }
  }

  const runId = startRun(ctx.db, job, startedAt, trigger)
  lease.setRunId(runId)
  void ping(ctx, job, 'start')
  const retries = spec ? RETRIES[spec.priority] : 0
  const limitMs = timeoutSeconds(ctx, job, spec?.timeoutSeconds ?? 3600) * 1000
  // The job sees a stop request when the operator signals, pauses it, or its time is up.
  let timedOut = false
  let pauseCheckedAt = 0
  let pausedNow = false
  const jobCtx: Context = {
    ...ctx,
    stopRequested: () => {
      if (ctx.stopRequested?.() || timedOut) return true
      if (Date.now() - pauseCheckedAt > 1000) {
        pauseCheckedAt = Date.now()
        pausedNow = pauseOf(ctx, job) !== undefined
      }
      return pausedNow
    },
  }
  const t0 = performance.now()
  let attempt = 0
  try {
    for (;;) {
      attempt++
      try {
        log.debug('started', {run: runId, attempt})
        const summary = await withTimeout(() => work(jobCtx), limitMs, () => {
          timedOut = true
        })
        const durationMs = Math.round(performance.now() - t0)
        finishRun(ctx.db, runId, {status: 'success', startedAt, completedAt: startedAt + durationMs, summary: {...summary, attempts: attempt}})
        log.info(`finished in ${(durationMs / 1000).toFixed(1)} s${attempt > 1 ? ` (attempt ${attempt})` : ''}`, {run: runId})
        void ping(ctx, job, 'success')
        return {job, status: 'success', summary, runId, durationMs, attempts: attempt}
      } catch (error) {
        const message = errorMessage(error)
        if (error instanceof JobTimeout || attempt > retries || ctx.stopRequested?.() || (error as HarbormasterError).exitCode === 2) {
          const durationMs = Math.round(performance.now() - t0)
          const status = error instanceof JobTimeout ? 'timeout' : 'failed'
          finishRun(ctx.db, runId, {status, startedAt, completedAt: startedAt + durationMs, error: message})
          const streak = consecutiveFailures(ctx, job)
          log.error(`${status === 'timeout' ? 'timed out' : 'failed'}: ${message}`, {run: runId, attempts: attempt, consecutive_failures: streak})
          if (!(error instanceof HarbormasterError)) log.debug((error as Error).stack ?? message)
          void ping(ctx, job, 'fail')
          return {job, status, error: message, runId, durationMs, attempts: attempt}
        }
        const delay = backoffDelay(attempt - 1, ctx.config.jobRetryBaseMs, 30_000)
        log.warn(`attempt ${attempt} failed: ${message}; retrying in ${Math.round(delay)} ms`, {run: runId})
        await sleep(delay)
      }
    }
  } finally {
    lease.release()
  }
}

export const SEED_JOB_NAMES = ['vessels', 'ports', 'safety'] as const
export type SeedJobName = (typeof SEED_JOB_NAMES)[number]

/** The seed's job names, their keys in the summary JSON, and the fields a failed or skipped job reports as zero. */
export const SEED_JOBS: Record<SeedJobName, {key: string; zero: Record<string, number>}> = {
  vessels: {key: 'vessel_positions', zero: {vessels_updated: 0, errors_count: 0}},
  ports: {key: 'port_congestion', zero: {ports_updated: 0, errors_count: 0}},
  safety: {key: 'safety_events', zero: {total_events_created: 0, total_notifications_created: 0}},
}

export interface BackgroundJobsSummary {
  started_at: string
  completed_at: string
  duration_seconds: number
  total_success: boolean
  jobs: Record<string, JobSummary>
}

export interface BackgroundJobsHooks {
  onStart?(job: SeedJobName): void
  onEnd?(job: SeedJobName, outcome: JobOutcome): void
}

/** Runs the chosen seed jobs in dependency order; a failing job is counted and the others still run. */
export async function runBackgroundJobs(
  ctx: Context,
  jobs: readonly SeedJobName[],
  hooks: BackgroundJobsHooks = {},
  options: RunOptions = {},
): Promise<{summary: BackgroundJobsSummary; outcomes: JobOutcome[]}> {
  const startedAt = ctx.clock.now()
  const t0 = performance.now()
  await ensureMinimumDataset(ctx)
  const outcomes: JobOutcome[] = []
  const summaryJobs: Record<string, JobSummary> = {}
  for (const name of SEED_JOB_NAMES) {
    if (!jobs.includes(name)) continue
    if (ctx.stopRequested?.()) break
    const spec = SEED_JOBS[name]
    hooks.onStart?.(name)
    const outcome = await runJob(ctx, name, (jobSpec(name) as JobSpec).work, options)
    hooks.onEnd?.(name, outcome)
    outcomes.push(outcome)
    if (outcome.status === 'success') summaryJobs[spec.key] = outcome.summary as JobSummary
    else if (outcome.status === 'skipped') summaryJobs[spec.key] = {...spec.zero, success: true, skipped: true, reason: outcome.skipReason} as JobSummary
    else summaryJobs[spec.key] = {...spec.zero, errors_count: 1, success: false, error: outcome.error, status: outcome.status} as JobSummary
  }
  const seconds = (performance.now() - t0) / 1000
  return {
    summary: {
      started_at: new Date(startedAt).toISOString(),
      completed_at: new Date(startedAt + Math.round(seconds * 1000)).toISOString(),
      duration_seconds: Math.round(seconds * 10) / 10,
      total_success: outcomes.every((o) => o.status !== 'failed' && o.status !== 'timeout'),
      jobs: summaryJobs,
    },
    outcomes,
  }
}

/** A fresh database gets the shipped ports and zones first, so the jobs have ports to work on. */
async function ensureMinimumDataset(ctx: Context): Promise<void> {
  if ((await ctx.db.orm.$count(ports)) > 0) return
  ctx.logger.info('fresh database: loading the shipped ports and safety zones (ensure-fallback-data)')
  const report = await ensureFallbackData(ctx, {skipVessels: true})
  ctx.logger.info('fallback dataset loaded', {ports: report.ports.created, safety_zones: report.safety_zones.created})
}

/**
 * Every enabled job whose latest scheduled time has passed since its last run, once each, in dependency
 * order: after downtime each missed job runs once, not once per missed slot.
 */
export function dueJobs(ctx: Context): JobSpec[] {
  const now = ctx.clock.now()
  return JOBS.filter((spec) => {
    if (!spec.enabled) return false
    const last = lastRun(ctx, spec.name, ['success', 'failed', 'timeout'])
    return !last || last.startedAt < scheduleTimes(spec.schedule, now).previous
  })
}

export async function runDueJobs(ctx: Context, options: RunOptions = {}): Promise<JobOutcome[]> {
  await ensureMinimumDataset(ctx)
  const outcomes: JobOutcome[] = []
  for (const spec of dueJobs(ctx)) {
    if (ctx.stopRequested?.()) break
    outcomes.push(await runJob(ctx, spec.name, spec.work, options))
  }
  return outcomes
}
