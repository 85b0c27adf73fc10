// The embedded queue's rows in queue_jobs (SQLite only; on PostgreSQL pg-boss keeps its own tables): every
// statement of the embedded engine, prepared once per connection; each call is atomic (one statement, or
// one BEGIN IMMEDIATE transaction, see transact).
//
// A row's stored state is queued, active, completed or dead; a queued row shows as scheduled, pending or
// retry by its due time (run_at) and its failed attempts (failures), against the clock of the call.
import type Database from 'better-sqlite3'
import type {Statement} from 'better-sqlite3'

import {HarbormasterError} from '../errors.js'
import {type Db, isBusy} from './client.js'
import {preparedOnce} from './prepared.js'
import {currentTransaction, write} from './transaction.js'

/** The states a queued job is shown in (the same as the queue's contract). */
export type ShownState = 'scheduled' | 'pending' | 'active' | 'retry' | 'dead' | 'completed'

export interface QueueJobRow {
  id: number
  type: string
  queue: string
  /** JSON text. */
  payload: string
  state: 'queued' | 'active' | 'completed' | 'dead'
  attempts: number
  failures: number
  maxRetries: number
  timeoutSeconds: number
  createdAt: number
  runAt: number
  startedAt: number | null
  finishedAt: number | null
  uniqueKey: string | null
  workerId: string | null
  /** JSON text of the failed attempts, or null with none. */
  errors: string | null
  /** JSON text, or null. */
  result: string | null
}

export interface NewQueueJob {
  type: string
  queue: string
  /** JSON text. */
  payload: string
  maxRetries: number
  timeoutSeconds: number
  runAt: number
  uniqueKey: string | null
  /** When the unique key frees by itself; null: when the job finishes. */
  uniqueUntil: number | null
}

export interface InsertedJob {
  id: number
  duplicate: boolean
  /** The holder's, for a duplicate. */
  type: string
  queue: string
  runAt: number
}

export interface ClaimedRow {
  id: number
  type: string
  queue: string
  payload: string
  attempts: number
  maxRetries: number
  timeoutSeconds: number
  runAt: number
}

export interface FailedAttempt {
  message: string
  stack?: string
}

export interface FailResult {
  dead: boolean
  runAt: number | null
}

/** The wait before retry `retry` (1-based), given the random fraction in [0, 1) that jitters it. */
export type RetryDelay = (retry: number) => number

export interface QueueJobFilter {
  state?: ShownState
  queue?: string
  type?: string
  limit: number
  offset: number
}

/** One queue's jobs in one state after a cursor, in the state's order (see `page`). */
export interface QueueJobPageFilter {
  queue: string
  state: ShownState
  limit: number
  /** The sort time (run_at or created_at) and id of the previous page's last row. */
  after?: {at: number; id: number}
}

/**
 * Waiting rows by due time, the next to run first (the claim's order, on queue_jobs_fetch_idx); the others
 * newest enqueued first (on queue_jobs_listing_idx). Either way a range of one index: no OFFSET, no sort.
 */
export const PAGE_SORT: Record<ShownState, {column: 'run_at' | 'created_at'; descending: boolean}> = {
  scheduled: {column: 'run_at', descending: false},
  pending: {column: 'run_at', descending: false},
  retry: {column: 'run_at', descending: false},
  active: {column: 'created_at', descending: true},
  completed: {column: 'created_at', descending: true},
  dead: {column: 'created_at', descending: true},
}

export interface QueueCount {
  queue: string
  state: ShownState
  jobs: number
  /** The earliest due time among pending jobs (pending counts only). */
  oldestRunAt: number | null
}

const COLUMNS = `id, type, queue, payload, state, attempts, failures, max_retries AS maxRetries, timeout_seconds AS timeoutSeconds,
  created_at AS createdAt, run_at AS runAt, started_at AS startedAt, finished_at AS finishedAt, unique_key AS uniqueKey,
  worker_id AS workerId, errors, result`

