// Long runs through the real CLI, on a capture large enough that an ingest holding the event loop would
// hold it for many seconds: a timeout and SIGTERM stop the ingest at its next batch boundary, a live owner's
// lease is renewed and never reclaimed, runs killed with kill -9 are counted as crashes, the HTTP API
// answers during an ingest, and memory stays bounded whatever the capture's size.
import {rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {type CaptureFile, writeCapture} from '../helpers/captures.js'
import {count, runCli, tempDir, type WatchedCli, watchCli, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {seededDb} from '../helpers/template.js'

const NOW = Math.floor(Date.now() / 1000) * 1000
const tmp = tempDir()
afterAll(() => tmp.cleanup())
// A test that fails before it stops its process leaves none running behind it.
const processes: WatchedCli[] = []
const watch = (...args: Parameters<typeof watchCli>): WatchedCli => {
  const run = watchCli(...args)
  processes.push(run)
  return run
}
afterEach(() => {
  for (const run of processes.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
})
let n = 0
const freshDb = () => seededDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))

// 1.5 million real sentences, a second apart: tens of seconds of ingest on this machine, so every stop
// below lands in the middle of it; read whole, their lines alone would not fit in a 128 MB heap.
let capture: CaptureFile
beforeAll(() => {
  capture = writeCapture(join(tmp.dir, 'long.nmea'), {firstSecond: Math.floor(NOW / 1000) - 2_000_000, lines: 1_500_000})
})

const envFor = (extra: Record<string, string> = {}) => ({
  HARBORMASTER_AIS_SOURCE: `nmea-file:${capture.path}`,
  HARBORMASTER_NOW: new Date(NOW).toISOString(),
  ...extra,
})
const livePositions = (db: string) => count(db, `SELECT count(*) FROM vessel_positions WHERE source = 'live'`)

/** Waits until the run has committed a batch of new positions (read from the database, as a monitor would). */
async function firstBatch(db: string, run: WatchedCli, storedBefore = 0): Promise<void> {
  let ended = false
  void run.done.then(() => (ended = true))
  while (livePositions(db) <= storedBefore) {
    if (ended) throw new Error(`the run ended before committing a batch: ${(await run.done).stderr.slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
const runs = (db: string) => withDb(db, (d) => d.prepare(`SELECT id, status, error, summary FROM job_runs WHERE job = 'vessels' ORDER BY id`).all()) as Array<{id: number; status: string; error: string | null; summary: string | null}>
const integrity = (db: string) => withDb(db, (d) => d.pragma('integrity_check', {simple: true}))

describe('stopping a long ingest', () => {
  it('a timeout stops it at the next batch boundary: recorded as timed out with what it stored, the lease released after', async () => {
    const db = freshDb()
    const run = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: envFor({HARBORMASTER_JOB_TIMEOUTS: 'vessels=1'})})
    expect(run.code, run.stderr).toBe(1)
    expect(run.stderr).toMatch(/WARNING timed out after 1 s: stopping at the next batch boundary/)
    expect(run.stderr).toMatch(/ERROR timed out: timed out after 1 s \(job=vessels/)
    const job = JSON.parse(run.stdout).jobs.vessel_positions
    expect(job).toMatchObject({status: 'timeout', stopped: true, success: false, error: 'timed out after 1 s', source: 'live'})
    // What the summary says was stored is what the database holds: whole batches, and far from all of it.
    expect(job.positions_stored).toBe(livePositions(db))
    expect(job.messages).toBeLessThan(capture.lines)
    const [recorded] = runs(db)
    expect(recorded).toMatchObject({status: 'timeout', error: 'timed out after 1 s'})
    expect(JSON.parse(recorded.summary as string)).toMatchObject({positions_stored: job.positions_stored, stopped: true})
    expect(count(db, 'SELECT count(*) FROM job_locks')).toBe(0)
    expect(integrity(db)).toBe('ok')
  })

  it('SIGTERM stops it at the next batch boundary, prints the summary of what was done, and exits 143', async () => {
    const db = freshDb()
    const run = watch(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: envFor()})
    await firstBatch(db, run)
    run.child.kill('SIGTERM')
    const result = await run.done
    expect(result.code, result.stderr).toBe(143)
    expect(result.stderr).toMatch(/INFO ingest progress: \d+ positions stored from \d+ messages \(1 batches committed\)/)
    expect(result.stderr).toMatch(/WARNING SIGTERM received: stopping at the next batch boundary/)
    expect(result.stderr).toMatch(/nmea-file: \d+ positions stored, \d+ vessels updated before the run was stopped/)
    const summary = JSON.parse(result.stdout)
    expect(summary.total_success).toBe(false)
    expect(summary.jobs.vessel_positions).toMatchObject({status: 'cancelled', stopped: true, error: 'stopped by SIGTERM'})
    expect(summary.jobs.vessel_positions.positions_stored).toBe(livePositions(db))
    expect(summary.jobs.vessel_positions.messages).toBeLessThan(capture.lines)
    expect(runs(db)).toMatchObject([{status: 'cancelled', error: 'stopped by SIGTERM'}])
    expect(count(db, 'SELECT count(*) FROM job_locks')).toBe(0)
    expect(integrity(db)).toBe('ok')
  })

  it('SIGINT does the same and exits 130; the jobs not yet begun are reported as not started', async () => {
    const db = freshDb()
    const run = watch(['run-background-jobs', '--json', '--db', db], {env: envFor()})
    await firstBatch(db, run)
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code, result.stderr).toBe(130)
    const {jobs} = JSON.parse(result.stdout)
    expect(jobs.vessel_positions).toMatchObject({status: 'cancelled', error: 'stopped by SIGINT'})
    expect(jobs.port_congestion).toMatchObject({status: 'cancelled', error: 'not started: stopped by SIGINT'})
    expect(jobs.safety_events).toMatchObject({status: 'cancelled', error: 'not started: stopped by SIGINT'})
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job != 'vessels'`)).toBe(0)
  })

  it('a second SIGTERM exits 143 without waiting, and never leaves the run running or its lease held', async () => {
    const db = freshDb()
    const run = watch(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: envFor()})
    await firstBatch(db, run)
    run.child.kill('SIGTERM')
    run.child.kill('SIGTERM')
    const result = await run.done
    expect(result.code, result.stderr).toBe(143)
    // Whether the second signal came before the first had stopped the ingest or after, the record is whole.
    const [recorded] = runs(db)
    expect(recorded.status).toBe('cancelled')
    if (/received again: exiting now/.test(result.stderr)) {
      expect(result.stderr).toMatch(new RegExp(`received again: exiting now \\(vessels run ${recorded.id} recorded as cancelled\\)`))
      expect(recorded.error).toBe('stopped at once by a second signal')
    }
    expect(count(db, 'SELECT count(*) FROM job_locks')).toBe(0)
    expect(integrity(db)).toBe('ok')
  })
})

