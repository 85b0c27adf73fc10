// The HTTP API as a real process on an ephemeral port against a temp database: every endpoint, every auth
// case, bad input, job runs against cron's leases in both directions, polling, and graceful shutdown.
import {join} from 'node:path'
import {readFileSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {count, ROOT, runCli, tempDir, type WatchedCli, watchCli, withDb} from '../helpers/cli.js'
import {type JsonServer, startJsonServer, startNmeaTcpServer} from '../helpers/feeds.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb} from '../helpers/template.js'

const tmp = tempDir()
const db = firstUseDb(join(tmp.dir, 'api', 'harbormaster.db'))
const ADMIN_TOKEN = 'bootstrap-admin-token-0123456789'
const piraeus = readFileSync(join(ROOT, 'test', 'fixtures', 'ais', 'gpsd-ais-raw-messages.log'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.startsWith('!'))
const aishub = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'ais', 'aishub-examples.json'), 'utf8')) as Record<string, unknown>

let feed: Awaited<ReturnType<typeof startNmeaTcpServer>>
let server: WatchedCli
let base: string
const tokens: Record<string, string> = {}

/** `serve` on an ephemeral port; resolves once it says where it listens. */
async function startServer(env: Record<string, string>): Promise<{server: WatchedCli; base: string}> {
  const started = watchCli(['serve', '--port', '0', '--db', db], {env})
  const [, url] = await started.stderrMatching(/listening on (http:\/\/[\d.:]+)/)
  return {server: started, base: url}
}

/** A request to the server at `at` (the file's server unless given). */
async function call(method: string, path: string, token?: string, body?: string, at: {server: WatchedCli; base: string} = {server, base}) {
  const response = await fetch(`${at.base}${path}`, {
    method,
    headers: {...(token ? {authorization: `Bearer ${token}`} : {}), ...(body ? {'content-type': 'application/json'} : {})},
    body,
  }).catch((error: Error) => {
    throw new Error(`${method} ${path}: ${error.message}; the server said:\n${at.server.stderr().split('\n').filter((l) => !l.startsWith('{')).slice(-15).join('\n')}`)
  })
  const text = await response.text()
  const parsed = text ? JSON.parse(text) : null
  if (parsed !== null) answered.push({what: `${method} ${path}`, body: parsed})
  return {status: response.status, body: parsed}
}

/** Every JSON answer the tests received, for the contract check. */
const answered: Array<{what: string; body: unknown}> = []

const SNAKE = /^[a-z][a-z0-9_]*$/
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** Keys that are not snake_case, and times (`timestamp`, `…_at`) that are not ISO 8601 UTC, with where they are. */
function contractBreaches(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => contractBreaches(v, `${at}[${i}]`))
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, v]) => {
    const here = `${at}.${key}`
    const breaches = contractBreaches(v, here)
    if (!SNAKE.test(key)) breaches.push(`${here}: key not snake_case`)
    if ((key === 'timestamp' || key.endsWith('_at')) && v !== null && !(typeof v === 'string' && UTC.test(v))) breaches.push(`${here}: ${JSON.stringify(v)} is not an ISO 8601 UTC time`)
    return breaches
  })
}

beforeAll(async () => {
  expect((await runInProcess(['run-background-jobs', '--db', db])).code).toBe(0)
  for (const [name, role] of [
    ['ada', 'ADMIN'],
    ['otto', 'OPERATOR'],
    ['vera', 'VIEWER'],
  ]) {
    tokens[name] = JSON.parse((await runInProcess(['users', 'add', name, '--role', role, '--json', '--db', db])).stdout).token
  }
  feed = await startNmeaTcpServer(piraeus, {intervalMs: 100, perWrite: 5})
  ;({server, base} = await startServer({
    HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN,
    HARBORMASTER_AIS_SOURCE: `nmea-tcp:127.0.0.1:${feed.port}`,
    HARBORMASTER_AIS_WINDOW_SECONDS: '3',
  }))
})

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.done
  await feed.close()
  tmp.cleanup()
})