/** The rows of one shown state, as a condition over `:now`. */
const SHOWN_CONDITION: Record<ShownState, string> = {
  scheduled: `state = 'queued' AND run_at > :now AND failures = 0`,
  retry: `state = 'queued' AND run_at > :now AND failures > 0`,
  pending: `state = 'queued' AND run_at <= :now`,
  active: `state = 'active'`,
  completed: `state = 'completed'`,
  dead: `state = 'dead'`,
}

export interface QueueJobStore {
  insert(jobs: readonly NewQueueJob[], now: number): Promise<InsertedJob[]>
  claim(queue: string, limit: number, workerId: string, now: number): Promise<ClaimedRow[]>
  /** False when the job is not active (completed, released or recovered meanwhile, or deleted). */
  complete(id: number, result: string | null, now: number): Promise<boolean>
  /** The active job's attempt failed: a retry after `delay(attempts)`, or dead once attempts exceed its retries. */
  fail(id: number, error: FailedAttempt, now: number, delay: RetryDelay): Promise<FailResult>
  release(id: number): Promise<boolean>
  /** Fails the attempt of every active job held by a worker not in `liveWorkerIds`; returns how many. */
  failLost(liveWorkerIds: readonly string[], message: string, now: number, delay: RetryDelay): Promise<number>
  get(id: number): QueueJobRow | undefined
  list(filter: QueueJobFilter, now: number): QueueJobRow[]
  page(filter: QueueJobPageFilter, now: number): QueueJobRow[]
  counts(now: number): QueueCount[]
  /** Jobs completed since `since`, per minute start. */
  processedPerMinute(since: number): Map<number, number>
  /** Attempts failed since `since`, per minute start. */
  failedPerMinute(since: number): Map<number, number>
  /** Jobs gone dead at or after `since` (queue_jobs_finished_idx). */
  deadSince(since: number): number
  /** A dead job, or one waiting for its retry, due now again; false for any other. */
  retry(id: number, now: number): Promise<boolean>
  retryAllDead(now: number): Promise<number>
  delete(id: number): Promise<boolean>
  purge(state: 'completed' | 'dead', before: number): Promise<number>
}

export function queueJobStore(db: Db): QueueJobStore {
  return preparedOnce(db, 'queue-jobs', () => sqliteQueueJobStore(db))
}

/** A rejected promise for what `fn` throws, else its value. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Per connection: one IMMEDIATE transaction around whatever function it is given. */
const immediates = new WeakMap<Database.Database, (fn: () => unknown) => unknown>()

function immediateOn(connection: Database.Database): <T>(fn: () => T) => T {
  let run = immediates.get(connection)
  if (!run) immediates.set(connection, (run = connection.transaction((fn: () => unknown) => fn()).immediate))
  return run as <T>(fn: () => T) => T
}

/**
 * Runs `fn` atomically on the write connection. Inside the caller's own `write` it joins it (an enqueue
 * commits with the work that caused it). With nothing open on the connection it runs at once, before any
 * other flow can: `single` (one statement) in autocommit, where SQLite takes the write lock before the
 * statement reads anything, as BEGIN IMMEDIATE does; else in a BEGIN IMMEDIATE transaction. Skipping
 * `write`'s turn and async hops here is what keeps a claim or a completion near the cost of its statement.
 * While another flow's transaction is open on the connection, or the database stays busy, it goes through
 * `write` (its turn, and its retries).
 */
function transact<T>(db: Db, fn: () => T, single = false): Promise<T> {
  if (currentTransaction(db) !== undefined) return settle(fn)
  const connection = db.writer ?? db.sqlite
  if (!connection.inTransaction) {
    try {
      return Promise.resolve(single ? fn() : immediateOn(connection)(fn))
    } catch (error) {
      if (!isBusy(error)) return Promise.reject(error)
    }
  }
  return write(db, async () => fn())
}