describe('leases during a long ingest', () => {
  it('the heartbeat renews a live owner\'s lease through the ingest: a second run skips, it never reclaims', async () => {
    const db = freshDb()
    // The real clock here: lease expiry is measured by it. A 2 s lease, renewed every second.
    const env = {...envFor({HARBORMASTER_LOCK_LEASE_SECONDS: '2'}), HARBORMASTER_NOW: undefined}
    const first = watch(['run-background-jobs', '--job', 'vessels', '--db', db], {env})
    await firstBatch(db, first)
    const lease = () => withDb(db, (d) => d.prepare(`SELECT owner, acquired_at, heartbeat_at, lease_expires_at FROM job_locks WHERE job = 'vessels'`).get()) as {owner: string; acquired_at: number; heartbeat_at: number; lease_expires_at: number}
    const taken = lease()
    expect(taken.owner).toMatch(new RegExp(`:${first.child.pid}$`))
    // The lease as first taken runs out at firstExpiry: an owner whose heartbeat had stopped would lose it then.
    const firstExpiry = taken.acquired_at + 2000
    while (lease().lease_expires_at <= firstExpiry) await new Promise((r) => setTimeout(r, 50))
    // Renewed by its heartbeat. A second run looks at the moment the lease as first taken runs out: the
    // owner is alive and its lease, as renewed, in force.
    const renewed = lease()
    expect(renewed.owner).toBe(taken.owner)
    expect(renewed.heartbeat_at).toBeGreaterThan(taken.acquired_at)
    const second = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db], {env: {...env, HARBORMASTER_NOW: new Date(firstExpiry + 1).toISOString()}})
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toMatch(new RegExp(`skipped: vessels is running \\(.+:${first.child.pid}, since `))
    expect(second.stderr).not.toMatch(/reclaiming/)
    first.child.kill('SIGTERM')
    expect((await first.done).code).toBe(143)
    expect(runs(db).map((r) => r.status)).toEqual(['cancelled', 'skipped'])
  })
})

