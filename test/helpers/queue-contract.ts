// The queue engine contract, written once for every engine: what services, workers and commands may rely on
// (src/services/queue/types.ts), checked through the facade on whichever database the test runs. Time is
// driven through a timeline: the embedded engine's fake clock is moved; on PostgreSQL the server's clock
// decides, so the timeline waits for it (negative checks use times an hour away, never a short window).
import {setTimeout as sleep} from 'node:timers/promises'

import {sql} from 'drizzle-orm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Clock, fixedClock, systemClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {rawRows} from '../../src/services/db/query.js'
import type {AnyDb} from '../../src/services/db/transaction.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {enqueue, enqueueMany, queueEngine, stopQueueEngine} from '../../src/services/queue/queue.js'
import {type EnqueueRequest, QUEUED_JOB_STATES, type QueueEngine, type QueueName, retryDelayRange} from '../../src/services/queue/types.js'
import {tempDir} from './cli.js'
import {type Backend, backend, emptyDb, openTestDb} from './template.js'

const HOUR = 3_600_000

/**
 * Time as the engine sees it. Embedded: the context's fake clock, moved by hand. PostgreSQL: the server's
 * clock, which the timeline reads and waits for.
 */
export interface QueueTimeline {
  /** The clock the engine's context is built with. */
  readonly clock: Clock
  /** The engine's present (epoch ms). */
  now(): Promise<number>
  /**
   * Returns once `job`, due at `runAt`, can be fetched. Embedded: moves the clock to `runAt`. PostgreSQL:
   * waits for the server's clock (an engine may instead move the job's start time to now, given its id).
   */
  waitUntilDue(job: {id: string; runAt: number}): Promise<void>
  /** Returns once at least `ms` have passed on the engine's clock. */
  pass(ms: number): Promise<void>
}

/** The embedded engine's timeline: a fake clock that only moves when told. */
export function fakeClockTimeline(start: number): QueueTimeline {
  const clock = fixedClock(start)
  return {
    clock,
    now: async () => clock.now(),
    async waitUntilDue({runAt}) {
      if (clock.now() < runAt) clock.set(runAt)
    },
    async pass(ms) {
      clock.advance(ms)
    },
  }
}

/** Longest a PostgreSQL timeline waits for the server's clock: the suite keeps its positive waits short. */
const LONGEST_REAL_WAIT = 90_000

/**
 * PostgreSQL's timeline: the server's clock, polled until it reaches the time asked for. A job waiting for its
 * time is made due at once instead: its start time in pg-boss's table moved to the server's now (the wait
 * itself is pg-boss's own `start_after < now()`, which the negative checks an hour away still exercise).
 */
export function serverClockTimeline(db: () => AnyDb): QueueTimeline {
  const now = async () => {
    const [row] = await rawRows<{now: number | string}>(db(), sql`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`)
    return Number(row.now)
  }
  const until = async (at: number) => {
    const first = await now()
    if (at - first > LONGEST_REAL_WAIT) throw new Error(`the suite asked to wait ${at - first} ms on the server's clock; keep real waits short`)
    for (let current = first; current < at; current = await now()) await sleep(Math.min(250, at - current + 1))
  }
  return {
    clock: systemClock,
    now,
    async waitUntilDue({id, runAt}) {
      if (runAt <= (await now())) return
      const moved = await rawRows<{id: string}>(
        db(),
        sql`UPDATE pgboss.job SET start_after = clock_timestamp() - interval '1 millisecond' WHERE id::text = ${id} AND state < 'active' RETURNING id`,
      )
      if (moved.length === 0) await until(runAt)
    },
    async pass(ms) {
      await until((await now()) + ms)
    },
  }
}

export interface QueueHarness {
  ctx: Context
  engine: QueueEngine
  timeline: QueueTimeline
  /** The same database through a second connection (its own engine), sharing the timeline's clock. */
  second(): Promise<QueueEngine>
}