function sqliteQueueJobStore(db: Db): QueueJobStore {
  // Writes on the write connection; reads on whichever connection the calling flow may use (the read one
  // beside it in serve while another flow writes), each connection with its own statements.
  const s = db.writer ?? db.sqlite
  const reads = () => preparedOnce(db, 'queue-jobs:reads', () => readStatements(db.sqlite))
  const insertPlain: Statement = s.prepare(
    `INSERT INTO queue_jobs (type, queue, payload, state, max_retries, timeout_seconds, created_at, run_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)`,
  )
  const insertUnique: Statement = s.prepare(
    `INSERT INTO queue_jobs (type, queue, payload, state, max_retries, timeout_seconds, created_at, run_at, unique_key, unique_hold, unique_until)
     VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unique_hold) WHERE unique_hold IS NOT NULL DO NOTHING`,
  )
  const expireHold: Statement = s.prepare(`UPDATE queue_jobs SET unique_hold = NULL WHERE unique_hold = ? AND unique_until <= ?`)
  const holder: Statement = s.prepare(`SELECT id, type, queue, run_at AS runAt FROM queue_jobs WHERE unique_hold = ?`)
  const claim: Statement = s.prepare(
    `UPDATE queue_jobs SET state = 'active', attempts = attempts + 1, started_at = :now, worker_id = :worker
     WHERE id IN (SELECT id FROM queue_jobs WHERE queue = :queue AND state = 'queued' AND run_at <= :now ORDER BY run_at, id LIMIT :limit)
     RETURNING id, type, queue, payload, attempts, max_retries AS maxRetries, timeout_seconds AS timeoutSeconds, run_at AS runAt`,
  )
  const complete: Statement = s.prepare(
    `UPDATE queue_jobs SET state = 'completed', finished_at = ?, result = ?, worker_id = NULL, unique_hold = NULL WHERE id = ? AND state = 'active'`,
  )
  const activeAttempts: Statement = s.prepare(`SELECT attempts, max_retries AS maxRetries FROM queue_jobs WHERE id = ? AND state = 'active'`)
  const failRetry: Statement = s.prepare(
    `UPDATE queue_jobs SET state = 'queued', run_at = :runAt, worker_id = NULL, failures = failures + 1, last_failed_at = :now,
       errors = json_insert(coalesce(errors, '[]'), '$[#]', json(:error))
     WHERE id = :id`,
  )
  const failDead: Statement = s.prepare(
    `UPDATE queue_jobs SET state = 'dead', finished_at = :now, worker_id = NULL, unique_hold = NULL, failures = failures + 1, last_failed_at = :now,
       errors = json_insert(coalesce(errors, '[]'), '$[#]', json(:error))
     WHERE id = :id`,
  )
  const release: Statement = s.prepare(
    `UPDATE queue_jobs SET state = 'queued', attempts = attempts - 1, worker_id = NULL, started_at = CASE WHEN attempts = 1 THEN NULL ELSE started_at END
     WHERE id = ? AND state = 'active'`,
  )
  const lost: Statement = s.prepare(`SELECT id FROM queue_jobs WHERE state = 'active' AND worker_id NOT IN (SELECT value FROM json_each(?))`).pluck()
  const retry: Statement = s.prepare(
    `UPDATE queue_jobs SET state = 'queued', run_at = :now, finished_at = NULL, worker_id = NULL
     WHERE id = :id AND (state = 'dead' OR (${SHOWN_CONDITION.retry}))`,
  )
  const retryAllDead: Statement = s.prepare(`UPDATE queue_jobs SET state = 'queued', run_at = ?, finished_at = NULL WHERE state = 'dead'`)
  const remove: Statement = s.prepare(`DELETE FROM queue_jobs WHERE id = ?`)
  const purge: Statement = s.prepare(`DELETE FROM queue_jobs WHERE state = ? AND finished_at < ?`)

  const failOne = (id: number, error: FailedAttempt, now: number, delay: RetryDelay): FailResult => {
    const row = activeAttempts.get(id) as {attempts: number; maxRetries: number} | undefined
    if (!row) throw new HarbormasterError(`queued job ${id} is not active: only a job a worker holds can fail`)
    const entry = JSON.stringify({attempt: row.attempts, at: now, message: error.message, ...(error.stack === undefined ? {} : {stack: error.stack})})
    if (row.attempts > row.maxRetries) {
      failDead.run({id, now, error: entry})
      return {dead: true, runAt: null}
    }
    const runAt = now + delay(row.attempts)
    failRetry.run({id, now, runAt, error: entry})
    return {dead: false, runAt}
  }

  return {
    insert: (jobs, now) =>
      transact(db, () => {
        const inserted = new Array<InsertedJob>(jobs.length)
        for (let k = 0; k < jobs.length; k++) {
          const j = jobs[k]
          if (j.uniqueKey === null) {
            const id = Number(insertPlain.run(j.type, j.queue, j.payload, j.maxRetries, j.timeoutSeconds, now, j.runAt).lastInsertRowid)
            inserted[k] = {id, duplicate: false, type: j.type, queue: j.queue, runAt: j.runAt}
            continue
          }
          expireHold.run(j.uniqueKey, now)
          const r = insertUnique.run(j.type, j.queue, j.payload, j.maxRetries, j.timeoutSeconds, now, j.runAt, j.uniqueKey, j.uniqueKey, j.uniqueUntil)
          if (r.changes > 0) {
            inserted[k] = {id: Number(r.lastInsertRowid), duplicate: false, type: j.type, queue: j.queue, runAt: j.runAt}
          } else {
            const held = holder.get(j.uniqueKey) as {id: number; type: string; queue: string; runAt: number}
            inserted[k] = {...held, duplicate: true}
          }
        }
        return inserted
      }, jobs.length === 1 && jobs[0].uniqueKey === null),
    claim: (queue, limit, workerId, now) =>
      transact(db, () => {
        const rows = claim.all({queue, limit, worker: workerId, now}) as ClaimedRow[]
        // RETURNING gives no order: oldest due first, as fetched.
        return rows.length > 1 ? rows.sort((a, b) => a.runAt - b.runAt || a.id - b.id) : rows
      }, true),
    complete: (id, result, now) => transact(db, () => complete.run(now, result, id).changes > 0, true),
    fail: (id, error, now, delay) => transact(db, () => failOne(id, error, now, delay)),
    release: (id) => transact(db, () => release.run(id).changes > 0, true),
    failLost: (liveWorkerIds, message, now, delay) =>
      transact(db, () => {
        const ids = lost.all(JSON.stringify(liveWorkerIds)) as number[]
        for (const id of ids) failOne(id, {message}, now, delay)
        return ids.length
      }),
    get: (id) => reads().get.get(id) as QueueJobRow | undefined,
    list: (filter, now) => {
      const statement = reads().listing(filter)
      return statement.all(named(statement, {...filter, now})) as QueueJobRow[]
    },
    page: (filter, now) => {
      const statement = reads().paging(filter)
      return statement.all(named(statement, {queue: filter.queue, limit: filter.limit, now, at: filter.after?.at, id: filter.after?.id})) as QueueJobRow[]
    },
    counts: (now) => reads().counts.all({now}) as QueueCount[],
    processedPerMinute: (since) => perMinute(reads().processed.all({since})),
    failedPerMinute: (since) => perMinute(reads().failed.all({since})),
    deadSince: (since) => reads().deadSince.get(since) as number,
    retry: (id, now) => transact(db, () => retry.run({id, now}).changes > 0, true),
    retryAllDead: (now) => transact(db, () => retryAllDead.run(now).changes, true),
    delete: (id) => transact(db, () => remove.run(id).changes > 0, true),
    purge: (state, before) => transact(db, () => purge.run(state, before).changes, true),
  }
}

