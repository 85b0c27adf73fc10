// The job_runs history: a row per run with status, summary, error, duration and peak memory; and crash
// accounting: a run left `running` by an owner that is gone is a crash, counted like a failure.
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {
  finishRunAtOnce,
  finishRunRow,
  insertRunningRun,
  insertSkippedRun,
  type JobRun,
  type JobStatus,
  latestRun,
  leasesByRun,
  newestRunsByStatus,
  recentRuns,
  recordCrash,
  runningRuns,
} from '../db/job-runs.js'
import {JOB_STATUSES} from '../db/model.js'
import {leaseClock} from '../db/leases.js'
import {type AnyDb, write} from '../db/transaction.js'
import {jobRunFailed} from '../queue/triggers.js'
import type {StoredRunSummary} from '../../schemas/job-summaries.js'
import {ownerGone} from './lease.js'
import type {JobSummary} from './registry.js'

/** Statuses that count as a failure (in a row, in health, in alerts). */
export const FAILURE_STATUSES = ['failed', 'timeout', 'crashed'] as const satisfies readonly JobStatus[]

export function isFailure(status: string): boolean {
  return (FAILURE_STATUSES as readonly string[]).includes(status)
}

export async function startRun(db: AnyDb, job: string, startedAt: number, trigger: string, host: string): Promise<number> {
  return insertRunningRun(db, {job, startedAt, host, pid: process.pid, trigger, startRssBytes: process.memoryUsage.rss()})
}

export interface RunOutcome<S extends JobSummary> {
  status: JobStatus
  completedAt: number
  startedAt: number
  summary?: S & {attempts: number}
  error?: string
  /** The stack of the exception that failed the run. */
  errorStack?: string
}

/** The run's end as recorded: its duration, and the process's peak memory by now (maxRSS is in kilobytes). */
function runEnd<S extends JobSummary>(outcome: RunOutcome<S>) {
  return {
    status: outcome.status,
    completedAt: outcome.completedAt,
    durationMs: outcome.completedAt - outcome.startedAt,
    // The row holds whichever job's summary; `job` says which (see the history schema).
    summary: outcome.summary as StoredRunSummary | undefined,
    error: outcome.error,
    errorStack: outcome.errorStack,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }
}

export async function finishRun<S extends JobSummary>(db: AnyDb, id: number, outcome: RunOutcome<S>): Promise<void> {
  await finishRunRow(db, id, runEnd(outcome))
}

/** Records the run's end before returning, for a process exiting at once (see finishRunAtOnce). */
export function finishRunNow(db: AnyDb, id: number, outcome: Omit<RunOutcome<JobSummary>, 'summary'>): void {
  finishRunAtOnce(db, id, runEnd(outcome))
}

/** A run that never started (lock held elsewhere), recorded so the history shows it. */
export async function recordSkip(db: AnyDb, job: string, at: number, trigger: string, reason: string, host: string): Promise<void> {
  await insertSkippedRun(db, {job, at, trigger, reason, host, pid: process.pid})
}

export async function lastRun(ctx: Context, job: string, statuses: JobStatus[]): Promise<JobRun | undefined> {
  return latestRun(ctx.db, job, statuses)
}

export interface CrashedRun {
  id: number
  job: string
  startedAt: number
  /** The owner's last heartbeat, when its lease row was still there. */
  lastSeenAt: number | null
  reason: string
}

/**
 * Runs recorded `running` whose owner is gone: the lease that carried the run is no longer held for it,
 * or its owner is gone by the lease rule (pid dead on its own host, or lease expired). Reads only.
 */
export async function crashedRuns(db: AnyDb, now: number, host: string): Promise<CrashedRun[]> {
  const running = await runningRuns(db)
  if (running.length === 0) return []
  const leases = await leasesByRun(db)
  // Leases expire by the lease clock (the server's on PostgreSQL).
  const leaseNow = await leaseClock(db, now)
  const crashed: CrashedRun[] = []
  for (const run of running) {
    const lease = leases.get(run.id)
    const owner = `${run.host}:${run.pid}`
    if (!lease) {
      crashed.push({id: run.id, job: run.job, startedAt: run.startedAt, lastSeenAt: null, reason: `${owner} stopped without recording an end, and its lease is gone`})
      continue
    }
    const gone = ownerGone(lease, leaseNow, {host})
    if (gone === null) continue
    const reason =
      gone === 'process gone'
        ? `process ${owner} is gone (last heartbeat ${iso(lease.heartbeatAt)})`
        : `the lease of ${owner} expired at ${iso(lease.leaseExpiresAt)} without a heartbeat`
    crashed.push({id: run.id, job: run.job, startedAt: run.startedAt, lastSeenAt: lease.heartbeatAt, reason})
  }
  return crashed
}

