// The job_runs history: a row per run with status, summary, error, duration and peak memory; and crash
// accounting: a run left `running` by an owner that is gone is a crash, counted like a failure.
import {eq} from 'drizzle-orm'

import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {type Db, writeTransaction} from '../db/client.js'
import {latestRun, leasesByRun, recentRuns, recordCrash, runningRuns} from '../db/job-runs.js'
import type {StoredRunSummary} from '../../schemas/job-summaries.js'
import {type JobStatus, jobRuns} from '../db/schema.js'
import {ownerGone} from './lease.js'
import type {JobSummary} from './registry.js'

/** Statuses that count as a failure (in a row, in health, in alerts). */
export const FAILURE_STATUSES = ['failed', 'timeout', 'crashed'] as const satisfies readonly JobStatus[]

export function isFailure(status: string): boolean {
  return (FAILURE_STATUSES as readonly string[]).includes(status)
}

export function startRun(db: Db, job: string, startedAt: number, trigger: string, host: string): number {
  return writeTransaction(db, () =>
    db.orm
      .insert(jobRuns)
      .values({job, status: 'running', startedAt, host, pid: process.pid, trigger, startRssBytes: process.memoryUsage.rss()})
      .returning({id: jobRuns.id})
      .get(),
  ).id
}

export function finishRun<S extends JobSummary>(
  db: Db,
  id: number,
  outcome: {status: JobStatus; completedAt: number; startedAt: number; summary?: S & {attempts: number}; error?: string},
): void {
  writeTransaction(db, () => {
    db.orm
      .update(jobRuns)
      .set({
        status: outcome.status,
        completedAt: outcome.completedAt,
        durationMs: outcome.completedAt - outcome.startedAt,
        // The row holds whichever job's summary; `job` says which (see the history schema).
        summary: outcome.summary as StoredRunSummary | undefined,
        error: outcome.error,
        // maxRSS is in kilobytes.
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      })
      .where(eq(jobRuns.id, id))
      .run()
  })
}

/** A run that never started (lock held elsewhere), recorded so the history shows it. */
export function recordSkip(db: Db, job: string, at: number, trigger: string, reason: string, host: string): void {
  writeTransaction(db, () => {
    db.orm
      .insert(jobRuns)
      .values({job, status: 'skipped', startedAt: at, completedAt: at, durationMs: 0, error: reason, host, pid: process.pid, trigger})
      .run()
  })
}

export function lastRun(ctx: Context, job: string, statuses: JobStatus[]) {
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
export function crashedRuns(db: Db, now: number, host: string): CrashedRun[] {
  const running = runningRuns(db)
  if (running.length === 0) return []
  const leases = leasesByRun(db)
  const crashed: CrashedRun[] = []
  for (const run of running) {
    const lease = leases.get(run.id)
    const owner = `${run.host}:${run.pid}`
    if (!lease) {
      crashed.push({id: run.id, job: run.job, startedAt: run.startedAt, lastSeenAt: null, reason: `${owner} stopped without recording an end, and its lease is gone`})
      continue
    }
    const gone = ownerGone(lease, now, {host})
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
export function markCrashedRuns(ctx: Context): CrashedRun[] {
  const {db} = ctx
  if (crashedRuns(db, ctx.clock.now(), ctx.config.host).length === 0) return []
  let marked: CrashedRun[]
  try {
    // Found again inside the transaction: another process may have recorded them meanwhile.
    marked = writeTransaction(db, () => {
      const found = crashedRuns(db, ctx.clock.now(), ctx.config.host)
      for (const run of found) recordCrash(db, {id: run.id, startedAt: run.startedAt, endedAt: run.lastSeenAt, error: `crashed: ${run.reason}`})
      return found
    })
  } catch (error) {
    ctx.logger.debug(`crashed runs not recorded: ${(error as Error).message}`)
    return []
  }
  for (const run of marked) ctx.logger.warn(`run ${run.id} of ${run.job} (started ${iso(run.startedAt)}) crashed: ${run.reason}`, {job: run.job})
  return marked
}

/** Failed, timed-out or crashed runs in a row since the last success (a run in progress or cancelled is neither). */
export function consecutiveFailures(ctx: Context, job: string): number {
  const runs = recentRuns(ctx.db, job, ['success', 'running', ...FAILURE_STATUSES], 100)
  const crashed = runs.some((r) => r.status === 'running') ? new Set(crashedRuns(ctx.db, ctx.clock.now(), ctx.config.host).map((c) => c.id)) : new Set<number>()
  let n = 0
  for (const r of runs) {
    if (r.status === 'success') break
    if (r.status !== 'running' || crashed.has(r.id)) n++
  }
  return n
}
