// The runner on both databases: it stops jobs through their signal and waits for them (a timeout, a pause or a
// lost lease aborts the job's signal, the lease stays held until the work has stopped, and the run is recorded
// with what it did); a run abandoned by a second signal is recorded as cancelled with its lease released;
// runs, skips, crashes and pauses are recorded and read back (history, job list, failures in a row) alike.
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {sql} from 'drizzle-orm'
import pg from 'pg'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {BackgroundTasks} from '../../src/services/api/background.js'
import {taskStatus} from '../../src/services/api/jobs.js'
import {abandonNow, Cancelled} from '../../src/services/cancel.js'
import {systemClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {openDatabase} from '../../src/services/db/client.js'
import {runHistory} from '../../src/services/db/job-runs.js'
import {openPostgres} from '../../src/services/db/pg-client.js'
import {rawExec, rawRows} from '../../src/services/db/query.js'
import type {AnyDb} from '../../src/services/db/transaction.js'
import {listPauses, pauseJobs, resumeJobs} from '../../src/services/jobs/control.js'
import {runJob} from '../../src/services/jobs/runner.js'
import {consecutiveFailures} from '../../src/services/jobs/runs.js'
import {jobHistory, jobStatuses} from '../../src/services/jobs/status.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {tempDir} from '../helpers/cli.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

const aborted = (signal: AbortSignal | undefined) => new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), {once: true}))

