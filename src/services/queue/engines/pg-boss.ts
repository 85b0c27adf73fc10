// The queue on PostgreSQL: pg-boss 10 (its schema `pgboss`, on the context's own connection pool) behind
// harbormaster's QueueEngine contract.
//
// Why pg-boss and not graphile-worker: pg-boss is pulled from per queue (fetch, complete, fail), which is what
// our weighted worker needs (it decides which queue to take from next; graphile-worker runs its own task loop
// and picks jobs by priority and time only); it has exponential retry backoff with jitter built in (retryDelay=1,
// retryBackoff=true gives retry k a delay in [2^(k-1), 2^k) s, types.ts's retryDelayRange), where graphile-worker
// has a fixed exp() backoff and no dead letter; per-job expiry; insert() of many jobs in one statement; and
// every call can run inside a caller's transaction through its `db` option. pg-boss 11 and later need Node 22.
//
// The mapping (pg-boss 10's schema: the version is pinned in package.json, because release, retry, the claims
// and the reads below use its tables directly, see src/services/db/pgboss-jobs.ts):
// - our four queues are four pg-boss queues (standard policy); type, payload and timeout are in the job's data;
// - states: created and due (start_after < now(), pg-boss's fetch test) = pending, created and not due =
//   scheduled, retry = retry (until a worker takes it, its backoff over or not), active = active, completed =
//   completed, failed = dead. Times are the database server's (pg-boss's now()); a runAt given is kept as it is
//   (the facade's default, the context's now, is due at once on a host whose clock agrees with the server's);
// - retries: retryLimit = maxRetries; attempts = retry_count + 1 once started (pg-boss counts a retry at fetch);
// - attempt errors: pg-boss keeps only the last (its `output`); every attempt's error (attempt, at, message,
//   stack) is appended to the job's data under `errors` in the transaction that fails it, and `output` keeps
//   the last error (pg-boss's convention) or, once completed, {result};
// - fetch: our own statement, pg-boss 10's fetchNextJob with two changes (pgboss-jobs.ts claimDueJobs): jobs
//   are taken oldest due first (pg-boss takes them in the order created), and the worker's id is recorded in
//   the job's data (worker_id) by the same statement, so recoverLost can tell which active jobs a lost worker
//   held, without a table of our own to keep in step. complete, fail and insert are pg-boss's own calls;
// - expiry: expire_in is the job's timeout plus one heartbeat (the worker's own timeout fires first and keeps
//   its message). pg-boss's own supervision (maintain: expire, archive, drop) is off: its expire() would
//   overwrite the attempt history, and its archive would move the dead letter away and drop it after 7 days.
//   recoverLost, which workers call on their heartbeat, fails expired active jobs too, through pg-boss's fail()
//   (counted as an attempt). Completed and dead jobs stay in pgboss.job until `queue purge`;
// - unique keys: our semantics (a held key answers with its job; it frees on completion, dead letter, delete
//   or after uniqueForSeconds) are not any of pg-boss's singleton policies, so enqueue takes a transaction
//   advisory lock per key, looks for an unfinished job with that key (singleton_key, inert on a standard
//   queue) within its TTL, and inserts with pg-boss's insert() inside the same transaction;
// - release (graceful shutdown): pg-boss has no API for it; one UPDATE undoes its fetch;
// - retry by hand: pg-boss's retry() raises the retry limit and leaves the job in `retry`; ours puts it back
//   to pending with its attempts kept (one more attempt for a dead job);
// - install: schema, queues and our unique-key index once, under an advisory lock (pgboss-jobs.ts
//   installPgBoss), since pg-boss's own install and createQueue fail or deadlock when hosts start at once;
// - every statement joins the caller's open write() transaction when there is one (pg-boss's `db` option).
// pg-boss runs no timers here (supervise, schedule and monitoring are off): nothing keeps a command alive.
import {randomUUID} from 'node:crypto'

import PgBoss from 'pg-boss'

import type {Context} from '../../context.js'
import type {PostgresDb} from '../../db/pg-client.js'
import * as jobs from '../../db/pgboss-jobs.js'
import {HarbormasterError, usageError} from '../../errors.js'
import {JOB_TYPE_SPECS} from '../job-types.js'
import {
  type ClaimedJob,
  type EnqueueRequest,
  type EnqueueResult,
  type FailOutcome,
  type JobType,
  type JsonObject,
  type ListFilter,
  type QueuedJob,
  QUEUE_NAMES,
  QUEUED_JOB_STATES,
  type QueueEngine,
  type QueueName,
  type QueuedJobState,
} from '../types.js'

const MINUTE = 60_000