describe('crash accounting', () => {
  it('runs killed with kill -9 are crashes: counted in failures in a row, flagged by health, recorded by jobs list and the next run', async () => {
    const db = freshDb()
    for (let i = 0; i < 3; i++) {
      const before = livePositions(db)
      const run = watch(['run-background-jobs', '--job', 'vessels', '--db', db], {env: envFor()})
      await firstBatch(db, run, before)
      run.child.kill('SIGKILL')
      expect((await run.done).signal).toBe('SIGKILL')
    }
    expect(runs(db).map((r) => r.status)).toEqual(['crashed', 'crashed', 'running'])
    // The first two were found out by the runs after them; health sees the third without writing anything.
    const health = await runInProcess(['health', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(NOW).toISOString()}})
    const report = JSON.parse(health.stdout)
    expect(report.overall_status).toBe('unhealthy')
    expect(report.components.jobs.checks).toContainEqual({job: 'vessels', check: 'failures', status: 'unhealthy', reason: '3 failed run(s) in a row'})
    const crashed = report.components.jobs.checks.find((c: {check: string}) => c.check === 'crashed')
    expect(crashed).toMatchObject({job: 'vessels', status: 'degraded'})
    expect(crashed.reason).toMatch(/^run \d+ started .+ crashed: process .+:\d+ is gone/)
    expect(report.components.recent_activity.reason).toMatch(/last run failed: vessels/)
    expect(runs(db).at(-1)?.status).toBe('running')

    const list = await runInProcess(['jobs', 'list', '--json', '--db', db])
    expect(list.stderr).toMatch(/WARNING run \d+ of vessels \(started .+\) crashed: process .+ is gone/)
    const vessels = JSON.parse(list.stdout).jobs.find((j: {job: string}) => j.job === 'vessels')
    expect(vessels).toMatchObject({last_status: 'crashed', consecutive_failures: 3})
    expect(runs(db).map((r) => r.status)).toEqual(['crashed', 'crashed', 'crashed'])
    for (const r of runs(db)) expect(r.error).toMatch(/^crashed: process .+:\d+ is gone \(last heartbeat /)

    // One more crash, found out by the next run, which reclaims the lease and succeeds: the streak ends.
    const before = livePositions(db)
    const run = watch(['run-background-jobs', '--job', 'vessels', '--db', db], {env: envFor()})
    await firstBatch(db, run, before)
    run.child.kill('SIGKILL')
    await run.done
    const next = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db], {env: {HARBORMASTER_AIS_SOURCE: 'sample'}})
    expect(next.code, next.stderr).toBe(0)
    expect(next.stderr).toMatch(/WARNING run \d+ of vessels .* crashed: process .+ is gone/)
    expect(next.stderr).toMatch(/reclaiming the vessels lease from .+ \(reason=process gone/)
    expect(runs(db).map((r) => r.status)).toEqual(['crashed', 'crashed', 'crashed', 'crashed', 'success'])
    const after = JSON.parse((await runInProcess(['jobs', 'list', '--json', '--db', db])).stdout).jobs.find((j: {job: string}) => j.job === 'vessels')
    expect(after).toMatchObject({last_status: 'success', consecutive_failures: 0})
  })
})