/** A new, empty database of this run's backend with its engine from the facade. */
export async function openQueueHarness(dir: string, name: string, which: Backend = backend()): Promise<QueueHarness & {close(): Promise<void>}> {
  const location = emptyDb(`${dir}/${name}/harbormaster.db`)
  const contexts: Context[] = []
  const contextsDb = () => contexts[0].db
  const timeline = which === 'postgres' ? serverClockTimeline(contextsDb) : fakeClockTimeline(Date.parse('2026-11-24T12:00:00Z'))
  const contextOn = async (): Promise<Context> => {
    const db = await openTestDb(location)
    const ctx: Context = {config: loadConfig({env: {}, dbPath: location, cwd: dir}), db, logger: silentLogger, clock: timeline.clock}
    contexts.push(ctx)
    return ctx
  }
  const ctx = await contextOn()
  return {
    ctx,
    engine: await queueEngine(ctx),
    timeline,
    second: async () => queueEngine(await contextOn()),
    async close() {
      for (const c of contexts.reverse()) {
        await stopQueueEngine(c)
        await c.db.close()
      }
    },
  }
}

/** A canary job (a no-op unless its payload asks otherwise) with what the test gives. */
const canary = (over: Partial<EnqueueRequest> = {}): EnqueueRequest => ({type: 'system:canary', payload: {}, queue: 'default', ...over})

const ids = (jobs: {id: string}[]) => jobs.map((j) => j.id)

