// The queue's jobs in pg-boss's own tables (schema `pgboss`, pg-boss 10's layout, the version pinned in
// package.json): what the pg-boss engine reads and changes beside pg-boss's API: harbormaster's states, claims,
// attempt errors, unique keys, release, retry, delete, purge and stats. PostgreSQL only.
import type pg from 'pg'

import type {PostgresDb} from './pg-client.js'
import {currentTransaction, postgresRetries, withRetries} from './transaction.js'

/**
 * Something that runs SQL: the pool, or one transaction's connection. It is also pg-boss's `db` option, so
 * pg-boss's own statements can join a transaction of ours.
 */
export interface PgBossSql {
  executeSql(text: string, values?: unknown[]): Promise<{rows: never[]; rowCount?: number | null}>
}

/**
 * Where a statement goes: the caller's open write transaction on `db` (write() in transaction.ts), so a job
 * enqueued with the work that caused it commits or rolls back with it; else the pool, each statement on a
 * connection of its own.
 */
export function sqlOf(db: PostgresDb): PgBossSql {
  const open = currentTransaction<{$client: pg.PoolClient}>(db)
  if (open) return {executeSql: (text, values) => open.$client.query(text, values) as never}
  return {executeSql: (text, values) => db.pool.query(text, values) as never}
}

/**
 * Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws), retried on transient errors; inside
 * the caller's open write transaction it joins that one.
 */
export function pgBossTransaction<T>(db: PostgresDb, fn: (tx: PgBossSql) => Promise<T>): Promise<T> {
  if (currentTransaction(db) !== undefined) return fn(sqlOf(db))
  return withRetries(async () => {
    const client = await db.pool.connect()
    const ignore = () => undefined
    client.on('error', ignore)
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await fn({executeSql: (text, values) => client.query(text, values) as never})
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch((failed: Error) => (broken = failed))
      throw error
    } finally {
      client.off('error', ignore)
      client.release(broken)
    }
  }, postgresRetries(db.location))
}

/** harbormaster's state of a pg-boss job (pg-boss's `cancelled` is never used by harbormaster). */
export type PgBossJobState = 'scheduled' | 'pending' | 'active' | 'retry' | 'dead' | 'completed'

/**
 * Each state as a condition on pg-boss's columns. Due means `start_after < now()`, pg-boss's own test in its
 * fetch. A job in pg-boss's `retry` stays `retry` once its backoff has passed, until a worker takes it.
 */
const STATE_CONDITIONS: Record<PgBossJobState, string> = {
  scheduled: `(state = 'created' AND start_after >= now())`,
  pending: `(state = 'created' AND start_after < now())`,
  retry: `(state = 'retry')`,
  active: `(state = 'active')`,
  completed: `(state = 'completed')`,
  dead: `(state = 'failed')`,
}

const STATE_CASE = `CASE ${Object.entries(STATE_CONDITIONS)
  .map(([state, condition]) => `WHEN ${condition} THEN '${state}'`)
  .join(' ')} END`

