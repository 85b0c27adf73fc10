// The job_runs history on either database: runs started, finished, skipped and found crashed, as the runner
// records them; a job's latest runs as the runner, health and crash accounting read them (on SQLite prepared
// once per connection: health asks for every job's latest runs on every check); runs in progress with the
// leases that carry them; and the history as `jobs history` lists it.
import {and, asc, desc, eq, gt, gte, inArray, lt, lte, ne, or, type Placeholder, type SQL, sql} from 'drizzle-orm'

import type {StoredRunSummary} from '../../schemas/job-summaries.js'
import {writeTransaction} from './client.js'
import {preparedOnce} from './prepared.js'
import {rawRows} from './query.js'
import type {JobLock, JobRun, JobStatus} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type {JobRun, JobStatus} from './schema.js'

export interface NewRun {
  job: string
  startedAt: number
  host: string
  pid: number
  trigger: string
  startRssBytes: number
}

/** Records a run as `running`; returns its id. */
export async function insertRunningRun(db: AnyDb, run: NewRun): Promise<number> {
  const {jobRuns} = db.t
  return write(db, async () => {
    const [row] = await db.orm
      .insert(jobRuns)
      .values({...run, triggerKind: triggerKind(run.trigger), status: 'running'})
      .returning({id: jobRuns.id})
    return row.id
  })
}

export interface RunEnd {
  status: JobStatus
  completedAt: number
  durationMs: number
  /** The job's summary with the attempts it took (any job's: the row's `job` says which). */
  summary?: StoredRunSummary
  error?: string
  /** Where the failure was thrown, when it was an exception. */
  errorStack?: string
  peakRssBytes: number
}

/** Records how a run ended. */
export async function finishRunRow(db: AnyDb, id: number, end: RunEnd): Promise<void> {
  const {jobRuns} = db.t
  await write(db, async () => {
    await db.orm
      .update(jobRuns)
      .set({status: end.status, completedAt: end.completedAt, durationMs: end.durationMs, summary: end.summary, error: end.error, errorStack: end.errorStack, peakRssBytes: end.peakRssBytes})
      .where(eq(jobRuns.id, id))
  })
}

/**
 * The same, for a process exiting at once (a second signal): done before this returns on SQLite, where a
 * transaction left open by the work in progress is rolled back first (its batch is lost whole, as a kill
 * would lose it) so that this record commits; on PostgreSQL sent without waiting (if it does not arrive,
 * the run's lease expires and the run is recorded as crashed by the next one that looks).
 */
export function finishRunAtOnce(db: AnyDb, id: number, end: Omit<RunEnd, 'summary'>): void {
  if (db.dialect === 'postgres') {
    void finishRunRow(db, id, end).catch(() => undefined)
    return
  }
  if (!db.sqlite.open) return
  if (db.sqlite.inTransaction) db.sqlite.exec('ROLLBACK')
  writeTransaction(db, () => {
    db.sqlite
      .prepare('UPDATE job_runs SET status = ?, completed_at = ?, duration_ms = ?, error = ?, peak_rss_bytes = ? WHERE id = ?')
      .run(end.status, end.completedAt, end.durationMs, end.error ?? null, end.peakRssBytes, id)
  })
}

/** A run that never started (lease held elsewhere, pause, dependencies), recorded so the history shows it. */
export async function insertSkippedRun(db: AnyDb, run: {job: string; at: number; trigger: string; reason: string; host: string; pid: number}): Promise<void> {
  const {jobRuns} = db.t
  await write(db, async () => {
    await db.orm
      .insert(jobRuns)
      .values({job: run.job, status: 'skipped', startedAt: run.at, completedAt: run.at, durationMs: 0, error: run.reason, host: run.host, pid: run.pid, trigger: run.trigger, triggerKind: triggerKind(run.trigger)})
  })
}

// Built with placeholders once per SQLite connection, with the values themselves on PostgreSQL.
const latestQuery = (db: AnyDb, job: string | Placeholder, statuses: readonly JobStatus[]) => {
  const {jobRuns} = db.t
  return db.orm
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.job, job), inArray(jobRuns.status, [...statuses])))
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
}