function readStatements(c: Database.Database) {
  const get: Statement = c.prepare(`SELECT ${COLUMNS} FROM queue_jobs WHERE id = ?`)
  // Depths from queue_depths (kept by triggers); only the waiting rows not yet due are counted, on the
  // covering queue_jobs_fetch_idx, to split waiting rows into pending, scheduled and retry at `now`.
  const depths: Statement = c.prepare(`SELECT queue, state, failed, jobs FROM queue_depths WHERE jobs <> 0`)
  const notDue: Statement = c.prepare(`SELECT failures > 0 AS failed, count(*) AS jobs FROM queue_jobs WHERE queue = ? AND state = 'queued' AND run_at > ? GROUP BY 1`)
  const firstDue: Statement = c.prepare(`SELECT min(run_at) FROM queue_jobs WHERE queue = ? AND state = 'queued'`).pluck()
  const counts = {
    all: ({now}: {now: number}): QueueCount[] => {
      const out: QueueCount[] = []
      const waiting = new Map<string, number>()
      for (const d of depths.all() as Array<{queue: string; state: QueueJobRow['state']; failed: number; jobs: number}>) {
        if (d.state === 'queued') waiting.set(d.queue, (waiting.get(d.queue) ?? 0) + d.jobs)
        else out.push({queue: d.queue, state: d.state, jobs: d.jobs, oldestRunAt: null})
      }
      for (const [queue, jobs] of waiting) {
        let later = 0
        for (const n of notDue.all(queue, now) as Array<{failed: number; jobs: number}>) {
          out.push({queue, state: n.failed ? 'retry' : 'scheduled', jobs: n.jobs, oldestRunAt: null})
          later += n.jobs
        }
        const first = firstDue.get(queue) as number | null
        if (jobs > later) out.push({queue, state: 'pending', jobs: jobs - later, oldestRunAt: first !== null && first <= now ? first : null})
      }
      return out
    },
  }
  const processed: Statement = c.prepare(
    `SELECT finished_at / 60000 * 60000 AS minute, count(*) AS jobs FROM queue_jobs WHERE state = 'completed' AND finished_at >= :since GROUP BY 1`,
  )
  const failed: Statement = c.prepare(
    `SELECT at / 60000 * 60000 AS minute, count(*) AS jobs FROM (
       SELECT json_extract(e.value, '$.at') AS at FROM queue_jobs, json_each(queue_jobs.errors) AS e WHERE last_failed_at >= :since
     ) WHERE at >= :since GROUP BY 1`,
  )
  const deadSince: Statement = c.prepare(`SELECT count(*) FROM queue_jobs WHERE state = 'dead' AND finished_at >= ?`).pluck()
  const listings = new Map<string, Statement>()
  const listing = (filter: QueueJobFilter): Statement => {
    const key = `${filter.state ?? ''}|${filter.queue === undefined ? '' : 'q'}|${filter.type === undefined ? '' : 't'}`
    let statement = listings.get(key)
    if (!statement) {
      const where = [filter.state ? SHOWN_CONDITION[filter.state] : '', filter.queue === undefined ? '' : 'queue = :queue', filter.type === undefined ? '' : 'type = :type'].filter(Boolean)
      statement = c.prepare(`SELECT ${COLUMNS} FROM queue_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT :limit OFFSET :offset`)
      listings.set(key, statement)
    }
    return statement
  }
  const pagings = new Map<string, Statement>()
  const paging = (filter: QueueJobPageFilter): Statement => {
    const key = `${filter.state}|${filter.after === undefined ? '' : 'after'}`
    let statement = pagings.get(key)
    if (!statement) {
      const {column, descending} = PAGE_SORT[filter.state]
      const where = ['queue = :queue', SHOWN_CONDITION[filter.state]]
      if (filter.after !== undefined) where.push(`(${column}, id) ${descending ? '<' : '>'} (:at, :id)`)
      const direction = descending ? 'DESC' : 'ASC'
      statement = c.prepare(`SELECT ${COLUMNS} FROM queue_jobs WHERE ${where.join(' AND ')} ORDER BY ${column} ${direction}, id ${direction} LIMIT :limit`)
      pagings.set(key, statement)
    }
    return statement
  }
  return {get, counts, processed, failed, deadSince, listing, paging}
}

/** The parameters `statement` names (better-sqlite3 refuses any it does not use). */
function named(statement: Statement, params: Record<string, unknown>): Record<string, unknown> {
  const used: Record<string, unknown> = {}
  for (const p of statement.source.match(/:[a-z]+/g) ?? []) used[p.slice(1)] = params[p.slice(1)]
  return used
}

function perMinute(rows: unknown[]): Map<number, number> {
  return new Map((rows as Array<{minute: number; jobs: number}>).map((r) => [r.minute, r.jobs]))
}
