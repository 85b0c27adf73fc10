// The job_runs history as the runner, health and crash accounting read it (prepared once per connection:
// health asks for every job's latest runs), and runs in progress with the leases that carry them.
import {and, desc, eq, inArray, ne, sql} from 'drizzle-orm'

import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import {rawRows} from './query.js'
import {type JobLock, type JobRun, type JobStatus, jobLocks, jobRuns} from './schema.js'
import type {AnyDb} from './transaction.js'

/** A job's newest run among these statuses (the later start first; the higher id breaks a tie). */
export function latestRun(db: Db, job: string, statuses: readonly JobStatus[]): JobRun | undefined {
  return preparedOnce(db, `job-runs:latest:${statuses.join(',')}`, () =>
    db.orm
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.job, sql.placeholder('job')), inArray(jobRuns.status, [...statuses])))
      .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
      .limit(1)
      .prepare(),
  ).get({job})
}

/** A job's runs among these statuses, newest first, at most `limit`: id and status. */
export function recentRuns(db: Db, job: string, statuses: readonly JobStatus[], limit: number): Array<{id: number; status: JobStatus}> {
  return preparedOnce(db, `job-runs:recent:${statuses.join(',')}`, () =>
    db.orm
      .select({id: jobRuns.id, status: jobRuns.status})
      .from(jobRuns)
      .where(and(eq(jobRuns.job, sql.placeholder('job')), inArray(jobRuns.status, [...statuses])))
      .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
  ).all({job, limit})
}

export interface RunningRun {
  id: number
  job: string
  startedAt: number
  host: string
  pid: number
}

/** Runs recorded `running`. */
export function runningRuns(db: Db): RunningRun[] {
  return preparedOnce(db, 'job-runs:running', () =>
    db.orm
      .select({id: jobRuns.id, job: jobRuns.job, startedAt: jobRuns.startedAt, host: jobRuns.host, pid: jobRuns.pid})
      .from(jobRuns)
      .where(eq(jobRuns.status, 'running'))
      .prepare(),
  ).all()
}

/** The lease row of a job (or lock name), if any. */
export function leaseOf(db: Db, job: string): JobLock | undefined {
  return db.orm.select().from(jobLocks).where(eq(jobLocks.job, job)).get()
}

/** Every lease held, by the run it carries. */
export function leasesByRun(db: Db): Map<number, JobLock> {
  const out = new Map<number, JobLock>()
  for (const lock of preparedOnce(db, 'job-locks:all', () => db.orm.select().from(jobLocks).prepare()).all()) if (lock.runId !== null) out.set(lock.runId, lock)
  return out
}

/** Records a run still `running` as crashed; `endedAt` is its last sign of life when known. */
export function recordCrash(db: Db, run: {id: number; startedAt: number; endedAt: number | null; error: string}): void {
  db.orm
    .update(jobRuns)
    .set({status: 'crashed', completedAt: run.endedAt, durationMs: run.endedAt === null ? null : run.endedAt - run.startedAt, error: run.error})
    .where(and(eq(jobRuns.id, run.id), eq(jobRuns.status, 'running')))
    .run()
}

/** A finished (or skipped) run as alert rules on jobs read it. */
export interface FinishedRun {
  status: JobStatus
  durationMs: number | null
}

/**
 * Every job with runs recorded (by name) and its runs that are no longer running, newest first, at most
 * `perJob` each: on SQLite a lookup through the job's index each (a handful of jobs), on PostgreSQL one
 * statement for all of them.
 */
export async function recentRunsOfEveryJob(db: AnyDb, perJob: number): Promise<Map<string, FinishedRun[]>> {
  const out = new Map<string, FinishedRun[]>()
  if (db.dialect === 'postgres') {
    const rows = await rawRows<{job: string; status: JobStatus | null; duration_ms: number | null}>(
      db,
      sql`SELECT j.job, r.status, r.duration_ms FROM (SELECT DISTINCT job FROM job_runs) j
          LEFT JOIN LATERAL (SELECT status, duration_ms, started_at, id FROM job_runs
                             WHERE job = j.job AND status <> 'running' ORDER BY started_at DESC, id DESC LIMIT ${perJob}) r ON true
          ORDER BY j.job, r.started_at DESC, r.id DESC`,
    )
    for (const r of rows) {
      let runs = out.get(r.job)
      if (!runs) out.set(r.job, (runs = []))
      if (r.status !== null) runs.push({status: r.status, durationMs: r.duration_ms === null ? null : Number(r.duration_ms)})
    }
    return out
  }
  const {jobRuns} = db.t
  for (const {job} of await db.orm.selectDistinct({job: jobRuns.job}).from(jobRuns).orderBy(jobRuns.job)) {
    out.set(
      job,
      await db.orm
        .select({status: jobRuns.status, durationMs: jobRuns.durationMs})
        .from(jobRuns)
        .where(and(eq(jobRuns.job, job), ne(jobRuns.status, 'running')))
        .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
        .limit(perJob),
    )
  }
  return out
}