/** The contract suite for the engine the facade picks on this run's backend. */
export function queueEngineContract(): void {
  const which = backend()
  describe(`queue engine contract (${which === 'postgres' ? 'pg-boss on PostgreSQL' : 'embedded on SQLite'})`, () => {
    let dir: string
    let cleanup: () => void
    const harnesses: Array<{close(): Promise<void>}> = []
    let made = 0
    beforeAll(() => ({dir, cleanup} = tempDir()))
    afterAll(async () => {
      for (const h of harnesses) await h.close()
      cleanup()
    })
    const open = async () => {
      const h = await openQueueHarness(dir, `db-${++made}`, which)
      harnesses.push(h)
      return h
    }

    it('enqueues now, after a delay and at a time: each job is fetched once it is due and not before', async () => {
      const {ctx, engine, timeline} = await open()
      const t0 = await timeline.now()
      const now = await enqueue(ctx, canary({payload: {note: 'now'}}))
      expect(now).toMatchObject({duplicate: false, type: 'system:canary', queue: 'default'})
      const delayed = await enqueue(ctx, canary({runAt: t0 + 2000}))
      const at = await enqueue(ctx, canary({runAt: Date.parse(new Date(t0 + 3000).toISOString())}))
      const far = await enqueue(ctx, canary({runAt: t0 + HOUR}))
      expect(delayed.runAt).toBe(t0 + 2000)
      expect(far.runAt).toBe(t0 + HOUR)

      expect((await engine.get(far.id))?.state).toBe('scheduled')
      const first = await engine.fetch('default', 10, 'w1')
      expect(ids(first)).toEqual([now.id])
      expect(first[0]).toMatchObject({type: 'system:canary', queue: 'default', attempt: 1, maxRetries: 5, timeoutSeconds: 300})
      expect(first[0].payload).toMatchObject({note: 'now'})
      expect(first[0].payload).toEqual((await engine.get(now.id))?.payload)

      await timeline.waitUntilDue(delayed)
      // One at a time: on a real clock the next job may be due by now too.
      expect(ids(await engine.fetch('default', 1, 'w1'))).toEqual([delayed.id])
      await timeline.waitUntilDue(at)
      expect(ids(await engine.fetch('default', 10, 'w1'))).toEqual([at.id])
      expect(await engine.fetch('default', 10, 'w1')).toEqual([])
      expect(await engine.get(far.id)).toMatchObject({state: 'scheduled', attempts: 0, runAt: t0 + HOUR})
    })

    it('fetches the oldest due jobs first, up to the limit, from the queue asked only', async () => {
      const {ctx, engine, timeline} = await open()
      const t0 = await timeline.now()
      // Enqueued newest first: the order fetched is the order due, not the order enqueued.
      const jobs = []
      for (let k = 1; k <= 5; k++) jobs.unshift(await enqueue(ctx, canary({runAt: t0 - k * 1000})))
      const critical = await enqueue(ctx, canary({queue: 'critical', runAt: t0 - 10_000}))
      expect(ids(await engine.fetch('default', 3, 'w1'))).toEqual(ids(jobs.slice(0, 3)))
      expect(ids(await engine.fetch('default', 10, 'w1'))).toEqual(ids(jobs.slice(3)))
      expect(await engine.fetch('default', 10, 'w1')).toEqual([])
      expect(ids(await engine.fetch('critical', 10, 'w1'))).toEqual([critical.id])
    })

    it('never hands one job to two fetchers on two connections', async () => {
      const {ctx, engine, second} = await open()
      const other = await second()
      const enqueued = await enqueueMany(ctx, Array.from({length: 200}, () => canary()))
      const claimedBy = new Map<string, string>()
      const duplicates: string[] = []
      for (let round = 0; round < 100; round++) {
        const [a, b] = await Promise.all([engine.fetch('default', 7, 'w-a'), other.fetch('default', 7, 'w-b')])
        for (const [worker, jobs] of [['w-a', a], ['w-b', b]] as const) {
          for (const j of jobs) {
            if (claimedBy.has(j.id)) duplicates.push(j.id)
            claimedBy.set(j.id, worker)
          }
        }
        if (a.length === 0 && b.length === 0) break
      }
      expect(duplicates).toEqual([])
      expect([...claimedBy.keys()].sort()).toEqual(ids(enqueued).sort())
      expect(new Set(claimedBy.values())).toEqual(new Set(['w-a', 'w-b']))
      for (const [id, worker] of [...claimedBy].slice(0, 20)) expect(await engine.get(id)).toMatchObject({state: 'active', attempts: 1, workerId: worker})
    })

    it('completes a job: kept with its result and finish time, never fetched again', async () => {
      const {ctx, engine} = await open()
      const job = await enqueue(ctx, canary())
      const [claimed] = await engine.fetch('default', 1, 'w1')
      expect(claimed.id).toBe(job.id)
      expect(await engine.get(job.id)).toMatchObject({state: 'active', workerId: 'w1', attempts: 1})
      expect((await engine.get(job.id))?.startedAt).not.toBeNull()
      await engine.complete(job.id, {ok: true, count: 3})
      const done = await engine.get(job.id)
      expect(done).toMatchObject({state: 'completed', attempts: 1, result: {ok: true, count: 3}, errors: []})
      expect(done?.finishedAt).not.toBeNull()
      expect(await engine.fetch('default', 10, 'w1')).toEqual([])
      expect(await engine.get('999999999')).toBeUndefined()
    })

    it('retries failed attempts after 1, 2, 4, 8 and 16 s (with jitter), then keeps the job in the dead letter with every error', async () => {
      const {ctx, engine, timeline} = await open()
      const job = await enqueue(ctx, canary({maxRetries: 5}))
      let due = {id: job.id, runAt: job.runAt}
      for (let attempt = 1; attempt <= 6; attempt++) {
        await timeline.waitUntilDue(due)
        const [claimed] = await engine.fetch('default', 1, 'w1')
        expect(claimed).toMatchObject({id: job.id, attempt})
        const before = await timeline.now()
        const outcome = await engine.fail(job.id, {message: `boom ${attempt}`, stack: `Error: boom ${attempt}\n    at canary (handler.js:${attempt}:1)`})
        const after = await timeline.now()
        const stored = await engine.get(job.id)
        if (attempt <= 5) {
          expect(outcome.state).toBe('retry')
          const {min, max} = retryDelayRange(attempt)
          expect(outcome.runAt).not.toBeNull()
          const runAt = outcome.runAt as number
          expect(runAt - before).toBeGreaterThanOrEqual(min)
          expect(runAt - after).toBeLessThanOrEqual(max)
          expect(stored).toMatchObject({state: 'retry', attempts: attempt, runAt})
          due = {id: job.id, runAt}
        } else {
          expect(outcome).toEqual({state: 'dead', runAt: null})
          expect(stored).toMatchObject({state: 'dead', attempts: 6, maxRetries: 5, workerId: null})
          expect(stored?.finishedAt).not.toBeNull()
        }
        expect(stored?.errors).toHaveLength(attempt)
        const last = stored?.errors.at(-1)
        expect(last).toMatchObject({attempt, message: `boom ${attempt}`, stack: `Error: boom ${attempt}\n    at canary (handler.js:${attempt}:1)`})
        expect(last?.at).toBeGreaterThanOrEqual(before)
        expect(last?.at).toBeLessThanOrEqual(after)
      }
      const dead = await engine.get(job.id)
      expect(dead?.errors.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5, 6])
      expect(await engine.fetch('default', 10, 'w1')).toEqual([])
      expect(ids(await engine.list({state: 'dead'}))).toEqual([job.id])
    })

    it('retries one dead or retrying job by hand, and every dead job at once, keeping their attempts', async () => {
      const {ctx, engine} = await open()
      const dead1 = await enqueue(ctx, canary({maxRetries: 0}))
      const dead2 = await enqueue(ctx, canary({maxRetries: 0}))
      const retrying = await enqueue(ctx, canary({maxRetries: 3}))
      for (const j of await engine.fetch('default', 3, 'w1')) expect((await engine.fail(j.id, {message: 'no'})).state).toBe(j.id === retrying.id ? 'retry' : 'dead')
      const waiting = await enqueue(ctx, canary({runAt: (await engine.get(retrying.id))!.runAt + HOUR}))

      expect(await engine.retry(waiting.id)).toBe(false)
      expect(await engine.retry('999999999')).toBe(false)
      expect(await engine.retry(retrying.id)).toBe(true)
      expect(await engine.get(retrying.id)).toMatchObject({state: 'pending', attempts: 1})
      expect(await engine.retry(dead1.id)).toBe(true)
      expect(await engine.get(dead1.id)).toMatchObject({state: 'pending', attempts: 1})
      expect((await engine.get(dead1.id))?.errors).toHaveLength(1)
      expect(await engine.retryAllDead()).toBe(1)
      expect(await engine.get(dead2.id)).toMatchObject({state: 'pending', attempts: 1})
      expect(await engine.retryAllDead()).toBe(0)

      const again = await engine.fetch('default', 10, 'w1')
      expect(ids(again).sort()).toEqual([dead1.id, dead2.id, retrying.id].sort())
      expect(again.map((j) => j.attempt)).toEqual([2, 2, 2])
    })

    it('deletes a job once', async () => {
      const {ctx, engine} = await open()
      const job = await enqueue(ctx, canary())
      const kept = await enqueue(ctx, canary())
      expect(await engine.delete(job.id)).toBe(true)
      expect(await engine.get(job.id)).toBeUndefined()
      expect(await engine.delete(job.id)).toBe(false)
      expect(ids(await engine.fetch('default', 10, 'w1'))).toEqual([kept.id])
    })

    it('purges completed or dead jobs that finished before a time, and nothing else', async () => {
      const {ctx, engine, timeline} = await open()
      const finish = async (how: 'complete' | 'dead') => {
        const job = await enqueue(ctx, canary({maxRetries: 0}))
        const [claimed] = await engine.fetch('default', 1, 'w1')
        expect(claimed.id).toBe(job.id)
        if (how === 'complete') await engine.complete(job.id)
        else await engine.fail(job.id, {message: 'no'})
        return job
      }
      const oldDone = await finish('complete')
      const oldDead = await finish('dead')
      await timeline.pass(10)
      const cut = await timeline.now()
      await timeline.pass(10)
      const newDone = await finish('complete')
      const newDead = await finish('dead')
      const waiting = await enqueue(ctx, canary())

      expect(await engine.purge('completed', cut)).toBe(1)
      expect(await engine.get(oldDone.id)).toBeUndefined()
      expect(await engine.get(oldDead.id)).toMatchObject({state: 'dead'})
      expect(await engine.purge('dead', cut)).toBe(1)
      expect(await engine.get(oldDead.id)).toBeUndefined()
      for (const j of [newDone, newDead, waiting]) expect(await engine.get(j.id)).toBeDefined()
      expect(await engine.purge('completed', cut)).toBe(0)
    })

    it('answers a held unique key with the job holding it, and frees the key on completion, dead letter, delete or when its time runs out', async () => {
      const {ctx, engine, timeline} = await open()
      const first = await enqueue(ctx, canary({uniqueKey: 'vessel:244660000'}))
      expect(first.duplicate).toBe(false)
      const again = await enqueue(ctx, canary({uniqueKey: 'vessel:244660000'}))
      expect(again).toMatchObject({id: first.id, duplicate: true})
      const other = await enqueue(ctx, canary({uniqueKey: 'vessel:211331640'}))
      expect(other.duplicate).toBe(false)
      expect(other.id).not.toBe(first.id)
      expect((await engine.get(first.id))?.uniqueKey).toBe('vessel:244660000')

      // Held while active, freed once completed.
      const claimed = await engine.fetch('default', 10, 'w1')
      expect(ids(claimed).sort()).toEqual([first.id, other.id].sort())
      expect(await enqueue(ctx, canary({uniqueKey: 'vessel:244660000'}))).toMatchObject({id: first.id, duplicate: true})
      await engine.complete(first.id)
      const after = await enqueue(ctx, canary({uniqueKey: 'vessel:244660000'}))
      expect(after.duplicate).toBe(false)
      expect(after.id).not.toBe(first.id)

      // Freed by the dead letter.
      const doomed = await enqueue(ctx, canary({queue: 'compliance', uniqueKey: 'k:dead', maxRetries: 0}))
      expect(await enqueue(ctx, canary({queue: 'compliance', uniqueKey: 'k:dead'}))).toMatchObject({id: doomed.id, duplicate: true})
      expect(ids(await engine.fetch('compliance', 10, 'w1'))).toEqual([doomed.id])
      expect((await engine.fail(doomed.id, {message: 'no'})).state).toBe('dead')
      expect((await enqueue(ctx, canary({queue: 'compliance', uniqueKey: 'k:dead'}))).duplicate).toBe(false)

      // Freed by delete.
      const deleted = await enqueue(ctx, canary({uniqueKey: 'k:deleted'}))
      await engine.delete(deleted.id)
      expect((await enqueue(ctx, canary({uniqueKey: 'k:deleted'}))).duplicate).toBe(false)

      // Freed when its time runs out, though the job still waits.
      const timed = await enqueue(ctx, canary({uniqueKey: 'k:timed', uniqueForSeconds: 1, runAt: (await timeline.now()) + HOUR}))
      expect(await enqueue(ctx, canary({uniqueKey: 'k:timed', uniqueForSeconds: 1}))).toMatchObject({id: timed.id, duplicate: true})
      await timeline.pass(1000)
      const fresh = await enqueue(ctx, canary({uniqueKey: 'k:timed', uniqueForSeconds: 1}))
      expect(fresh.duplicate).toBe(false)
      expect(fresh.id).not.toBe(timed.id)
      expect(await engine.get(timed.id)).toMatchObject({state: 'scheduled'})

      // Within one enqueueMany the second of two with one key is the first's duplicate.
      const [a, b] = await enqueueMany(ctx, [canary({uniqueKey: 'k:batch'}), canary({uniqueKey: 'k:batch'})])
      expect(a.duplicate).toBe(false)
      expect(b).toMatchObject({id: a.id, duplicate: true})
    })

    it('releases a claimed job as it was: the attempt is not counted', async () => {
      const {ctx, engine, timeline} = await open()
      const job = await enqueue(ctx, canary({maxRetries: 3}))
      const [claimed] = await engine.fetch('default', 1, 'w1')
      expect(claimed.attempt).toBe(1)
      await engine.release(job.id)
      expect(await engine.get(job.id)).toMatchObject({state: 'pending', attempts: 0, workerId: null, errors: []})
      const [again] = await engine.fetch('default', 1, 'w2')
      expect(again).toMatchObject({id: job.id, attempt: 1})

      // A retry released goes back to waiting with its failed attempt kept and the released one not counted.
      const outcome = await engine.fail(job.id, {message: 'first'})
      await timeline.waitUntilDue({id: job.id, runAt: outcome.runAt as number})
      const [second] = await engine.fetch('default', 1, 'w1')
      expect(second.attempt).toBe(2)
      await engine.release(job.id)
      const released = await engine.get(job.id)
      expect(released).toMatchObject({attempts: 1, workerId: null})
      expect(['pending', 'retry']).toContain(released?.state)
      expect(released?.errors).toHaveLength(1)
      const [third] = await engine.fetch('default', 1, 'w1')
      expect(third).toMatchObject({id: job.id, attempt: 2})
    })

    it('fails the attempts of jobs held by workers that are gone ("worker lost") and leaves live workers\' jobs alone', async () => {
      const {ctx, engine} = await open()
      const once = await enqueue(ctx, canary({maxRetries: 0}))
      const again = await enqueue(ctx, canary({maxRetries: 3}))
      const live = await enqueue(ctx, canary({queue: 'critical'}))
      expect(await engine.fetch('default', 10, 'w-gone')).toHaveLength(2)
      expect(await engine.fetch('critical', 10, 'w-live')).toHaveLength(1)

      expect(await engine.recoverLost(['w-live'])).toBe(2)
      const lostOnce = await engine.get(once.id)
      expect(lostOnce).toMatchObject({state: 'dead', attempts: 1})
      expect(lostOnce?.errors.map((e) => [e.attempt, e.message])).toEqual([[1, 'worker lost']])
      const lostAgain = await engine.get(again.id)
      expect(lostAgain).toMatchObject({state: 'retry', attempts: 1, workerId: null})
      expect(lostAgain?.errors.map((e) => e.message)).toEqual(['worker lost'])
      expect(await engine.get(live.id)).toMatchObject({state: 'active', workerId: 'w-live'})
      expect(await engine.recoverLost(['w-live'])).toBe(0)
    })

    it('enqueues 10,000 jobs in one call', async () => {
      const {ctx, engine} = await open()
      expect(await engine.enqueueMany([])).toEqual([])
      const results = await enqueueMany(
        ctx,
        Array.from({length: 10_000}, (_, k) => canary({payload: {note: `job ${k}`}})),
      )
      expect(results).toHaveLength(10_000)
      expect(new Set(ids(results)).size).toBe(10_000)
      expect(results.every((r) => !r.duplicate && r.queue === 'default' && r.type === 'system:canary')).toBe(true)
      const stats = await engine.stats(1)
      expect(stats.queues.find((q) => q.queue === 'default')?.states.pending).toBe(10_000)
      const sample = await engine.get(results[4321].id)
      expect(sample?.payload).toMatchObject({note: 'job 4321'})
    })

    it('lists jobs by state, queue and type, newest first', async () => {
      const {ctx, engine, timeline} = await open()
      const a = await enqueue(ctx, canary())
      const b = await enqueue(ctx, canary({queue: 'critical'}))
      const c = await enqueue(ctx, {type: 'system:cleanup', payload: {}})
      const later = await enqueue(ctx, canary({runAt: (await timeline.now()) + HOUR}))
      const [claimed] = await engine.fetch('critical', 1, 'w1')
      expect(claimed.id).toBe(b.id)

      expect(ids(await engine.list({state: 'pending'}))).toEqual([c.id, a.id])
      expect(ids(await engine.list({state: 'scheduled'}))).toEqual([later.id])
      expect(ids(await engine.list({state: 'active'}))).toEqual([b.id])
      expect(ids(await engine.list({queue: 'critical'}))).toEqual([b.id])
      expect(ids(await engine.list({type: 'system:cleanup'}))).toEqual([c.id])
      expect(ids(await engine.list({}))).toEqual([later.id, c.id, b.id, a.id])
      expect(ids(await engine.list({limit: 2, offset: 1}))).toEqual([c.id, b.id])
      expect(await engine.list({state: 'dead'})).toEqual([])
    })

    it("pages one queue's jobs in one state by cursor: waiting ones next due first, the others newest first, ties by id", async () => {
      const {ctx, engine, timeline} = await open()
      const t0 = await timeline.now()
      // Enqueued in an order unlike their due times, two due at the same time.
      const pending = []
      for (const s of [5, 1, 3, 3, 4, 2, 7]) pending.push(await enqueue(ctx, canary({runAt: t0 - s * 1000})))
      await enqueue(ctx, canary({queue: 'critical', runAt: t0 - 9000}))
      const scheduled = [await enqueue(ctx, canary({runAt: t0 + 2 * HOUR})), await enqueue(ctx, canary({runAt: t0 + HOUR}))]
      const byId = (a: string, b: string) => (/^\d+$/.test(a) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0)
      const all = async (state: 'pending' | 'scheduled' | 'completed', limit: number) => {
        const seen: string[] = []
        let after
        for (let pages = 0; pages < 20; pages++) {
          const page = await engine.page({queue: 'default', state, limit, after})
          expect(page.jobs.length).toBeLessThanOrEqual(limit)
          seen.push(...ids(page.jobs))
          if (!page.next) return seen
          after = page.next
        }
        throw new Error('the pages never end')
      }
      const due = [...pending].sort((a, b) => a.runAt - b.runAt || byId(a.id, b.id))
      expect(await all('pending', 2)).toEqual(ids(due))
      expect(await all('pending', 7)).toEqual(ids(due))
      expect(await all('scheduled', 1)).toEqual([scheduled[1].id, scheduled[0].id])

      for (const job of await engine.fetch('default', 3, 'w1')) await engine.complete(job.id, {ok: true})
      const done = await Promise.all(due.slice(0, 3).map(async (j) => (await engine.get(j.id))!))
      expect(done.map((j) => j.state)).toEqual(['completed', 'completed', 'completed'])
      const newest = done.sort((a, b) => b.createdAt - a.createdAt || byId(b.id, a.id))
      expect(await all('completed', 2)).toEqual(ids(newest))
      expect(await all('pending', 3)).toEqual(ids(due.slice(3)))
      expect((await engine.page({queue: 'default', state: 'dead', limit: 10})).jobs).toEqual([])
      await expect(engine.page({queue: 'default', state: 'pending', limit: 2, after: {key: 'x', id: 'y'}})).rejects.toThrow(/no page starts after/)
    })

    it('counts jobs per queue and state, the oldest pending age, and jobs processed and attempts failed per minute', async () => {
      const {ctx, engine, timeline} = await open()
      const empty = await engine.stats(5)
      expect(empty.queues.map((q) => q.queue).sort()).toEqual(['analysis', 'compliance', 'critical', 'default'])
      for (const q of empty.queues) {
        expect(Object.keys(q.states).sort()).toEqual([...QUEUED_JOB_STATES].sort())
        expect(Object.values(q.states).every((n) => n === 0)).toBe(true)
        expect(q.oldestPendingMs).toBeNull()
      }

      const done = await enqueue(ctx, canary())
      const failing = await enqueue(ctx, canary({maxRetries: 3}))
      const dead = await enqueue(ctx, canary({maxRetries: 0}))
      for (const j of await engine.fetch('default', 3, 'w1')) {
        if (j.id === done.id) await engine.complete(j.id)
        else await engine.fail(j.id, {message: 'no'})
      }
      const pendingSince = await timeline.now()
      await enqueue(ctx, canary())
      await enqueue(ctx, canary({runAt: pendingSince + HOUR}))
      await enqueue(ctx, canary({queue: 'analysis'}))
      await engine.fetch('analysis', 1, 'w1')
      await timeline.pass(5)

      const stats = await engine.stats(5)
      const byQueue = new Map<QueueName, (typeof stats.queues)[number]>(stats.queues.map((q) => [q.queue, q]))
      expect(byQueue.get('default')?.states).toEqual({scheduled: 1, pending: 1, active: 0, retry: 1, dead: 1, completed: 1})
      expect(byQueue.get('analysis')?.states).toMatchObject({pending: 0, active: 1})
      expect(byQueue.get('critical')?.oldestPendingMs).toBeNull()
      const oldest = byQueue.get('default')?.oldestPendingMs
      expect(oldest).not.toBeNull()
      expect(oldest).toBeGreaterThanOrEqual(5)
      expect((await engine.get(failing.id))?.state).toBe('retry')
      expect((await engine.get(dead.id))?.state).toBe('dead')

      expect(stats.perMinute).toHaveLength(5)
      const minutes = stats.perMinute.map((m) => m.minute)
      expect(minutes).toEqual([...minutes].sort((x, y) => x - y))
      expect(minutes.every((m) => m % 60_000 === 0)).toBe(true)
      expect(stats.perMinute.reduce((n, m) => n + m.processed, 0)).toBe(1)
      expect(stats.perMinute.reduce((n, m) => n + m.failed, 0)).toBe(2)
    })
  })
}
