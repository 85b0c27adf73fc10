// The emergency stop and the run history through the real CLI, on either database: a pause of all jobs makes
// `jobs run-due` skip every due job and record each skip, `jobs list` and `jobs history` show it, `jobs resume`
// lifts it; the API starts a run of the seed jobs in the background and reports how it went.
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {count, tempDir, type WatchedCli, watchCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb} from '../helpers/template.js'

const NOW = '2026-11-24T12:00:00.000Z'
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
const JOBS = ['vessels', 'ports', 'safety', 'behaviour', 'backup', 'maintain', 'cleanup', 'usage-report', 'health-check', 'profile-refresh', 'quota-monitor', 'quota-reset', 'archive', 'weekly-summary']
/** The order run-due runs them in: each one's dependencies first (backup after usage-report, profile-refresh after backup). */
const DUE_ORDER = ['vessels', 'ports', 'safety', 'behaviour', 'usage-report', 'backup', 'maintain', 'cleanup', 'health-check', 'profile-refresh', 'quota-monitor', 'quota-reset', 'archive', 'weekly-summary']

describe('the emergency stop', () => {
  it('pause --all: run-due skips every due job and records each skip; list and history show it; resume lifts it', async () => {
    const db = freshDb()
    const env = {HARBORMASTER_NOW: NOW}
    const paused = await runInProcess(['jobs', 'pause', '--all', '--reason', 'database migration', '--json', '--db', db], {env})
    expect(paused.code, paused.stderr).toBe(0)
    expect(JSON.parse(paused.stdout)).toEqual({pauses: [{job: '*', by: expect.stringMatching(/^.+@.+$/), reason: 'database migration', since: NOW}]})

    const due = await runInProcess(['jobs', 'run-due', '--json', '--db', db], {env})
    expect(due.code, due.stderr).toBe(0)
    const {ran} = JSON.parse(due.stdout) as {ran: Array<{job: string; status: string; reason?: string}>}
    expect(ran.map((r) => r.job)).toEqual(DUE_ORDER)
    for (const r of ran) expect(r).toEqual({job: r.job, status: 'skipped', reason: expect.stringMatching(new RegExp(`^${r.job} is paused by .+ since ${NOW}: database migration$`))})

    const history = JSON.parse((await runInProcess(['jobs', 'history', '--json', '--db', db], {env})).stdout).runs as Array<Record<string, unknown>>
    // Newest first: every skip was at the same (fake) time, so the later id first.
    expect(history.map((r) => r.job)).toEqual([...DUE_ORDER].reverse())
    for (const r of history) {
      expect(r).toMatchObject({status: 'skipped', started_at: NOW, completed_at: NOW, duration_seconds: 0, peak_rss_mb: null, trigger: 'cli', summary: null})
      expect(r.error).toMatch(/is paused by .+: database migration$/)
    }
    const one = JSON.parse((await runInProcess(['jobs', 'history', '--job', 'ports', '--limit', '5', '--json', '--db', db], {env})).stdout).runs
    expect(one).toHaveLength(1)
    expect(one[0].job).toBe('ports')

    const list = JSON.parse((await runInProcess(['jobs', 'list', '--json', '--db', db], {env})).stdout).jobs as Array<Record<string, unknown>>
    expect(list.map((j) => j.job)).toEqual(JOBS)
    for (const j of list) {
      expect(j).toMatchObject({last_status: 'skipped', last_run_at: NOW, consecutive_failures: 0})
      expect(j.paused).toMatch(new RegExp(`^paused by .+ since ${NOW}: database migration$`))
    }

    const resumed = await runInProcess(['jobs', 'resume', '--all', '--json', '--db', db], {env})
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toEqual({resumed: ['*']})
    const again = await runInProcess(['jobs', 'resume', '--all', '--db', db], {env})
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/no job is paused/)
    expect((JSON.parse((await runInProcess(['jobs', 'list', '--json', '--db', db], {env})).stdout).jobs as Array<{paused: unknown}>).every((j) => j.paused === null)).toBe(true)
  })

  it("one job's pause and the pause of all are kept apart, listed in name order, and lifted one by one", async () => {
    const db = freshDb()
    expect((await runInProcess(['jobs', 'pause', 'vessels', '--reason', 'feed sends garbage', '--db', db])).code).toBe(0)
    const both = JSON.parse((await runInProcess(['jobs', 'pause', '--all', '--reason', 'migration', '--json', '--db', db])).stdout).pauses
    expect(both.map((p: {job: string; reason: string}) => [p.job, p.reason])).toEqual([
      ['*', 'migration'],
      ['vessels', 'feed sends garbage'],
    ])
    expect(JSON.parse((await runInProcess(['jobs', 'resume', '--all', '--json', '--db', db])).stdout)).toEqual({resumed: ['*', 'vessels']})
    const missing = await runInProcess(['jobs', 'resume', 'vessels', '--db', db])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/vessels is not paused/)
  })
})

describe('the API', () => {
  const processes: WatchedCli[] = []
  afterEach(() => {
    for (const run of processes.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
  })

  it('starts a run of the seed jobs in the background, recorded as the API\'s, and reports how it went', async () => {
    const db = freshDb()
    const token = 'bootstrap-admin-token-0123456789'
    // Paused: the run is decided by the runner alone, whatever the jobs would do.
    expect((await runInProcess(['jobs', 'pause', '--all', '--reason', 'maintenance window', '--db', db])).code).toBe(0)
    const serve = watchCli(['serve', '--port', '0', '--db', db], {env: {HARBORMASTER_ADMIN_TOKEN: token}})
    processes.push(serve)
    const [, base] = await serve.stderrMatching(/listening on (http:\/\/[\d.:]+)/)
    const auth = {authorization: `Bearer ${token}`}
    const started = await fetch(`${base}/api/jobs/run/?job=all`, {method: 'POST', headers: auth})
    expect(started.status).toBe(202)
    const accepted = (await started.json()) as {run_id: number; status_url: string}
    expect(accepted).toEqual({run_id: expect.any(Number), status_url: `/api/jobs/runs/${accepted.run_id}/`, status: 'running', jobs: ['vessels', 'ports', 'safety']})
    let task: Record<string, unknown>
    // Until the background run has been recorded as done (the status is what a client polls).
    for (;;) {
      task = (await (await fetch(`${base}${accepted.status_url}`, {headers: auth})).json()) as Record<string, unknown>
      if (task.status !== 'running') break
      await sleep(50)
    }
    expect(task).toMatchObject({id: accepted.run_id, kind: 'jobs', target: 'all', status: 'skipped', requested_by: expect.any(String), created_at: expect.stringMatching(/Z$/), completed_at: expect.stringMatching(/Z$/)})
    expect(task.summary).toMatchObject({
      total_success: true,
      jobs: {
        vessel_positions: {skipped: true, success: true, reason: expect.stringMatching(/^vessels is paused by .+: maintenance window$/)},
        port_congestion: {skipped: true},
        safety_events: {skipped: true},
      },
    })
    expect(count(db, `SELECT count(*) FROM job_runs WHERE trigger = 'api' AND status = 'skipped'`)).toBe(3)
    expect((await fetch(`${base}/api/jobs/runs/${accepted.run_id + 1}/`, {headers: auth})).status).toBe(404)
    serve.child.kill('SIGTERM')
    expect((await serve.done).code).toBe(0)
  })
})
