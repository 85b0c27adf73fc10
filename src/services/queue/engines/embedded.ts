// The embedded queue engine: jobs as rows of queue_jobs in the SQLite database (src/services/db/queue-jobs.ts),
// every time read from the context's clock, so a fake clock drives delays, backoff and unique keys in tests.
//
// What it promises, beyond the contract in ../types.ts:
// - A claim is one IMMEDIATE transaction that moves due rows to active: no job is claimed twice, by this
//   process or another one on the same file. Due jobs are claimed oldest due first (then in enqueue order).
// - An attempt counts when it is claimed; `release` takes the claim back (the attempt uncounted, the job
//   waiting again as it was, due at the time it was due).
// - A failed attempt k waits retryDelayRange(k): 1 s × 2^(k-1) × (1 + a random fraction), as pg-boss's
//   exponential backoff does (the exponent stops growing at retry 16, as pg-boss's does), and goes to the
//   dead letter once the attempts exceed the job's retries. Every failed attempt is kept in `errors`
//   (attempt, time, message, stack); a dead job keeps its key free and its finish time.
// - A waiting job shows as scheduled before its time, retry while a failed attempt's backoff runs, and
//   pending once due (a retry whose backoff is over is pending again, as Asynq moves it).
// - A unique key is held from enqueue until the job completes, goes dead or is deleted, or `uniqueForSeconds`
//   after it was enqueued (an expired hold is let go by the next enqueue of the key). A job retried by hand
//   out of the dead letter does not take its key again.
// - `recoverLost` fails the attempt of each active job whose worker is not among the live ones, with the
//   error "worker lost": a retry after backoff, or dead when its retries are spent.
// - Stats: the oldest pending age is measured from when the job became due; processed per minute counts
//   completions by finish time, failed per minute every failed attempt by its time (purged jobs drop out).
import type {Context} from '../../context.js'
import type {Db} from '../../db/client.js'
import {PAGE_SORT, type QueueJobRow, queueJobStore, type RetryDelay} from '../../db/queue-jobs.js'
import {HarbormasterError, usageError} from '../../errors.js'
import {JOB_TYPE_SPECS} from '../job-types.js'
import {
  type AttemptError,
  type ClaimedJob,
  type EnqueueRequest,
  type JobType,
  type JsonObject,
  QUEUE_NAMES,
  QUEUED_JOB_STATES,
  type QueuedJob,
  type QueuedJobState,
  type QueueEngine,
  type QueueName,
  retryDelayRange,
} from '../types.js'

const MINUTE = 60_000
/** Past this retry the backoff stops doubling (pg-boss's cap). */
const LAST_DOUBLING = 16
const LIST_LIMIT = 1000

/** The backoff before retry k: 2^(k-1) s × (1 + a random fraction). */
const backoff: RetryDelay = (retry) => {
  const {min, max} = retryDelayRange(Math.min(retry, LAST_DOUBLING))
  return Math.floor(min + (max - min) * Math.random())
}

/** Ids are the row ids as strings; anything else names no job. */
function rowId(id: string): number | undefined {
  return /^\d{1,15}$/.test(id) ? Number(id) : undefined
}

function shownState(row: QueueJobRow, now: number): QueuedJobState {
  if (row.state !== 'queued') return row.state
  if (row.runAt <= now) return 'pending'
  return row.failures > 0 ? 'retry' : 'scheduled'
}

function toJob(row: QueueJobRow, now: number): QueuedJob {
  return {
    id: String(row.id),
    type: row.type as JobType,
    queue: row.queue as QueueName,
    payload: JSON.parse(row.payload) as JsonObject,
    state: shownState(row, now),
    attempts: row.attempts,
    maxRetries: row.maxRetries,
    timeoutSeconds: row.timeoutSeconds,
    createdAt: row.createdAt,
    runAt: row.runAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    uniqueKey: row.uniqueKey,
    workerId: row.workerId,
    errors: row.errors === null ? [] : (JSON.parse(row.errors) as AttemptError[]),
    result: row.result === null ? null : JSON.parse(row.result),
  }
}