describe('auth', () => {
  it('401 without a token or with a wrong one, 403 with a role too low, and never echoes a secret', async () => {
    expect((await call('GET', '/api/ports/congestion/')).status).toBe(401)
    expect((await call('GET', '/api/ports/congestion/', 'hm_not-a-real-token')).status).toBe(401)
    const viewerRun = await call('POST', '/api/jobs/run/?job=ports', tokens.vera)
    expect(viewerRun.status).toBe(403)
    expect(viewerRun.body.error.message).toBe('ADMIN role required; vera is VIEWER')
    expect((await call('POST', '/api/events/check/?dry_run=true', tokens.otto)).status).toBe(403)
    expect((await call('GET', '/api/ports/congestion/?page_size=1', tokens.vera)).status).toBe(200)
    expect((await call('POST', '/api/events/check/?dry_run=true', ADMIN_TOKEN)).status).toBe(200)
    expect((await call('POST', '/api/events/check/?dry_run=true', tokens.ada)).status).toBe(200)
  })
})

describe('endpoints', () => {
  it('GET /api/system/health/ gives the health JSON (200 when degraded)', async () => {
    const health = await call('GET', '/api/system/health/')
    expect(health.status).toBe(200)
    expect(health.body.overall_status).toBe('degraded')
    expect(health.body.components.database).toMatchObject({status: 'healthy', ports: 3766, vessels: 43})
  })

  it('GET /api/ports/congestion/ filters by country and port, pages, and labels its source', async () => {
    const greece = await call('GET', '/api/ports/congestion/?country=greece&page_size=10&page=2', tokens.vera)
    expect(greece.status).toBe(200)
    expect(greece.body).toMatchObject({count: 64, page: 2, page_size: 10})
    expect(greece.body.results).toHaveLength(10)
    expect(greece.body.results.every((r: {country: string}) => r.country === 'Greece')).toBe(true)
    const piraeusPort = await call('GET', '/api/ports/congestion/?port=GRPIR', tokens.vera)
    // One run of the sample capture is no history to judge against: no level, no baseline.
    expect(piraeusPort.body.results).toEqual([
      expect.objectContaining({name: 'Piraievs', unlocode: 'GRPIR', level: 'insufficient_history', baseline_waiting: null, baseline_days: 0, source: 'emergency'}),
    ])
    expect(piraeusPort.body.results[0]).toMatchObject({vessels_waiting: 0, vessels_in_port: expect.any(Number), median_wait_hours: null, trend: 'unknown'})
    expect(piraeusPort.body.metadata).toEqual({source: 'emergency', observed_at: '2023-04-08T00:00:59.000Z'})
  })

  it('GET /api/live-vessels/ serves the vessels in a box with the source and age of the data', async () => {
    const vessels = await call('GET', '/api/live-vessels/?bbox=23.0,37.5,24.0,38.2', tokens.vera)
    expect(vessels.status).toBe(200)
    expect(vessels.body.count).toBeGreaterThan(20)
    expect(vessels.body.metadata.source).toBe('emergency')
    expect(vessels.body.metadata.age_seconds).toBeGreaterThan(86_400)
    expect(vessels.body.results.every((v: {lat: number; lon: number}) => v.lat >= 37.5 && v.lat <= 38.2 && v.lon >= 23 && v.lon <= 24)).toBe(true)
    const elsewhere = await call('GET', '/api/live-vessels/?bbox=-10,40,-5,45', tokens.vera)
    expect(elsewhere.body.count).toBe(0)
  })

  it('GET /api/cache/<source>/ shows what the TTL cache holds without payloads', async () => {
    const cache = await call('GET', '/api/cache/nws/', tokens.vera)
    expect(cache.status).toBe(200)
    expect(cache.body).toEqual({source: 'nws', entries: []})
    expect((await call('GET', '/api/cache/carrier-pigeon/', tokens.vera)).status).toBe(400)
  })

  it('POST /api/events/check/ runs detection, or with dry_run writes nothing', async () => {
    const runsBefore = count(db, 'SELECT count(*) FROM job_runs')
    const dry = await call('POST', '/api/events/check/?dry_run=true', tokens.ada)
    expect(dry.body).toMatchObject({dry_run: true, status: 'dry_run'})
    expect(count(db, 'SELECT count(*) FROM job_runs')).toBe(runsBefore)
    const real = await call('POST', '/api/events/check/', tokens.ada)
    expect(real.body).toMatchObject({dry_run: false, status: 'success'})
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'check-events'`)).toBe(1)
  })

  it('POST /api/tasks/<source>/refresh/ queues the refresh and answers at once; a worker runs it', async () => {
    const started = await call('POST', '/api/tasks/nws/refresh/', tokens.ada)
    expect(started.status).toBe(202)
    expect(started.body).toMatchObject({job: 'nws-refresh', source: 'nws', duplicate: false, status_url: `/api/jobs/queued/${started.body.job_id}`})
    const drained = await runCli(['worker', '--drain', '--json', '--db', db])
    expect(drained.code, drained.stderr).toBe(0)
    expect(JSON.parse(drained.stdout).per_type['provider:refresh']).toMatchObject({completed: 1, failed: 0})
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'nws-refresh' AND trigger = 'queue' AND status = 'success'`)).toBe(1)
  })
})