export function pgBossEngine(ctx: Context): QueueEngine {
  if (ctx.db.dialect !== 'postgres') throw new HarbormasterError('the pg-boss queue engine runs on PostgreSQL only')
  const db: PostgresDb = ctx.db
  /** The caller's open write transaction, else the pool: looked up per call. */
  const sql = () => jobs.sqlOf(db)
  const graceSeconds = ctx.config.workerHeartbeatSeconds
  const boss = new PgBoss({db: {executeSql: (text, values) => sql().executeSql(text, values)}, schema: 'pgboss', migrate: true, supervise: false, schedule: false})
  // An EventEmitter without an 'error' listener throws; pg-boss reports here what its timers meet (none run here).
  boss.on('error', (error: Error) => ctx.logger.warn('pg-boss', {error: error.message}))
  /** The queue of each job this process fetched, so complete and fail need no lookup. */
  const fetchedQueue = new Map<string, QueueName>()

  const queueOf = async (id: string): Promise<string | undefined> => fetchedQueue.get(id) ?? jobs.queueOfJob(sql(), QUEUE_NAMES, id)

  async function enqueueMany(requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    const now = ctx.clock.now()
    const planned = requests.map((request) => {
      const spec = JOB_TYPE_SPECS[request.type]
      const queue = request.queue ?? spec.queue
      const runAt = request.runAt ?? now
      const timeoutSeconds = request.timeoutSeconds ?? spec.timeoutSeconds
      const data: jobs.JobData = {type: request.type, payload: request.payload ?? {}, timeout_seconds: timeoutSeconds}
      if (request.uniqueKey !== undefined && request.uniqueForSeconds !== undefined) data.unique_for_seconds = request.uniqueForSeconds
      const insert: PgBoss.JobInsert = {
        id: randomUUID(),
        name: queue,
        data,
        startAfter: new Date(runAt).toISOString(),
        retryLimit: request.maxRetries ?? spec.maxRetries,
        retryDelay: 1,
        retryBackoff: true,
        expireInSeconds: timeoutSeconds + graceSeconds,
        ...(request.uniqueKey === undefined ? {} : {singletonKey: request.uniqueKey}),
      }
      return {insert, result: {id: insert.id!, duplicate: false, type: request.type, queue, runAt}}
    })
    const keys = requests.flatMap((r) => (r.uniqueKey === undefined ? [] : [r.uniqueKey]))
    if (keys.length === 0) {
      if (planned.length > 0) await boss.insert(planned.map((p) => p.insert), {db: sql() as PgBoss.Db})
      return planned.map((p) => p.result)
    }
    return jobs.pgBossTransaction(db, async (tx) => {
      await jobs.lockUniqueKeys(tx, keys)
      const held = new Map((await jobs.uniqueKeyHolders(tx, QUEUE_NAMES, keys)).map((h) => [h.unique_key, h]))
      const inserts: PgBoss.JobInsert[] = []
      const results = planned.map(({insert, result}) => {
        const key = insert.singletonKey
        if (key === undefined) {
          inserts.push(insert)
          return result
        }
        const holder = held.get(key)
        if (holder) return {id: holder.id, duplicate: true, type: result.type, queue: holder.queue as QueueName, runAt: holder.run_at}
        // The first of a batch holds the key for the ones after it.
        held.set(key, {unique_key: key, id: result.id, queue: result.queue, run_at: result.runAt})
        inserts.push(insert)
        return result
      })
      if (inserts.length > 0) await boss.insert(inserts, {db: tx as PgBoss.Db})
      return results
    })
  }

  function toQueuedJob(row: jobs.PgBossJobRow): QueuedJob {
    const output = row.output as {result?: unknown} | null
    return {
      id: row.id,
      type: row.data.type as JobType,
      queue: row.queue as QueueName,
      payload: (row.data.payload ?? {}) as JsonObject,
      state: row.state,
      attempts: row.attempts,
      maxRetries: row.retry_limit,
      timeoutSeconds: row.data.timeout_seconds,
      createdAt: row.created_at,
      runAt: row.run_at,
      startedAt: row.started_at,
      finishedAt: row.state === 'completed' || row.state === 'dead' ? row.finished_at : null,
      uniqueKey: row.unique_key,
      workerId: row.state === 'active' ? (row.data.worker_id ?? null) : null,
      errors: row.data.errors ?? [],
      result: row.state === 'completed' ? (output?.result ?? null) : null,
    }
  }

  /** Fails active jobs' attempts through pg-boss's fail(), their errors kept; the jobs that were active. */
  async function failAttempts(tx: jobs.PgBossSql, ids: readonly string[], error: {message: string; stack?: string}): Promise<jobs.FailingJob[]> {
    const failing = await jobs.recordAttemptError(tx, QUEUE_NAMES, ids, error)
    const output = {message: error.message, ...(error.stack ? {stack: error.stack} : {})}
    for (const job of failing) await boss.fail(job.queue, job.id, output, {db: tx as PgBoss.Db})
    for (const id of ids) fetchedQueue.delete(id)
    return failing
  }

  return {
    engine: 'pg-boss',

    async start() {
      await jobs.installPgBoss(
        db,
        PgBoss.getConstructionPlans('pgboss'),
        QUEUE_NAMES.map((name) => ({name, options: {policy: 'standard', retryDelay: 1, retryBackoff: true}})),
      )
      await boss.start()
    },

    async stop() {
      await boss.stop({graceful: false, close: false})
    },

    async enqueue(request) {
      const [result] = await enqueueMany([request])
      return result
    },

    enqueueMany,

    async fetch(queue, limit, workerId) {
      const claimed = await jobs.claimDueJobs(sql(), queue, limit, workerId)
      return claimed.map((job): ClaimedJob => {
        fetchedQueue.set(job.id, queue)
        return {
          id: job.id,
          type: job.data.type as JobType,
          queue,
          payload: (job.data.payload ?? {}) as JsonObject,
          attempt: job.retry_count + 1,
          maxRetries: job.retry_limit,
          timeoutSeconds: job.data.timeout_seconds,
        }
      })
    },

    async complete(id, result) {
      const queue = await queueOf(id)
      fetchedQueue.delete(id)
      if (queue) await boss.complete(queue, id, {result: result ?? null}, {db: sql() as PgBoss.Db})
    },

    async fail(id, error): Promise<FailOutcome> {
      return jobs.pgBossTransaction(db, async (tx) => {
        const [failing] = await failAttempts(tx, [id], error)
        if (!failing) throw new HarbormasterError(`queued job ${id} is not active: only a job a worker holds can fail`)
        const outcome = (await jobs.jobOutcome(tx, failing.queue, id))!
        return outcome.state === 'dead' ? {state: 'dead', runAt: null} : {state: 'retry', runAt: outcome.run_at}
      })
    },

    async release(id) {
      fetchedQueue.delete(id)
      await jobs.releaseJob(sql(), QUEUE_NAMES, id)
    },

    async recoverLost(liveWorkerIds) {
      return jobs.pgBossTransaction(db, async (tx) => {
        const lost = await jobs.lostJobs(tx, QUEUE_NAMES, liveWorkerIds)
        for (const job of lost) {
          const message =
            job.worker_id && !liveWorkerIds.includes(job.worker_id)
              ? 'worker lost'
              : `timed out: active longer than its timeout of ${job.timeout_seconds} s and a heartbeat of ${graceSeconds} s`
          await failAttempts(tx, [job.id], {message})
        }
        return lost.length
      })
    },

    async get(id) {
      const row = await jobs.jobById(sql(), QUEUE_NAMES, id)
      return row && toQueuedJob(row)
    },

    async list(filter: ListFilter) {
      const rows = await jobs.listJobs(sql(), QUEUE_NAMES, {
        state: filter.state,
        queue: filter.queue,
        type: filter.type,
        limit: Math.min(Math.max(filter.limit ?? 100, 0), 1000),
        offset: Math.max(filter.offset ?? 0, 0),
      })
      return rows.map(toQueuedJob)
    },

    deadSince: (since) => jobs.countDeadSince(sql(), QUEUE_NAMES, since),

    async page(filter) {
      if (filter.after !== undefined && !(jobs.isExactTime(filter.after.key) && jobs.isUuid(filter.after.id))) {
        throw usageError(`no page starts after ${filter.after.key}_${filter.after.id}`, 'follow the page links from the first page')
      }
      const limit = Math.min(Math.max(filter.limit, 1), 1000)
      // One row more than the page tells whether another page follows.
      const rows = await jobs.pageJobs(sql(), {queue: filter.queue, state: filter.state, limit: limit + 1, after: filter.after})
      const shown = rows.slice(0, limit)
      const last = shown.at(-1)
      return {jobs: shown.map(toQueuedJob), next: rows.length > limit && last !== undefined ? {key: last.sort_key, id: last.id} : null}
    },

    async stats(minutes) {
      const [counts, oldest, perMinute] = await Promise.all([
        jobs.stateCounts(sql(), QUEUE_NAMES),
        jobs.oldestPending(sql(), QUEUE_NAMES),
        jobs.perMinuteCounts(sql(), QUEUE_NAMES, minutes),
      ])
      const queues = QUEUE_NAMES.map((queue) => {
        const states = Object.fromEntries(QUEUED_JOB_STATES.map((s) => [s, 0])) as Record<QueuedJobState, number>
        for (const c of counts) if (c.queue === queue) states[c.state] = c.count
        const waited = oldest.find((o) => o.queue === queue)
        return {queue, states, oldestPendingMs: waited ? Math.max(0, waited.waited_ms) : null}
      })
      const current = Math.floor(perMinute.now / MINUTE) * MINUTE
      const byMinute = new Map(perMinute.counts.map((c) => [c.minute, c]))
      const buckets = Array.from({length: minutes}, (_, i) => {
        const minute = current - (minutes - 1 - i) * MINUTE
        const found = byMinute.get(minute)
        return {minute, processed: found?.processed ?? 0, failed: found?.failed ?? 0}
      })
      return {queues, perMinute: buckets}
    },

    async retry(id) {
      return (await jobs.retryJobs(sql(), QUEUE_NAMES, {id})) > 0
    },

    async retryAllDead() {
      return jobs.retryJobs(sql(), QUEUE_NAMES, {allDead: true})
    },

    async delete(id) {
      fetchedQueue.delete(id)
      return jobs.deleteJob(sql(), QUEUE_NAMES, id)
    },

    async purge(state, before) {
      return jobs.purgeJobs(sql(), QUEUE_NAMES, state, before)
    },
  }
}
