// The runner stops jobs through their signal and waits for them: a timeout, a pause or a lost lease aborts
// the job's signal, the lease stays held until the work has stopped, and the run is recorded with what it
// did; a run abandoned by a second signal is recorded as cancelled with its lease released.
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {abandonNow, Cancelled} from '../../src/services/cancel.js'
import {systemClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {type Db, openDatabase} from '../../src/services/db/client.js'
import {pauseJobs} from '../../src/services/jobs/control.js'
import {runJob} from '../../src/services/jobs/runner.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {tempDir} from '../helpers/cli.js'

let tmp: ReturnType<typeof tempDir>
let db: Db
let ctx: Context

beforeEach(() => {
  tmp = tempDir()
  const path = join(tmp.dir, 'h.db')
  db = openDatabase(path)
  ctx = {config: loadConfig({env: {HARBORMASTER_JOB_TIMEOUTS: 'usage-report=1', HARBORMASTER_LOCK_LEASE_SECONDS: '3'}, dbPath: path}), db, logger: silentLogger, clock: systemClock}
})
afterEach(() => {
  db.close()
  tmp.cleanup()
})

const leases = () => db.sqlite.prepare('SELECT count(*) AS n FROM job_locks').get() as {n: number}
const runRows = () => db.sqlite.prepare('SELECT status, error, summary FROM job_runs ORDER BY id').all() as Array<{status: string; error: string | null; summary: string | null}>
const aborted = (signal: AbortSignal | undefined) => new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), {once: true}))

describe('runJob', () => {
  it('at its timeout aborts the job, waits for it to stop, and releases the lease only then', async () => {
    let leaseAtAbort = -1
    const outcome = await runJob(ctx, 'usage-report', async (c) => {
      await aborted(c.signal)
      leaseAtAbort = leases().n
      // The work takes its time to reach a boundary; the lease must not be given up meanwhile.
      await new Promise((r) => setTimeout(r, 50))
      return {success: true, rows_done: 7, stopped: true}
    })
    expect(leaseAtAbort).toBe(1)
    expect(outcome).toMatchObject({status: 'timeout', error: 'timed out after 1 s', summary: {rows_done: 7, stopped: true, success: false}})
    expect(leases().n).toBe(0)
    const [row] = runRows()
    expect(row).toMatchObject({status: 'timeout', error: 'timed out after 1 s'})
    expect(JSON.parse(row.summary as string)).toMatchObject({rows_done: 7, stopped: true})
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

  it('an operator\'s stop (the parent signal) ends the run as cancelled', async () => {
    const stop = new AbortController()
    const outcome = await runJob({...ctx, signal: stop.signal}, 'cleanup', async (c) => {
      setImmediate(() => stop.abort(new Cancelled('signal', 'stopped by SIGTERM', 'SIGTERM')))
      await aborted(c.signal)
      return {success: true, stopped: true}
    })
    expect(outcome).toMatchObject({status: 'cancelled', error: 'stopped by SIGTERM'})
    expect(runRows()[0]).toMatchObject({status: 'cancelled'})
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
      db.sqlite.prepare(`UPDATE job_locks SET owner = 'elsewhere:1', host = 'elsewhere', pid = 1 WHERE job = 'cleanup'`).run()
      await aborted(c.signal)
      return {success: true, stopped: true}
    })
    expect(outcome).toMatchObject({status: 'failed', error: 'lost the cleanup lease to elsewhere:1'})
    // Not ours to release: the other owner's row stays.
    expect(db.sqlite.prepare('SELECT owner FROM job_locks').get()).toEqual({owner: 'elsewhere:1'})
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
    expect(runRows()).toMatchObject([{status: 'cancelled', error: 'stopped at once by a second signal'}])
    expect(leases().n).toBe(0)
    expect(abandonNow()).toEqual([])
  })
})