/** Asks for a run's status until it is no longer running. */
async function poll(statusUrl: string, token: string, at?: {server: WatchedCli; base: string}): Promise<Record<string, any>> {
  for (;;) {
    const status = await call('GET', statusUrl, token, undefined, at)
    if (status.body.status !== 'running') return status.body
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('job runs over HTTP and cron', () => {
  // AISHub's web service, held at its gate while a test needs a vessels run in the middle of its call: the
  // run holds the vessels lease until the gate opens.
  let aishubService: JsonServer
  let jobs: {server: WatchedCli; base: string}
  // Held calls wait as long as the test needs, however busy the machine.
  const patient = {HARBORMASTER_HTTP_TIMEOUT_MS: '3600000', HARBORMASTER_HTTP_DEADLINE_MS: '3600000'}
  const aisEnv = () => ({HARBORMASTER_AIS_SOURCE: 'aishub', AISHUB_USERNAME: 'harbor-user', HARBORMASTER_AISHUB_URL: aishubService.url, ...patient})

  beforeAll(async () => {
    aishubService = await startJsonServer({status: 200, body: JSON.stringify(aishub.human_format_test_capture)})
    jobs = await startServer({HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN, ...aisEnv()})
  })
  afterAll(async () => {
    jobs.server.child.kill('SIGTERM')
    await jobs.server.done
    await aishubService.close()
  })

  it('starts a run in the background (202), answers 409 while it runs, and the CLI skips meanwhile', async () => {
    aishubService.gate.close()
    const held = aishubService.gate.whenHeld()
    const started = await call('POST', '/api/jobs/run/?job=vessels', tokens.ada, undefined, jobs)
    expect(started.status).toBe(202)
    expect(started.body).toMatchObject({status: 'running', jobs: ['vessels']})
    // The run is inside its AISHub call, its lease held, until the gate opens.
    await held
    const again = await call('POST', '/api/jobs/run/?job=vessels', tokens.ada, undefined, jobs)
    expect(again.status).toBe(409)
    expect(again.body.error.holder).toMatch(/^vessels is running \(.+:\d+, since /)
    const cron = await runCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: aisEnv()})
    expect(cron.code, cron.stderr).toBe(0)
    expect(cron.stderr).toMatch(/skipped: vessels is running/)
    aishubService.gate.open()
    const done = await poll(started.body.status_url, tokens.vera, jobs)
    expect(done.status).toBe('success')
    expect(done.summary.jobs.vessel_positions).toMatchObject({success: true, source: 'live', provider: 'aishub'})
    expect(Object.keys(done.summary)).toEqual(['started_at', 'completed_at', 'duration_seconds', 'total_success', 'jobs'])
  })

  it('409 with the holder while a cron-style CLI run holds the lock', async () => {
    // AISHub's answer of the run before is cached for a minute: this run must call again.
    withDb(db, (d) => d.prepare(`DELETE FROM api_cache`).run())
    aishubService.gate.close()
    const held = aishubService.gate.whenHeld()
    const cron = watchCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: aisEnv()})
    // The CLI is inside its AISHub call, holding the lease.
    await held
    const conflict = await call('POST', '/api/jobs/run/?job=vessels', tokens.ada, undefined, jobs)
    expect(conflict.status, JSON.stringify(conflict.body)).toBe(409)
    expect(conflict.body.error.holder).toMatch(new RegExp(`^vessels is running \\(.+:${cron.child.pid}, since `))
    aishubService.gate.open()
    const result = await cron.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toMatch(/skipped/)
  })
})