/** Waits until `check` holds (what another connection sends without waiting arrives in its own time). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(20)
}

function runnerRules(open: () => Promise<{db: AnyDb; location: string}>) {
  let db: AnyDb
  let ctx: Context

  beforeEach(async () => {
    const opened = await open()
    db = opened.db
    ctx = {config: loadConfig({env: {HARBORMASTER_JOB_TIMEOUTS: 'usage-report=1', HARBORMASTER_LOCK_LEASE_SECONDS: '3'}, dbPath: opened.location}), db, logger: silentLogger, clock: systemClock}
  })
  afterEach(async () => {
    if (db.dialect === 'sqlite') db.close()
    else await db.close()
  })

  const leases = async () => Number((await rawRows<{n: number | string}>(db, sql`SELECT count(*) AS n FROM job_locks`))[0].n)
  const runRows = async () => (await runHistory(db, {limit: 100})).reverse()

  it('at its timeout aborts the job, waits for it to stop, and releases the lease only then', async () => {
    let leaseAtAbort = -1
    const outcome = await runJob(ctx, 'usage-report', async (c) => {
      await aborted(c.signal)
      leaseAtAbort = await leases()
      // The work takes its time to reach a boundary; the lease must not be given up meanwhile.
      await sleep(50)
      return {success: true, rows_done: 7, stopped: true}
    })
    expect(leaseAtAbort).toBe(1)
    expect(outcome).toMatchObject({status: 'timeout', error: 'timed out after 1 s', summary: {rows_done: 7, stopped: true, success: false}})
    expect(await leases()).toBe(0)
    const [row] = await runRows()
    expect(row).toMatchObject({status: 'timeout', error: 'timed out after 1 s', summary: {rows_done: 7, stopped: true, attempts: 1}})
  })

  it('a job that throws when stopped is recorded by why it was stopped, not as a failure, and is not retried', async () => {
    let calls = 0
    const outcome = await runJob(ctx, 'usage-report', async (c) => {
      calls++
      await aborted(c.signal)
      throw c.signal?.reason
    })
    expect(calls).toBe(1)
    expect(outcome).toMatchObject({status: 'timeout', attempts: 1})
  })

  it('a job that finishes its work although asked to stop succeeded', async () => {
    const outcome = await runJob(ctx, 'usage-report', async (c) => {
      await aborted(c.signal)
      return {success: true, rows_done: 9}
    })
    expect(outcome).toMatchObject({status: 'success', summary: {rows_done: 9}})
  })

  it("an operator's stop (the parent signal) ends the run as cancelled", async () => {
    const stop = new AbortController()
    const outcome = await runJob({...ctx, signal: stop.signal}, 'cleanup', async (c) => {
      setImmediate(() => stop.abort(new Cancelled('signal', 'stopped by SIGTERM', 'SIGTERM')))
      await aborted(c.signal)
      return {success: true, stopped: true}
    })
    expect(outcome).toMatchObject({status: 'cancelled', error: 'stopped by SIGTERM'})
    expect((await runRows())[0]).toMatchObject({status: 'cancelled'})
  })

  it('a pause made while the job runs stops it at its next check', async () => {
    const outcome = await runJob(ctx, 'cleanup', async (c) => {
      await pauseJobs(ctx, 'cleanup', 'disk replacement')
      await aborted(c.signal)
      return {success: true, stopped: true}
    })
    expect(outcome.status).toBe('cancelled')
    expect(outcome.error).toMatch(/^cleanup is paused by .+: disk replacement$/)
  })

  it('a lease taken by another owner stops the job; the run fails saying so', async () => {
    const outcome = await runJob(ctx, 'cleanup', async (c) => {
      await rawExec(db, sql`UPDATE job_locks SET owner = 'elsewhere:1', host = 'elsewhere', pid = 1 WHERE job = 'cleanup'`)
      await aborted(c.signal)
      return {success: true, stopped: true}
    })
    expect(outcome).toMatchObject({status: 'failed', error: 'lost the cleanup lease to elsewhere:1'})
    // Not ours to release: the other owner's row stays.
    expect(await rawRows(db, sql`SELECT owner FROM job_locks`)).toEqual([{owner: 'elsewhere:1'}])
  })

  it('abandoned at once (a second signal): the run in progress is recorded as cancelled and its lease released', async () => {
    let begun!: () => void
    const started = new Promise<void>((resolve) => (begun = resolve))
    void runJob(ctx, 'cleanup', async () => {
      begun()
      // Work that would go on: the process exits before it ends.
      return new Promise<never>(() => undefined)
    })
    await started
    const notes = abandonNow()
    expect(notes).toEqual([expect.stringMatching(/^cleanup run \d+ recorded as cancelled$/)])
    // Done before abandonNow returns on SQLite; sent without waiting on PostgreSQL.
    if (db.dialect === 'postgres') await eventually(async () => (await leases()) === 0 && (await runRows())[0]?.status === 'cancelled')
    expect(await runRows()).toMatchObject([{status: 'cancelled', error: 'stopped at once by a second signal'}])
    expect(await leases()).toBe(0)
    expect(abandonNow()).toEqual([])
  })

  it('records each run with its summary and attempts, retries a failure, and history and the job list read them back', async () => {
    const ok = await runJob(ctx, 'usage-report', async () => ({success: true, rows_done: 3}))
    expect(ok).toMatchObject({status: 'success', attempts: 1, runId: expect.any(Number)})
    let calls = 0
    const failed = await runJob({...ctx, config: {...ctx.config, jobRetryBaseMs: 1}}, 'usage-report', async () => {
      calls++
      throw new Error('provider down')
    })
    // usage-report is low priority: one retry.
    expect(calls).toBe(2)
    expect(failed).toMatchObject({status: 'failed', error: 'provider down', attempts: 2})
    const history = await jobHistory(ctx, {job: 'usage-report'})
    expect(history.map((r) => r.status)).toEqual(['failed', 'success'])
    expect(history[1]).toMatchObject({job: 'usage-report', trigger: 'cli', host: ctx.config.host, pid: process.pid, error: null, summary: {success: true, rows_done: 3, attempts: 1}})
    expect(history[0]).toMatchObject({error: 'provider down', summary: null})
    expect(history[1].duration_seconds).toEqual(expect.any(Number))
    expect(history[1].started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(await consecutiveFailures(ctx, 'usage-report')).toBe(1)
    const listed = (await jobStatuses(ctx)).find((j) => j.job === 'usage-report')
    expect(listed).toMatchObject({last_status: 'failed', consecutive_failures: 1, paused: null})
  })

  it('a paused job is skipped and the skip recorded; pauses list in name order and resume lifts them', async () => {
    await pauseJobs(ctx, 'vessels', 'feed broken')
    const pauses = await pauseJobs(ctx, undefined, 'migration')
    expect(pauses.map((p) => p.job)).toEqual(['*', 'vessels'])
    const skipped = await runJob(ctx, 'cleanup', async () => ({success: true}))
    expect(skipped).toMatchObject({status: 'skipped', skipReason: expect.stringMatching(/^cleanup is paused by .+: migration$/)})
    expect((await runRows()).map((r) => [r.job, r.status])).toEqual([['cleanup', 'skipped']])
    expect((await jobStatuses(ctx)).every((j) => j.paused?.endsWith(': migration'))).toBe(true)
    expect(await resumeJobs(ctx, undefined)).toEqual({resumed: ['*', 'vessels']})
    expect(await listPauses(ctx)).toEqual([])
    await expect(resumeJobs(ctx, 'vessels')).rejects.toThrow('vessels is not paused')
  })

  it('a run left running whose lease is gone is recorded as crashed by the next look, and counted as a failure', async () => {
    const [{id}] = await rawRows<{id: number}>(
      db,
      sql`INSERT INTO job_runs (job, status, started_at, host, pid, trigger) VALUES ('cleanup', 'running', ${Date.now() - 60_000}, 'elsewhere', 1, 'cli') RETURNING id`,
    )
    expect(await consecutiveFailures(ctx, 'cleanup')).toBe(1)
    const history = await jobHistory(ctx, {job: 'cleanup'})
    expect(history).toMatchObject([{id: Number(id), status: 'crashed', error: 'crashed: elsewhere:1 stopped without recording an end, and its lease is gone'}])
    expect((await jobStatuses(ctx)).find((j) => j.job === 'cleanup')).toMatchObject({last_status: 'crashed', consecutive_failures: 1})
  })

  it('a task started over HTTP is recorded running, then with its outcome; a task that throws is recorded failed', async () => {
    const tasks = new BackgroundTasks(ctx)
    let finish!: () => void
    const held = new Promise<void>((resolve) => (finish = resolve))
    const id = await tasks.start({kind: 'jobs', target: 'vessels', requestedBy: 'ada'}, async () => {
      await held
      return {status: 'success', result: {total_success: true}}
    })
    expect(await taskStatus(ctx, id)).toMatchObject({id, kind: 'jobs', target: 'vessels', status: 'running', requested_by: 'ada', completed_at: null})
    finish()
    const broken = await tasks.start({kind: 'refresh', target: 'nws', requestedBy: 'ada'}, async () => {
      throw new Error('no answer')
    })
    await tasks.drain()
    expect(await taskStatus(ctx, id)).toMatchObject({status: 'success', summary: {total_success: true}, completed_at: expect.stringMatching(/Z$/)})
    expect(await taskStatus(ctx, broken)).toMatchObject({kind: 'refresh', status: 'failed', error: 'no answer'})
    expect(await taskStatus(ctx, broken + 1)).toBeUndefined()
  })
}

describe('SQLite', () => {
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())
  let n = 0
  runnerRules(async () => {
    const location = join(tmp.dir, `runner-${++n}.db`)
    return {db: openDatabase(location), location}
  })
})

describe('PostgreSQL', () => {
  let server: TestPostgres | null = null
  let n = 0
  const admin = async (statement: string) => {
    if (!server) throw new Error('PostgreSQL is not installed: skipped')
    const client = new pg.Client({connectionString: server.url})
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  beforeAll(async () => {
    server = await postgresForTests()
    if (!server) return
    // Migrated once; each test clones it.
    await admin('CREATE DATABASE runner_template')
    const template = await openPostgres(databaseUrl(server.url, 'runner_template'), {applicationName: 'harbormaster runner test'})
    await template.close()
  })
  afterAll(() => server?.stop())
  runnerRules(async () => {
    await admin(`CREATE DATABASE runner_${++n} TEMPLATE runner_template`)
    const location = databaseUrl((server as TestPostgres).url, `runner_${n}`)
    return {db: await openPostgres(location, {applicationName: 'harbormaster runner test'}), location}
  })
})
