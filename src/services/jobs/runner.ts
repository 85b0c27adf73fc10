// The runner every job goes through: lease lock, job_runs row, outcome; jobs themselves never lock or
// record. Also the seed's run-background-jobs: vessels, then ports, then safety, with the summary JSON.
import type {Context} from '../context.js'
import {errorMessage, HarbormasterError} from '../errors.js'
import {runVesselsJob} from '../vessels/job.js'
import {computePortCongestion} from '../ports/congestion.js'
import {runSafetyJob} from '../safety/job.js'
import {ports} from '../db/schema.js'
import {ensureFallbackData} from '../fallback/ensure.js'
import {acquireLease, holderText} from './lease.js'
import {finishRun, recordSkip, startRun} from './runs.js'

/** What every job returns: its own counters, with `success` at least (the seed's summary entries). */
export interface JobSummary {
  success: boolean
  errors_count?: number
}

export interface JobOutcome {
  job: string
  status: 'success' | 'failed' | 'skipped'
  summary?: JobSummary
  error?: string
  /** Set when skipped: who holds the lease. */
  skipReason?: string
  runId?: number
  durationMs: number
}

export interface RunOptions {
  trigger?: string
  /** The lease name when it differs from the job (jobs writing the same tables share one). */
  lockName?: string
}

export async function runJob(ctx: Context, job: string, work: (ctx: Context) => Promise<JobSummary>, options: RunOptions = {}): Promise<JobOutcome> {
  const trigger = options.trigger ?? 'cli'
  const log = ctx.logger.child({job})
  const startedAt = ctx.clock.now()
  const lockName = options.lockName ?? job
  const taken = acquireLease(ctx, lockName)
  if (!taken.acquired) {
    const reason = holderText(lockName, taken.holder)
    log.info(`skipped: ${reason}`)
    recordSkip(ctx.db, job, startedAt, trigger, reason)
    return {job, status: 'skipped', skipReason: reason, durationMs: 0}
  }
  const {lease} = taken
  const runId = startRun(ctx.db, job, startedAt, trigger)
  lease.setRunId(runId)
  const t0 = performance.now()
  try {
    log.debug('started', {run: runId})
    const summary = await work(ctx)
    const durationMs = Math.round(performance.now() - t0)
    finishRun(ctx.db, runId, {status: 'success', startedAt, completedAt: startedAt + durationMs, summary: {...summary}})
    log.info(`finished in ${(durationMs / 1000).toFixed(1)} s`, {run: runId})
    return {job, status: 'success', summary, runId, durationMs}
  } catch (error) {
    const durationMs = Math.round(performance.now() - t0)
    const message = errorMessage(error)
    finishRun(ctx.db, runId, {status: 'failed', startedAt, completedAt: startedAt + durationMs, error: message})
    log.error(`failed: ${message}`, {run: runId})
    if (!(error instanceof HarbormasterError)) log.debug((error as Error).stack ?? message)
    return {job, status: 'failed', error: message, runId, durationMs}
  } finally {
    lease.release()
  }
}

export const SEED_JOB_NAMES = ['vessels', 'ports', 'safety'] as const
export type SeedJobName = (typeof SEED_JOB_NAMES)[number]

/** The seed's job names, their keys in the summary JSON, and the fields a failed or skipped job reports as zero. */
export const SEED_JOBS: Record<SeedJobName, {key: string; zero: Record<string, number>; work: (ctx: Context) => Promise<JobSummary>}> = {
  vessels: {key: 'vessel_positions', zero: {vessels_updated: 0, errors_count: 0}, work: runVesselsJob},
  ports: {key: 'port_congestion', zero: {ports_updated: 0, errors_count: 0}, work: computePortCongestion},
  safety: {
    key: 'safety_events',
    zero: {total_events_created: 0, total_notifications_created: 0},
    work: runSafetyJob,
  },
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
    const outcome = await runJob(ctx, name, spec.work, options)
    hooks.onEnd?.(name, outcome)
    outcomes.push(outcome)
    if (outcome.status === 'success') summaryJobs[spec.key] = outcome.summary as JobSummary
    else if (outcome.status === 'skipped') summaryJobs[spec.key] = {...spec.zero, success: true, skipped: true, reason: outcome.skipReason} as JobSummary
    else summaryJobs[spec.key] = {...spec.zero, errors_count: 1, success: false, error: outcome.error} as JobSummary
  }
  const seconds = (performance.now() - t0) / 1000
  return {
    summary: {
      started_at: new Date(startedAt).toISOString(),
      completed_at: new Date(startedAt + Math.round(seconds * 1000)).toISOString(),
      duration_seconds: Math.round(seconds * 10) / 10,
      total_success: outcomes.every((o) => o.status !== 'failed'),
      jobs: summaryJobs,
    },
    outcomes,
  }
}

/** A fresh database gets the shipped minimum viable dataset first, so the jobs have ports to work on. */
async function ensureMinimumDataset(ctx: Context): Promise<void> {
  if ((await ctx.db.orm.$count(ports)) > 0) return
  ctx.logger.info('fresh database: loading the shipped ports and safety zones (ensure-fallback-data)')
  const report = await ensureFallbackData(ctx, {skipVessels: true})
  ctx.logger.info('fallback dataset loaded', {ports: report.ports.created, safety_zones: report.safety_zones.created})
}