describe('the HTTP API during a long ingest', () => {
  it('answers health while serve runs the ingest in the background, and SIGTERM stops the run at a batch boundary', async () => {
    const db = freshDb()
    const token = 'bootstrap-admin-token-0123456789'
    const serve = watch(['serve', '--port', '0', '--db', db], {env: envFor({HARBORMASTER_ADMIN_TOKEN: token})})
    const [, base] = await serve.stderrMatching(/listening on (http:\/\/[\d.:]+)/)
    const started = await fetch(`${base}/api/jobs/run/?job=vessels`, {method: 'POST', headers: {authorization: `Bearer ${token}`}})
    expect(started.status).toBe(202)
    const {run_id: runId} = (await started.json()) as {run_id: number}
    await firstBatch(db, serve)
    const health = await fetch(`${base}/api/system/health/`)
    expect([200, 503]).toContain(health.status)
    expect(((await health.json()) as {overall_status: string}).overall_status).toMatch(/healthy|degraded|unhealthy/)
    // Answered while the ingest was still going: the run is not finished.
    const status = (await (await fetch(`${base}/api/jobs/runs/${runId}/`, {headers: {authorization: `Bearer ${token}`}})).json()) as {status: string}
    expect(status.status).toBe('running')
    serve.child.kill('SIGTERM')
    const result = await serve.done
    expect(result.code, result.stderr).toBe(0)
    expect(runs(db)).toMatchObject([{status: 'cancelled', error: 'stopped by SIGTERM'}])
    expect(count(db, 'SELECT count(*) FROM job_locks')).toBe(0)
  })
})

describe('a streamed capture that holds no AIS', () => {
  it('is a source failure found at its end, before anything was stored: the database serves (fallback)', async () => {
    const db = freshDb()
    const empty = join(tmp.dir, 'no-ais.nmea')
    writeFileSync(empty, `${Array.from({length: 10}, () => '$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76').join('\n')}\n`)
    const run = await runInProcess(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: {...envFor(), HARBORMASTER_AIS_SOURCE: `nmea-file:${empty}`}})
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).jobs.vessel_positions).toMatchObject({
      source: 'fallback',
      provider: 'database',
      fallback_reason: `NMEA file ${empty} held no decodable AIS messages (10 lines)`,
    })
  })
})

describe('memory', () => {
  // The one test whose work is large by design (all 1.5 million lines): minutes on a busy machine, so its
  // hang limit is its own.
  it('a long capture streams through a 128 MB heap within 200 MB of resident memory', {timeout: 600_000}, async () => {
    const db = freshDb()
    const run = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: envFor(), nodeArgs: ['--max-old-space-size=128']})
    expect(run.code, run.stderr).toBe(0)
    const job = JSON.parse(run.stdout).jobs.vessel_positions
    expect(job.messages).toBe(capture.lines)
    expect(job.positions_stored).toBe(livePositions(db))
    const peak = count(db, `SELECT peak_rss_bytes FROM job_runs WHERE job = 'vessels' AND status = 'success'`)
    expect(peak / 1024 / 1024, `peak RSS ${Math.round(peak / 1024 / 1024)} MB for a ${Math.round(capture.bytes / 1024 / 1024)} MB capture`).toBeLessThan(200)
  })

  // A gigabyte takes minutes to ingest on a two-core machine; run it with HARBORMASTER_TEST_GIGABYTE=1.
  it.runIf(process.env.HARBORMASTER_TEST_GIGABYTE === '1')('a 1 GB capture passes under a 128 MB heap', async () => {
    const db = freshDb()
    const big = writeCapture(join(tmp.dir, 'gigabyte.nmea'), {firstSecond: Math.floor(NOW / 1000) - 20_000_000, bytes: 1024 ** 3})
    try {
      expect(statSync(big.path).size).toBeGreaterThanOrEqual(1024 ** 3)
      const run = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {
        env: {...envFor(), HARBORMASTER_AIS_SOURCE: `nmea-file:${big.path}`, HARBORMASTER_JOB_TIMEOUTS: 'vessels=7200'},
        nodeArgs: ['--max-old-space-size=128'],
      })
      expect(run.code, run.stderr).toBe(0)
      const job = JSON.parse(run.stdout).jobs.vessel_positions
      expect(job.messages).toBe(big.lines)
      const peak = count(db, `SELECT peak_rss_bytes FROM job_runs WHERE job = 'vessels' AND status = 'success'`)
      console.log(`1 GB capture: ${big.lines} lines, peak RSS ${Math.round(peak / 1024 / 1024)} MB`)
      expect(peak / 1024 / 1024).toBeLessThan(200)
    } finally {
      rmSync(big.path, {force: true})
    }
  }, 60 * 60_000)
})