/** A job's newest run among these statuses (the later start first; the higher id breaks a tie). */
export async function latestRun(db: AnyDb, job: string, statuses: readonly JobStatus[]): Promise<JobRun | undefined> {
  if (db.dialect === 'sqlite') {
    return preparedOnce(db, `job-runs:latest:${statuses.join(',')}`, () => latestQuery(db, sql.placeholder('job'), statuses).limit(1).prepare()).get({job})
  }
  const [row] = await latestQuery(db, job, statuses).limit(1)
  return row
}

/**
 * Each job's newest run of each status it has, in one statement: a lookup through the (job, status) index per
 * pair, as latestRun makes one, without a round trip (or a drizzle call) each. Health reads every job this way.
 */
export async function newestRunsByStatus(db: AnyDb, jobs: readonly string[], statuses: readonly JobStatus[]): Promise<JobRun[]> {
  if (jobs.length === 0 || statuses.length === 0) return []
  const {jobRuns} = db.t
  // Every (job, status) pair from two list parameters, each list's items named `value` on both databases.
  const pairs =
    db.dialect === 'postgres'
      ? sql`unnest(${sql.param([...jobs])}::text[]) AS j(value) CROSS JOIN unnest(${sql.param([...statuses])}::text[]) AS s(value)`
      : sql`json_each(${JSON.stringify(jobs)}) AS j CROSS JOIN json_each(${JSON.stringify(statuses)}) AS s`
  const newest = sql`SELECT (SELECT n.id FROM job_runs n WHERE n.job = j.value AND n.status = s.value
                             ORDER BY n.started_at DESC, n.id DESC LIMIT 1) FROM ${pairs}`
  return db.orm.select().from(jobRuns).where(sql`${jobRuns.id} IN (${newest})`)
}

/** A job's runs among these statuses, newest first, at most `limit`: id and status. */
export async function recentRuns(db: AnyDb, job: string, statuses: readonly JobStatus[], limit: number): Promise<Array<{id: number; status: JobStatus}>> {
  const {jobRuns} = db.t
  const query = (j: string | Placeholder) =>
    db.orm
      .select({id: jobRuns.id, status: jobRuns.status})
      .from(jobRuns)
      .where(and(eq(jobRuns.job, j), inArray(jobRuns.status, [...statuses])))
      .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
  if (db.dialect === 'sqlite') {
    return preparedOnce(db, `job-runs:recent:${statuses.join(',')}`, () => query(sql.placeholder('job')).limit(sql.placeholder('limit')).prepare()).all({job, limit})
  }
  return query(job).limit(limit)
}

export interface RunningRun {
  id: number
  job: string
  startedAt: number
  host: string
  pid: number
}

/** Runs recorded `running`. */
export async function runningRuns(db: AnyDb): Promise<RunningRun[]> {
  const {jobRuns} = db.t
  const query = () =>
    db.orm.select({id: jobRuns.id, job: jobRuns.job, startedAt: jobRuns.startedAt, host: jobRuns.host, pid: jobRuns.pid}).from(jobRuns).where(eq(jobRuns.status, 'running'))
  if (db.dialect === 'sqlite') return preparedOnce(db, 'job-runs:running', () => query().prepare()).all()
  return query()
}

/** Every lease held, by the run it carries. */
export async function leasesByRun(db: AnyDb): Promise<Map<number, JobLock>> {
  const query = () => db.orm.select().from(db.t.jobLocks)
  const locks = db.dialect === 'sqlite' ? preparedOnce(db, 'job-locks:all', () => query().prepare()).all() : await query()
  const out = new Map<number, JobLock>()
  for (const lock of locks) if (lock.runId !== null) out.set(lock.runId, lock)
  return out
}

/**
 * Records a run still `running` as crashed; `endedAt` is its last sign of life when known. False when the
 * run was no longer running (another process recorded it first).
 */
export async function recordCrash(db: AnyDb, run: {id: number; startedAt: number; endedAt: number | null; error: string}): Promise<boolean> {
  const {jobRuns} = db.t
  return write(db, async () => {
    const changed = await db.orm
      .update(jobRuns)
      .set({status: 'crashed', completedAt: run.endedAt, durationMs: run.endedAt === null ? null : run.endedAt - run.startedAt, error: run.error})
      .where(and(eq(jobRuns.id, run.id), eq(jobRuns.status, 'running')))
      .returning({id: jobRuns.id})
    return changed.length > 0
  })
}