describe('bad requests', () => {
  it.each([
    ['POST', '/api/jobs/run/?job=everything', 'job'],
    ['POST', '/api/jobs/run/', 'job'],
    ['GET', '/api/live-vessels/?bbox=1,2,3', 'bbox'],
    ['GET', '/api/live-vessels/?bbox=200,0,210,10', 'bbox'],
    ['GET', '/api/live-vessels/?bbox=0,10,5,5', 'bbox'],
    ['GET', '/api/ports/congestion/?page_size=100000', 'page_size'],
    ['GET', '/api/ports/congestion/?page=first', 'page'],
    ['GET', '/api/jobs/runs/abc/', 'id'],
  ])('%s %s: 400 naming %s', async (method, path, field) => {
    const result = await call(method, path, tokens.ada)
    expect(result.status).toBe(400)
    expect(result.body.error.field).toBe(field)
  })

  it('a body over the size limit gets 413 and writes nothing', async () => {
    const runs = count(db, 'SELECT count(*) FROM job_runs')
    const result = await call('POST', '/api/events/check/', tokens.ada, JSON.stringify({padding: 'x'.repeat(100_000)}))
    expect(result.status).toBe(413)
    expect(count(db, 'SELECT count(*) FROM job_runs')).toBe(runs)
  })

  it('404 for a run that does not exist', async () => {
    expect((await call('GET', '/api/jobs/runs/99999/', tokens.vera)).status).toBe(404)
  })
})

describe('graceful shutdown', () => {
  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    // An AISHub stand-in held at its gate keeps a live-vessels request in flight (the answer the job runs
    // above cached would serve it without a call: it goes).
    withDb(db, (d) => d.prepare(`DELETE FROM api_cache`).run())
    const slow = await startJsonServer({status: 200, body: JSON.stringify(aishub.human_format_test_capture)})
    slow.gate.close()
    const second = await startServer({
      HARBORMASTER_AIS_SOURCE: 'aishub',
      AISHUB_USERNAME: 'harbor-user',
      HARBORMASTER_AISHUB_URL: slow.url,
      HARBORMASTER_HTTP_TIMEOUT_MS: '3600000',
      HARBORMASTER_HTTP_DEADLINE_MS: '3600000',
    })
    try {
      const inFlight = fetch(`${second.base}/api/live-vessels/?bbox=4,52,6,53`, {headers: {authorization: `Bearer ${tokens.vera}`}})
      await slow.gate.whenHeld()
      second.server.child.kill('SIGTERM')
      // The server has begun to stop with the request still in flight; then AISHub answers.
      await second.server.stderrMatching(/SIGTERM received/)
      slow.gate.open()
      const response = await inFlight
      expect(response.status).toBe(200)
      const body = (await response.json()) as {count: number; metadata: {source: string}}
      expect(body).toMatchObject({count: 1, metadata: {source: 'live'}})
      const exit = await second.server.done
      expect(exit.code).toBe(0)
      expect(exit.stderr).toMatch(/harbormaster API stopped/)
      await expect(fetch(`${second.base}/api/system/health/`)).rejects.toThrow()
    } finally {
      await slow.close()
    }
  })
})

describe('contract', () => {
  it('every answer above uses snake_case keys and ISO 8601 UTC times', () => {
    const whats = new Set(answered.map((a) => a.what.replace(/\?.*$/, '').replace(/\/\d+\//, '/<id>/')))
    // Every endpoint answered at least once, errors included.
    for (const endpoint of ['GET /api/system/health/', 'GET /api/ports/congestion/', 'GET /api/live-vessels/', 'GET /api/cache/nws/', 'POST /api/events/check/', 'POST /api/jobs/run/', 'GET /api/jobs/runs/<id>/', 'POST /api/tasks/nws/refresh/']) {
      expect(whats, endpoint).toContain(endpoint)
    }
    expect(answered.flatMap((a) => contractBreaches(a.body, a.what))).toEqual([])
  })
})

describe('logs', () => {
  it('the access log is structured and holds no token', async () => {
    server.child.kill('SIGTERM')
    const result = await server.done
    // Text lines, as the commands' (test/e2e/logging.test.ts has the JSON form): the request's fields in parentheses.
    const lines = result.stderr.split('\n').filter((l) => / INFO request completed \(/.test(l))
    expect(lines.length).toBeGreaterThan(10)
    expect(lines.some((l) => /res=\{"statusCode":202\}, responseTime=[\d.]+\)$/.test(l))).toBe(true)
    for (const token of [...Object.values(tokens), ADMIN_TOKEN]) expect(result.stderr).not.toContain(token)
    // The server is restarted for afterAll's benefit.
    ;({server, base} = await startServer({HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN}))
    withDb(db, (d) => d.prepare('SELECT 1').get())
  })
})
