// What only the pg-boss engine does, on a server of this file's own (the contract suite covers what both
// engines do): hosts starting at once on a new database install pg-boss once and see the same queues, jobs are
// pg-boss's own (its API reads them with our retry settings), and an active job past its timeout plus one
// heartbeat fails its attempt even while its worker lives (pg-boss's expiry), and an enqueue joins the write
// transaction it is made in (through pg-boss's `db` option; the embedded engine's own file checks the same).
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {systemClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {openAnyDatabase} from '../../src/services/db/open.js'
import {write} from '../../src/services/db/transaction.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {enqueue, queueEngine, stopQueueEngine} from '../../src/services/queue/queue.js'
import {tempDir} from '../helpers/cli.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

let server: TestPostgres | null = null
const tmp = tempDir()
const contexts: Context[] = []
let made = 0

beforeAll(async () => {
  server = await postgresForTests()
})

afterAll(async () => {
  for (const ctx of contexts) {
    await stopQueueEngine(ctx)
    await ctx.db.close()
  }
  server?.stop()
  tmp.cleanup()
})

async function newDatabase(): Promise<string> {
  const name = `queue_pg_boss_${++made}`
  const admin = new pg.Client({connectionString: server!.url})
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return databaseUrl(server!.url, name)
}

async function contextOn(url: string, env: Record<string, string> = {}): Promise<Context> {
  const db = await openAnyDatabase(url, {applicationName: 'harbormaster queue tests'})
  const ctx: Context = {config: loadConfig({env, dbPath: url, cwd: tmp.dir}), db, logger: silentLogger, clock: systemClock}
  contexts.push(ctx)
  return ctx
}

describe('the pg-boss engine', () => {
  it('installs pg-boss once when several hosts start at once, and keeps jobs pg-boss itself reads with our retry settings', async (t) => {
    if (!server) return t.skip()
    const url = await newDatabase()
    const hosts = await Promise.all([contextOn(url), contextOn(url), contextOn(url)])
    const engines = await Promise.all(hosts.map((ctx) => queueEngine(ctx)))
    expect(engines.map((e) => e.engine)).toEqual(['pg-boss', 'pg-boss', 'pg-boss'])

    const check = new pg.Client({connectionString: url})
    await check.connect()
    try {
      const {rows: queues} = await check.query(`SELECT name, policy FROM pgboss.queue ORDER BY name`)
      expect(queues).toEqual(['analysis', 'compliance', 'critical', 'default'].map((name) => ({name, policy: 'standard'})))
      const job = await enqueue(hosts[0], {type: 'system:canary', payload: {note: 'seen by pg-boss'}, maxRetries: 4, timeoutSeconds: 60})
      const {rows} = await check.query(`SELECT data, retry_limit, retry_delay, retry_backoff, extract(epoch FROM expire_in)::int AS expire_seconds FROM pgboss.job WHERE id = $1`, [job.id])
      expect(rows).toEqual([
        {
          data: {type: 'system:canary', payload: expect.objectContaining({note: 'seen by pg-boss'}), timeout_seconds: 60},
          retry_limit: 4,
          retry_delay: 1,
          retry_backoff: true,
          // The job's timeout and one heartbeat (HARBORMASTER_WORKER_HEARTBEAT_SECONDS, 30 by default).
          expire_seconds: 90,
        },
      ])
      // Every host sees the job one of them enqueued.
      for (const engine of engines) expect(await engine.get(job.id)).toMatchObject({state: 'pending', payload: {note: 'seen by pg-boss'}})
    } finally {
      await check.end()
    }
  })

  it("fails the attempt of a job active past its timeout and one heartbeat, though its worker lives (pg-boss's expiry)", async (t) => {
    if (!server) return t.skip()
    const url = await newDatabase()
    const ctx = await contextOn(url, {HARBORMASTER_WORKER_HEARTBEAT_SECONDS: '5'})
    const engine = await queueEngine(ctx)
    const stuck = await enqueue(ctx, {type: 'system:canary', payload: {}, maxRetries: 2, timeoutSeconds: 10})
    const fine = await enqueue(ctx, {type: 'system:canary', payload: {}, maxRetries: 2, timeoutSeconds: 3600})
    expect(await engine.fetch('default', 10, 'w-live')).toHaveLength(2)
    expect(await engine.recoverLost(['w-live'])).toBe(0)

    // Both started an hour ago, as far as the server's clock is concerned.
    const check = new pg.Client({connectionString: url})
    await check.connect()
    try {
      await check.query(`UPDATE pgboss.job SET started_on = started_on - interval '1 hour'`)
    } finally {
      await check.end()
    }
    expect(await engine.recoverLost(['w-live'])).toBe(1)
    const expired = await engine.get(stuck.id)
    expect(expired).toMatchObject({state: 'retry', attempts: 1, workerId: null})
    expect(expired?.errors.map((e) => [e.attempt, e.message])).toEqual([[1, 'timed out: active longer than its timeout of 10 s and a heartbeat of 5 s']])
    expect(await engine.get(fine.id)).toMatchObject({state: 'active', workerId: 'w-live'})
    expect(await engine.recoverLost(['w-live'])).toBe(0)
  })
  it('commits an enqueue with the write transaction it was made in, and rolls it back with it', async (t) => {
    if (!server) return t.skip()
    const ctx = await contextOn(await newDatabase())
    const engine = await queueEngine(ctx)
    const kept = await write(ctx.db, async () => enqueue(ctx, {type: 'system:canary', payload: {note: 'kept'}, uniqueKey: 'k:kept'}))
    const lost = await write(ctx.db, async () => {
      const jobs = [await enqueue(ctx, {type: 'system:canary', payload: {note: 'lost'}}), await enqueue(ctx, {type: 'system:canary', payload: {}, uniqueKey: 'k:lost'})]
      for (const job of jobs) expect(await engine.get(job.id)).toBeDefined()
      throw new Error('the work that caused the job failed')
    }).catch((error: Error) => error)
    expect((lost as Error).message).toBe('the work that caused the job failed')
    const jobs = await engine.list({})
    expect(jobs.map((j) => j.id)).toEqual([kept.id])
    expect(jobs[0].payload).toMatchObject({note: 'kept'})
    expect((await enqueue(ctx, {type: 'system:canary', payload: {}, uniqueKey: 'k:lost'})).duplicate).toBe(false)
  })
})