/** The newest runs (of one job, or of all), newest first. */
export async function runHistory(db: AnyDb, options: {job?: string; limit: number}): Promise<JobRun[]> {
  const {jobRuns} = db.t
  return db.orm
    .select()
    .from(jobRuns)
    .where(options.job ? eq(jobRuns.job, options.job) : undefined)
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(options.limit)
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

/** A trigger's kind, as the history filters on it: its first word (`scheduler 2026-…` is a scheduler run). */
export const triggerKind = (trigger: string): string => trigger.split(' ', 1)[0]

/** Which runs a history page lists: any of these left out means every value. */
export interface RunFilter {
  job?: string
  status?: JobStatus
  /** The trigger's first word: `cli`, `api`, `web`, `queue`, `scheduler` (stored as `scheduler <slot>`). */
  trigger?: string
  /** Runs started at or after this time. */
  since?: number
}

/** A place in the history, newest first: a run's start and id (ids break ties between equal starts). */
export interface RunKey {
  startedAt: number
  id: number
}

/** A history row as a page lists it: everything but the summary and the stack. */
export type RunListRow = Omit<JobRun, 'summary' | 'errorStack' | 'startRssBytes' | 'triggerKind'>

/**
 * One page of the history, newest first, by keyset: the runs older than `before` (or, with `after`, the
 * page of runs just newer than it), at most `limit`, and whether more lie beyond either end. Each filter is
 * served by an index on (filter, started_at, id), so a page reads about `limit` rows however long the history.
 */
export async function runPage(
  db: AnyDb,
  filter: RunFilter,
  page: {before?: RunKey; after?: RunKey; limit: number},
): Promise<{runs: RunListRow[]; older: boolean; newer: boolean}> {
  const {jobRuns} = db.t
  const where: SQL[] = []
  if (filter.job) where.push(eq(jobRuns.job, filter.job))
  if (filter.status) where.push(eq(jobRuns.status, filter.status))
  if (filter.trigger) where.push(eq(jobRuns.triggerKind, filter.trigger))
  if (filter.since !== undefined) where.push(gte(jobRuns.startedAt, filter.since))
  const keyed = page.after ?? page.before
  const backwards = page.after !== undefined
  // Written out rather than as a row value: a bound on started_at that every index ending in it can range over.
  if (keyed && backwards) where.push(gte(jobRuns.startedAt, keyed.startedAt), or(gt(jobRuns.startedAt, keyed.startedAt), gt(jobRuns.id, keyed.id)) as SQL)
  if (keyed && !backwards) where.push(lte(jobRuns.startedAt, keyed.startedAt), or(lt(jobRuns.startedAt, keyed.startedAt), lt(jobRuns.id, keyed.id)) as SQL)
  const order = backwards ? [asc(jobRuns.startedAt), asc(jobRuns.id)] : [desc(jobRuns.startedAt), desc(jobRuns.id)]
  const rows = await db.orm
    .select({
      id: jobRuns.id,
      job: jobRuns.job,
      status: jobRuns.status,
      startedAt: jobRuns.startedAt,
      completedAt: jobRuns.completedAt,
      durationMs: jobRuns.durationMs,
      error: jobRuns.error,
      peakRssBytes: jobRuns.peakRssBytes,
      host: jobRuns.host,
      pid: jobRuns.pid,
      trigger: jobRuns.trigger,
    })
    .from(jobRuns)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(...order)
    .limit(page.limit + 1)
  const more = rows.length > page.limit
  const runs = rows.slice(0, page.limit)
  if (backwards) runs.reverse()
  // A page reached from one side has the other side behind it.
  return backwards ? {runs, newer: more, older: true} : {runs, older: more, newer: keyed !== undefined}
}

/** One run with everything recorded about it. */
export async function runById(db: AnyDb, id: number): Promise<JobRun | undefined> {
  const [row] = await db.orm.select().from(db.t.jobRuns).where(eq(db.t.jobRuns.id, id))
  return row
}