const ms = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::bigint`

/** One stored attempt error (in the job's data, under `errors`). */
export interface StoredAttemptError {
  attempt: number
  at: number
  message: string
  stack?: string
}

/** What harbormaster keeps in a pg-boss job's `data`. */
export interface JobData {
  type: string
  payload: Record<string, unknown>
  timeout_seconds: number
  unique_for_seconds?: number
  /** The worker holding the job (set by each fetch). */
  worker_id?: string
  errors?: StoredAttemptError[]
}

export interface PgBossJobRow {
  id: string
  queue: string
  data: JobData
  state: PgBossJobState
  /** Attempts started: 0 before the first fetch, else pg-boss's retry_count + 1. */
  attempts: number
  retry_limit: number
  created_at: number
  run_at: number
  started_at: number | null
  finished_at: number | null
  unique_key: string | null
  output: unknown
}

const JOB_COLUMNS = `
  id::text AS id, name AS queue, data, ${STATE_CASE} AS state,
  CASE WHEN started_on IS NULL THEN 0 ELSE retry_count + 1 END AS attempts,
  retry_limit, ${ms('created_on')} AS created_at, ${ms('start_after')} AS run_at, ${ms('started_on')} AS started_at,
  ${ms('completed_on')} AS finished_at, singleton_key AS unique_key, output`

/** Restricting every statement to harbormaster's queues also lets the planner use each partition's (name, id) key. */
const OURS = `name = ANY($1::text[])`

export async function jobById(sql: PgBossSql, queues: readonly string[], id: string): Promise<PgBossJobRow | undefined> {
  if (!isUuid(id)) return undefined
  const {rows} = await sql.executeSql(`SELECT ${JOB_COLUMNS} FROM pgboss.job WHERE ${OURS} AND id = $2::uuid AND state <> 'cancelled'`, [queues, id])
  return rows[0]
}

/** The queue a job is in (pg-boss's calls take the queue's name with the id). */
export async function queueOfJob(sql: PgBossSql, queues: readonly string[], id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined
  const {rows} = await sql.executeSql(`SELECT name FROM pgboss.job WHERE ${OURS} AND id = $2::uuid`, [queues, id])
  return (rows[0] as {name: string} | undefined)?.name
}

/** Jobs gone dead (pg-boss's failed) at or after `since`, ms. */
export async function countDeadSince(sql: PgBossSql, queues: readonly string[], since: number): Promise<number> {
  const {rows} = await sql.executeSql(`SELECT count(*)::int AS n FROM pgboss.job WHERE ${OURS} AND state = 'failed' AND completed_on >= to_timestamp($2::double precision / 1000)`, [queues, since])
  return (rows[0] as {n: number}).n
}

export interface JobListFilter {
  state?: PgBossJobState
  queue?: string
  type?: string
  limit: number
  offset: number
}

/** Newest first. */
export async function listJobs(sql: PgBossSql, queues: readonly string[], filter: JobListFilter): Promise<PgBossJobRow[]> {
  const values: unknown[] = [filter.queue ? [filter.queue] : queues, filter.limit, filter.offset]
  const where = [OURS, `state <> 'cancelled'`]
  if (filter.state) where.push(STATE_CONDITIONS[filter.state])
  if (filter.type) {
    values.push(filter.type)
    where.push(`data->>'type' = $${values.length}`)
  }
  const {rows} = await sql.executeSql(
    `SELECT ${JOB_COLUMNS} FROM pgboss.job WHERE ${where.join(' AND ')} ORDER BY created_on DESC, id DESC LIMIT $2 OFFSET $3`,
    values,
  )
  return rows
}

export interface JobPageFilter {
  queue: string
  state: PgBossJobState
  limit: number
  /** The previous page's last job: its sort time as an ISO text with microseconds, and its id. */
  after?: {key: string; id: string}
}

/** A job of a page, with its exact sort time (the next page's cursor when it is the last). */
export type PagedJobRow = PgBossJobRow & {sort_key: string}

const WAITING: ReadonlySet<PgBossJobState> = new Set(['scheduled', 'pending', 'retry'])

/** An exact UTC time with microseconds: the cursor's key goes back to the same timestamptz. */
const exactTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/**
 * One queue's jobs in one state after a cursor: waiting ones by due time, the next to run first (pg-boss's
 * job_i5 on name and start_after), the others newest enqueued first (job_harbormaster_listing). The
 * queue's name alone also prunes the partitions to its own.
 */
export async function pageJobs(sql: PgBossSql, filter: JobPageFilter): Promise<PagedJobRow[]> {
  const waiting = WAITING.has(filter.state)
  const column = waiting ? 'start_after' : 'created_on'
  const values: unknown[] = [filter.queue, filter.limit]
  const where = ['name = $1', STATE_CONDITIONS[filter.state]]
  if (filter.after) {
    values.push(filter.after.key, filter.after.id)
    // The plain bound first: the index's range; the row comparison then drops the ties already shown.
    where.push(waiting ? `${column} >= $3::timestamptz AND (${column}, id) > ($3::timestamptz, $4::uuid)` : `${column} <= $3::timestamptz AND (${column}, id) < ($3::timestamptz, $4::uuid)`)
  }
  const direction = waiting ? 'ASC' : 'DESC'
  const {rows} = await sql.executeSql(
    `SELECT ${JOB_COLUMNS}, ${exactTime(column)} AS sort_key FROM pgboss.job WHERE ${where.join(' AND ')} ORDER BY ${column} ${direction}, id ${direction} LIMIT $2`,
    values,
  )
  return rows
}

/** A cursor key: what exactTime writes. */
export function isExactTime(key: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(key)
}

/**
 * Unique keys: a transaction advisory lock per key (sorted, so two batches never wait on each other in a
 * circle), held until the transaction that looks the key up and inserts its job commits.
 */
export async function lockUniqueKeys(sql: PgBossSql, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return
  await sql.executeSql(
    `SELECT pg_advisory_xact_lock(hashtextextended('harbormaster queue unique ' || k, 0)) FROM unnest($1::text[]) AS k ORDER BY k`,
    [[...new Set(keys)].sort()],
  )
}

export interface UniqueKeyHolder {
  unique_key: string
  id: string
  queue: string
  run_at: number
}

/**
 * The jobs holding `keys`: not finished (pg-boss states below completed) and enqueued less than their
 * `unique_for_seconds` ago (no limit when the job has none).
 */
export async function uniqueKeyHolders(sql: PgBossSql, queues: readonly string[], keys: readonly string[]): Promise<UniqueKeyHolder[]> {
  if (keys.length === 0) return []
  const {rows} = await sql.executeSql(
    `SELECT DISTINCT ON (singleton_key) singleton_key AS unique_key, id::text AS id, name AS queue, ${ms('start_after')} AS run_at
       FROM pgboss.job
      WHERE ${OURS} AND singleton_key = ANY($2::text[]) AND state < 'completed'
        AND (data->'unique_for_seconds' IS NULL OR created_on + (data->>'unique_for_seconds')::float8 * interval '1 second' > now())
      ORDER BY singleton_key, created_on`,
    [queues, [...new Set(keys)]],
  )
  return rows
}

/**
 * Installs pg-boss's schema (`construction`: pg-boss's own plans) when it is missing, its queues (pg-boss 10's
 * create_queue function, what its createQueue() calls, with the options it would pass), and our index for the
 * unique-key lookup above (pg-boss's singleton indexes cover its policies, not a standard queue's keys; made on
 * the partitioned table, so queues added later get it too). On one connection holding a session advisory lock:
 * hosts starting at once on a new database wait for the first. pg-boss's own install and createQueue do not
 * (two installs at once fail on CREATE SCHEMA; two queue creations at once deadlock between the queue row
 * and the partition's foreign key). pg-boss's start() then finds everything in place.
 */
export async function installPgBoss(db: PostgresDb, construction: string, queues: readonly {name: string; options: Record<string, unknown>}[]): Promise<void> {
  const client = await db.pool.connect()
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended('harbormaster pg-boss install', 0))`)
    try {
      const {rows} = await client.query<{name: string | null}>(`SELECT to_regclass('pgboss.version') AS name`)
      if (!rows[0].name) await client.query(construction)
      const existing = new Set((await client.query<{name: string}>(`SELECT name FROM pgboss.queue`)).rows.map((r) => r.name))
      for (const queue of queues) {
        if (!existing.has(queue.name)) await client.query(`SELECT pgboss.create_queue($1, $2::json)`, [queue.name, JSON.stringify(queue.options)])
      }
      await client.query(`CREATE INDEX IF NOT EXISTS job_harbormaster_unique_key ON pgboss.job (singleton_key) WHERE singleton_key IS NOT NULL AND state < 'completed'`)
      // The pages of active, completed and dead jobs, newest first (pageJobs).
      await client.query(`CREATE INDEX IF NOT EXISTS job_harbormaster_listing ON pgboss.job (name, state, created_on, id)`)
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtextextended('harbormaster pg-boss install', 0))`)
    }
  } finally {
    client.release()
  }
}

export interface ClaimedRow {
  id: string
  data: JobData
  retry_count: number
  retry_limit: number
}

/**
 * Claims up to `limit` due jobs of `queue` for `workerId`, oldest due first: pg-boss 10's fetchNextJob (FOR
 * UPDATE SKIP LOCKED; active; started_on now; an attempt counted when the job had started before) with two
 * differences: jobs are taken in the order they fell due (pg-boss takes them in the order they were created,
 * so a job delayed an hour would go before one due since a minute), and the worker's id is recorded in the
 * job's data in the same statement, for recoverLost.
 */
export async function claimDueJobs(sql: PgBossSql, queue: string, limit: number, workerId: string): Promise<ClaimedRow[]> {
  const {rows} = await sql.executeSql(
    `WITH next AS (
       SELECT id FROM pgboss.job
        WHERE name = $1 AND state < 'active' AND start_after < now()
        ORDER BY start_after, created_on, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
     UPDATE pgboss.job AS j SET
       state = 'active',
       started_on = now(),
       retry_count = CASE WHEN j.started_on IS NOT NULL THEN j.retry_count + 1 ELSE j.retry_count END,
       data = j.data || jsonb_build_object('worker_id', $3::text)
     FROM next
     WHERE j.name = $1 AND j.id = next.id
     RETURNING j.id::text AS id, j.data, j.retry_count, j.retry_limit, j.start_after, j.created_on`,
    [queue, limit, workerId],
  )
  // UPDATE … RETURNING gives no order: the claim's own, restored.
  const claimed = rows as (ClaimedRow & {start_after: Date; created_on: Date})[]
  claimed.sort((a, b) => a.start_after.getTime() - b.start_after.getTime() || a.created_on.getTime() - b.created_on.getTime() || (a.id < b.id ? -1 : 1))
  return claimed.map(({id, data, retry_count, retry_limit}) => ({id, data, retry_count, retry_limit}))
}

export interface FailingJob {
  id: string
  queue: string
  attempt: number
}

/**
 * Appends an attempt's error to active jobs' data (before pg-boss's fail(), in its transaction), and locks
 * them: returns the jobs that were active. `at` is the server's clock.
 */
export async function recordAttemptError(sql: PgBossSql, queues: readonly string[], ids: readonly string[], error: {message: string; stack?: string}): Promise<FailingJob[]> {
  const {rows} = await sql.executeSql(
    `UPDATE pgboss.job SET data = jsonb_set(data, '{errors}', COALESCE(data->'errors', '[]'::jsonb) || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'attempt', retry_count + 1, 'at', ${ms('now()')}, 'message', $3::text, 'stack', $4::text))))
      WHERE ${OURS} AND id = ANY($2::uuid[]) AND state = 'active'
      RETURNING id::text AS id, name AS queue, retry_count + 1 AS attempt`,
    [queues, ids, error.message, error.stack ?? null],
  )
  return rows
}

export interface LostJob {
  id: string
  queue: string
  worker_id: string | null
  /** Active longer than pg-boss's expire_in (the job's timeout and a heartbeat's grace). */
  expired: boolean
  timeout_seconds: number
}

/**
 * Active jobs whose worker is not among `liveWorkerIds`, or that outlived their expiry, locked for the
 * transaction that fails them.
 */
export async function lostJobs(sql: PgBossSql, queues: readonly string[], liveWorkerIds: readonly string[]): Promise<LostJob[]> {
  const {rows} = await sql.executeSql(
    `SELECT id::text AS id, name AS queue, data->>'worker_id' AS worker_id, (started_on + expire_in) < now() AS expired,
            COALESCE((data->>'timeout_seconds')::int, 0) AS timeout_seconds
       FROM pgboss.job
      WHERE ${OURS} AND state = 'active'
        AND (COALESCE(data->>'worker_id', '') <> ALL($2::text[]) OR (started_on + expire_in) < now())
      FOR UPDATE`,
    [queues, liveWorkerIds],
  )
  return rows
}

export interface FailOutcomeRow {
  state: PgBossJobState
  run_at: number
}

export async function jobOutcome(sql: PgBossSql, queue: string, id: string): Promise<FailOutcomeRow | undefined> {
  const {rows} = await sql.executeSql(`SELECT ${STATE_CASE} AS state, ${ms('start_after')} AS run_at FROM pgboss.job WHERE name = $1 AND id = $2::uuid`, [queue, id])
  return rows[0]
}

/**
 * Undoes a fetch (pg-boss 10's fetchNextJob): active back to created (first attempt) or retry, started_on
 * back to NULL on a first attempt (a later fetch counts an attempt only when started_on is set), and the
 * attempt fetch counted taken back. Only the previous attempt's start time is not restored (pg-boss keeps
 * one). Returns whether the job was active.
 */
export async function releaseJob(sql: PgBossSql, queues: readonly string[], id: string): Promise<boolean> {
  if (!isUuid(id)) return false
  const {rowCount} = await sql.executeSql(
    `UPDATE pgboss.job SET
        state = CASE WHEN retry_count = 0 THEN 'created' ELSE 'retry' END::pgboss.job_state,
        started_on = CASE WHEN retry_count = 0 THEN NULL ELSE started_on END,
        retry_count = GREATEST(retry_count - 1, 0),
        data = data - 'worker_id'
      WHERE ${OURS} AND id = $2::uuid AND state = 'active'`,
    [queues, id],
  )
  return (rowCount ?? 0) > 0
}

/**
 * Dead or retrying jobs back to pending, due now, their attempts kept: pg-boss's own retry() raises the
 * retry limit and leaves the job waiting in `retry`, which is not what `queue retry` means. A dead job so
 * retried gets one more attempt (its retry_count has reached its limit: a failure goes straight back to dead).
 */
export async function retryJobs(sql: PgBossSql, queues: readonly string[], which: {id: string} | {allDead: true}): Promise<number> {
  if ('id' in which && !isUuid(which.id)) return 0
  const where = 'id' in which ? `id = $2::uuid AND state IN ('retry', 'failed')` : `state = 'failed'`
  const {rowCount} = await sql.executeSql(
    `UPDATE pgboss.job SET state = 'created', start_after = now(), completed_on = NULL WHERE ${OURS} AND ${where}`,
    'id' in which ? [queues, which.id] : [queues],
  )
  return rowCount ?? 0
}

export async function deleteJob(sql: PgBossSql, queues: readonly string[], id: string): Promise<boolean> {
  if (!isUuid(id)) return false
  const {rowCount} = await sql.executeSql(`DELETE FROM pgboss.job WHERE ${OURS} AND id = $2::uuid`, [queues, id])
  return (rowCount ?? 0) > 0
}

/** Completed or dead jobs that finished before `before` (epoch ms). */
export async function purgeJobs(sql: PgBossSql, queues: readonly string[], state: 'completed' | 'dead', before: number): Promise<number> {
  const {rowCount} = await sql.executeSql(`DELETE FROM pgboss.job WHERE ${OURS} AND state = $2::pgboss.job_state AND completed_on < to_timestamp($3::float8 / 1000)`, [
    queues,
    state === 'dead' ? 'failed' : 'completed',
    before,
  ])
  return rowCount ?? 0
}

export interface QueueStateCount {
  queue: string
  state: PgBossJobState
  count: number
}

export async function stateCounts(sql: PgBossSql, queues: readonly string[]): Promise<QueueStateCount[]> {
  const {rows} = await sql.executeSql(`SELECT name AS queue, ${STATE_CASE} AS state, count(*)::int AS count FROM pgboss.job WHERE ${OURS} AND state <> 'cancelled' GROUP BY 1, 2`, [queues])
  return rows
}

/** Per queue: how long the longest-waiting due job has been due (ms), and the server's clock. */
export async function oldestPending(sql: PgBossSql, queues: readonly string[]): Promise<{queue: string; waited_ms: number}[]> {
  const {rows} = await sql.executeSql(
    `SELECT name AS queue, ${ms('now()')} - ${ms('min(start_after)')} AS waited_ms FROM pgboss.job WHERE ${OURS} AND ${STATE_CONDITIONS.pending} GROUP BY name`,
    [queues],
  )
  return rows
}

export interface MinuteCount {
  minute: number
  processed: number
  failed: number
}

/**
 * Jobs completed and attempts failed per minute (start of the minute, epoch ms) over the last `minutes`
 * minutes of the server's clock, the current one included; only minutes with some.
 */
export async function perMinuteCounts(sql: PgBossSql, queues: readonly string[], minutes: number): Promise<{now: number; counts: MinuteCount[]}> {
  const {rows} = await sql.executeSql(
    `WITH bounds AS (SELECT ${ms('now()')} AS now, (floor(${ms('now()')} / 60000.0) - ($2::int - 1)) * 60000 AS since),
     done AS (
       SELECT floor(${ms('completed_on')} / 60000.0) * 60000 AS minute, count(*) AS processed, 0 AS failed
         FROM pgboss.job, bounds WHERE ${OURS} AND state = 'completed' AND ${ms('completed_on')} >= bounds.since GROUP BY 1),
     failures AS (
       SELECT floor((e->>'at')::bigint / 60000.0) * 60000 AS minute, 0 AS processed, count(*) AS failed
         FROM pgboss.job, bounds, jsonb_array_elements(data->'errors') AS e
        WHERE ${OURS} AND data ? 'errors' AND (state < 'completed' OR completed_on >= to_timestamp(bounds.since / 1000.0))
          AND (e->>'at')::bigint >= bounds.since
        GROUP BY 1)
     SELECT minute::bigint AS minute, sum(processed)::int AS processed, sum(failed)::int AS failed
       FROM (SELECT * FROM done UNION ALL SELECT * FROM failures) AS m GROUP BY minute ORDER BY minute`,
    [queues, minutes],
  )
  const clock = await sql.executeSql(`SELECT ${ms('now()')} AS now`)
  return {now: (clock.rows[0] as {now: number}).now, counts: rows}
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** pg-boss's ids are uuids: anything else names no job (and would fail the cast). */
export function isUuid(id: string): boolean {
  return UUID.test(id)
}