export function embeddedEngine(ctx: Context): QueueEngine {
  if (ctx.db.dialect !== 'sqlite') throw new HarbormasterError('the embedded queue engine runs on SQLite only; PostgreSQL runs pg-boss')
  const db: Db = ctx.db
  const store = () => queueJobStore(db)
  const now = () => ctx.clock.now()

  const toRow = (request: EnqueueRequest, at: number) => {
    const spec = JOB_TYPE_SPECS[request.type]
    if (!spec) throw new HarbormasterError(`no job type ${request.type}`)
    return {
      type: request.type,
      queue: request.queue ?? spec.queue,
      payload: JSON.stringify(request.payload ?? {}),
      maxRetries: request.maxRetries ?? spec.maxRetries,
      timeoutSeconds: request.timeoutSeconds ?? spec.timeoutSeconds,
      runAt: request.runAt ?? at,
      uniqueKey: request.uniqueKey ?? null,
      uniqueUntil: request.uniqueKey !== undefined && request.uniqueForSeconds !== undefined ? at + request.uniqueForSeconds * 1000 : null,
    }
  }

  const enqueueMany: QueueEngine['enqueueMany'] = async (requests) => {
    if (requests.length === 0) return []
    const at = now()
    const rows = requests.map((r) => toRow(r, at))
    const inserted = await store().insert(rows, at)
    return inserted.map((r) => ({id: String(r.id), duplicate: r.duplicate, type: r.type as JobType, queue: r.queue as QueueName, runAt: r.runAt}))
  }

  return {
    engine: 'embedded',
    async start() {},
    async stop() {},
    enqueue: async (request) => (await enqueueMany([request]))[0],
    enqueueMany,
    async fetch(queue, limit, workerId) {
      if (limit <= 0) return []
      const rows = await store().claim(queue, limit, workerId, now())
      return rows.map(
        (r): ClaimedJob => ({
          id: String(r.id),
          type: r.type as JobType,
          queue: r.queue as QueueName,
          payload: JSON.parse(r.payload) as JsonObject,
          attempt: r.attempts,
          maxRetries: r.maxRetries,
          timeoutSeconds: r.timeoutSeconds,
        }),
      )
    },
    async complete(id, result) {
      const row = rowId(id)
      if (row === undefined) return
      // A job no longer active (deleted, recovered after its worker was taken for lost) is left as it is.
      await store().complete(row, result === undefined ? null : JSON.stringify(result), now())
    },
    async fail(id, error) {
      const row = rowId(id)
      if (row === undefined) throw new HarbormasterError(`no queued job ${id}`)
      const outcome = await store().fail(row, {message: error.message, stack: error.stack}, now(), backoff)
      return outcome.dead ? {state: 'dead', runAt: null} : {state: 'retry', runAt: outcome.runAt}
    },
    async release(id) {
      const row = rowId(id)
      if (row !== undefined) await store().release(row)
    },
    recoverLost: (liveWorkerIds) => store().failLost(liveWorkerIds, 'worker lost', now(), backoff),
    async get(id) {
      const row = rowId(id)
      const found = row === undefined ? undefined : store().get(row)
      return found && toJob(found, now())
    },
    async list(filter) {
      const at = now()
      const rows = store().list(
        {state: filter.state, queue: filter.queue, type: filter.type, limit: Math.min(LIST_LIMIT, Math.max(0, filter.limit ?? LIST_LIMIT)), offset: Math.max(0, filter.offset ?? 0)},
        at,
      )
      return rows.map((r) => toJob(r, at))
    },
    async page(filter) {
      const at = now()
      let after: {at: number; id: number} | undefined
      if (filter.after !== undefined) {
        const id = rowId(filter.after.id)
        if (id === undefined || !/^-?\d{1,15}$/.test(filter.after.key)) throw usageError(`no page starts after ${filter.after.key}_${filter.after.id}`, 'follow the page links from the first page')
        after = {at: Number(filter.after.key), id}
      }
      const limit = Math.min(LIST_LIMIT, Math.max(1, filter.limit))
      // One row more than the page tells whether another page follows.
      const rows = store().page({queue: filter.queue, state: filter.state, limit: limit + 1, after}, at)
      const shown = rows.slice(0, limit)
      const last = shown.at(-1)
      const more = rows.length > limit && last !== undefined
      return {
        jobs: shown.map((r) => toJob(r, at)),
        next: more ? {key: String(PAGE_SORT[filter.state].column === 'run_at' ? last.runAt : last.createdAt), id: String(last.id)} : null,
      }
    },
    async stats(minutes) {
      const at = now()
      const queues = new Map(
        QUEUE_NAMES.map((queue) => [queue, {queue, states: Object.fromEntries(QUEUED_JOB_STATES.map((s) => [s, 0])) as Record<QueuedJobState, number>, oldestPendingMs: null as number | null}]),
      )
      for (const c of store().counts(at)) {
        const q = queues.get(c.queue as QueueName)
        if (!q) continue
        q.states[c.state] += c.jobs
        if (c.oldestRunAt !== null) q.oldestPendingMs = Math.max(0, at - c.oldestRunAt)
      }
      const span = Math.max(1, Math.floor(minutes))
      const since = Math.floor(at / MINUTE) * MINUTE - (span - 1) * MINUTE
      const processed = store().processedPerMinute(since)
      const failed = store().failedPerMinute(since)
      const perMinute = Array.from({length: span}, (_, k) => {
        const minute = since + k * MINUTE
        return {minute, processed: processed.get(minute) ?? 0, failed: failed.get(minute) ?? 0}
      })
      return {queues: [...queues.values()], perMinute}
    },
    deadSince: async (since) => store().deadSince(since),
    async retry(id) {
      const row = rowId(id)
      return row === undefined ? false : store().retry(row, now())
    },
    retryAllDead: () => store().retryAllDead(now()),
    async delete(id) {
      const row = rowId(id)
      return row === undefined ? false : store().delete(row)
    },
    purge: (state, before) => store().purge(state, before),
  }
}