/**
 * Records the crashed runs as `crashed` (a later run, `jobs list` and `jobs history` call this). A
 * database opened read-only is left as it is: readers still count the crashes (see consecutiveFailures).
 */
export async function markCrashedRuns(ctx: Context): Promise<CrashedRun[]> {
  const {db} = ctx
  if ((await crashedRuns(db, ctx.clock.now(), ctx.config.host)).length === 0) return []
  let marked: CrashedRun[]
  try {
    // Found again inside the transaction, and each recorded only if still running: another process may
    // have recorded them meanwhile (on PostgreSQL, even while this transaction runs).
    marked = await write(db, async () => {
      const recorded: CrashedRun[] = []
      for (const run of await crashedRuns(db, ctx.clock.now(), ctx.config.host)) {
        if (await recordCrash(db, {id: run.id, startedAt: run.startedAt, endedAt: run.lastSeenAt, error: `crashed: ${run.reason}`})) recorded.push(run)
      }
      return recorded
    })
  } catch (error) {
    ctx.logger.debug(`crashed runs not recorded: ${(error as Error).message}`)
    return []
  }
  for (const run of marked) {
    ctx.logger.warn(`run ${run.id} of ${run.job} (started ${iso(run.startedAt)}) crashed: ${run.reason}`, {job: run.job})
    await jobRunFailed(ctx, {id: run.id, job: run.job, status: 'crashed'})
  }
  return marked
}

/** The runs a failure streak is counted from: successes, runs in progress and failures, newest first. */
const STREAK_STATUSES = ['success', 'running', ...FAILURE_STATUSES] as const satisfies readonly JobStatus[]
/** How far back a streak is counted. */
const STREAK_RUNS = 100

/** Failures in a row, newest first until a success; a run in progress counts only when it crashed. */
function streak(runs: ReadonlyArray<{id: number; status: JobStatus}>, crashed: ReadonlySet<number>): number {
  let n = 0
  for (const r of runs) {
    if (r.status === 'success') break
    if (r.status !== 'running' || crashed.has(r.id)) n++
  }
  return n
}

/** Failed, timed-out or crashed runs in a row since the last success (a run in progress or cancelled is neither). */
export async function consecutiveFailures(ctx: Context, job: string): Promise<number> {
  const runs = await recentRuns(ctx.db, job, STREAK_STATUSES, STREAK_RUNS)
  const crashed = runs.some((r) => r.status === 'running') ? new Set((await crashedRuns(ctx.db, ctx.clock.now(), ctx.config.host)).map((c) => c.id)) : new Set<number>()
  return streak(runs, crashed)
}

/** What health reads of one job's runs. */
export interface JobRunDigest {
  /** Failed, timed-out or crashed runs in a row since the last success, as consecutiveFailures counts them. */
  failures: number
  /** The newest run among these statuses (the later start first; the higher id breaks a tie), as lastRun finds it. */
  newest(statuses: readonly JobStatus[]): JobRun | undefined
}

/**
 * The digest of each of `jobs`: their newest run of every status in one statement, and a job's recent runs
 * read only when its newest run that counts for a streak is not a success. `crashed`: the runs crashedRuns
 * found (the caller has them already).
 */
export async function jobRunDigests(db: AnyDb, jobs: readonly string[], crashed: ReadonlyArray<{id: number}>): Promise<Map<string, JobRunDigest>> {
  const byJob = new Map<string, JobRun[]>(jobs.map((job) => [job, []]))
  for (const run of await newestRunsByStatus(db, jobs, JOB_STATUSES)) byJob.get(run.job)?.push(run)
  const crashedIds = new Set(crashed.map((c) => c.id))
  const digests = new Map<string, JobRunDigest>()
  for (const [job, runs] of byJob) {
    runs.sort((a, b) => b.startedAt - a.startedAt || b.id - a.id)
    const newest = (statuses: readonly JobStatus[]) => runs.find((r) => statuses.includes(r.status))
    const head = newest(STREAK_STATUSES)
    const failures = !head || head.status === 'success' ? 0 : streak(await recentRuns(db, job, STREAK_STATUSES, STREAK_RUNS), crashedIds)
    digests.set(job, {failures, newest})
  }
  return digests
}
