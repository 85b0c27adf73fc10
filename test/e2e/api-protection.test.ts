// The HTTP API protecting itself and the database: per-client rate limits, refreshes through the runner
// (pause, lease, history), requests of clients that have gone dropped before their work starts, and the
// shipped port list parsed once.
import {hostname} from 'node:os'
import {connect} from 'node:net'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {systemClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import {openAnyDatabase} from '../../src/services/db/open.js'
import {loadShippedPorts} from '../../src/services/datasets/ports.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {buildServer} from '../../src/services/api/server.js'
import {count, runCli, tempDir, type WatchedCli, watchCli, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {seededDb} from '../helpers/template.js'

const tmp = tempDir()
const db = seededDb(join(tmp.dir, 'api', 'harbormaster.db'))
const ADMIN_TOKEN = 'bootstrap-admin-token-0123456789'
const tokens: Record<string, string> = {}
let server: WatchedCli
let base: string

async function call(method: string, path: string, token?: string) {
  const response = await fetch(`${base}${path}`, {method, headers: token ? {authorization: `Bearer ${token}`} : {}})
  const text = await response.text()
  return {status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null}
}

beforeAll(async () => {
  for (const name of ['ada', 'vera']) tokens[name] = JSON.parse((await runInProcess(['users', 'add', name, '--role', 'VIEWER', '--json', '--db', db])).stdout).token
  server = watchCli(['serve', '--port', '0', '--db', db], {env: {HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN, HARBORMASTER_API_RATE_LIMIT: '30'}})
  ;[, base] = await server.stderrMatching(/listening on (http:\/\/[\d.:]+)/)
})

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.done
  tmp.cleanup()
})

describe('per-client rate limits', () => {
  it('a client past its limit gets 429 with Retry-After; other clients are not affected', async () => {
    for (let i = 0; i < 30; i++) expect((await call('GET', '/api/ports/congestion/?page_size=1', tokens.ada)).status).toBe(200)
    const limited = await call('GET', '/api/ports/congestion/?page_size=1', tokens.ada)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.body.error.message).toMatch(/^rate limit: at most 30 requests a minute per client; retry in/)
    // Another token, and a client without one (by its address), each have their own allowance.
    expect((await call('GET', '/api/ports/congestion/?page_size=1', tokens.vera)).status).toBe(200)
    expect((await call('GET', '/api/system/health/')).status).toBe(200)
  })
})

describe('task refreshes', () => {
  it('are queued (one per source while one waits) and run by a worker through the runner: a job_runs row, the pause, the lease', async () => {
    const drain = async () => {
      const result = await runCli(['worker', '--drain', '--json', '--db', db])
      expect(result.code, result.stderr).toBe(0)
      return JSON.parse(result.stdout) as {per_type: Record<string, {completed: number; failed: number}>}
    }
    const started = await call('POST', '/api/tasks/nws/refresh/', ADMIN_TOKEN)
    expect(started.status).toBe(202)
    expect(started.body).toEqual({job_id: expect.any(String), status_url: `/api/jobs/queued/${started.body.job_id}`, job: 'nws-refresh', source: 'nws', duplicate: false, run_at: expect.stringMatching(/Z$/)})
    // Asked again while it waits: the same job.
    const again = await call('POST', '/api/tasks/nws/refresh/', ADMIN_TOKEN)
    expect(again.body).toMatchObject({job_id: started.body.job_id, duplicate: true})
    expect((await drain()).per_type['provider:refresh']).toEqual({completed: 1, failed: 0, released: 0})
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'nws-refresh' AND trigger = 'queue' AND status = 'success'`)).toBe(1)

    // The emergency stop holds for refreshes too: the queued refresh is skipped, not failed.
    expect((await runInProcess(['jobs', 'pause', '--all', '--reason', 'migrating', '--db', db])).code).toBe(0)
    expect((await call('POST', '/api/tasks/open-meteo/refresh/', ADMIN_TOKEN)).status).toBe(202)
    expect((await drain()).per_type['provider:refresh']).toEqual({completed: 1, failed: 0, released: 0})
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'open-meteo-refresh' AND trigger = 'queue' AND status = 'skipped' AND error LIKE '%migrating%'`)).toBe(1)
    expect((await runInProcess(['jobs', 'resume', '--all', '--db', db])).code).toBe(0)

    // A safety run in progress (its lease held by a live process): the refresh that shares it is skipped.
    withDb(db, (d) =>
      d
        .prepare(`INSERT INTO job_locks (job, owner, host, pid, acquired_at, heartbeat_at, lease_expires_at) VALUES ('safety', ?, ?, ?, ?, ?, ?)`)
        .run(`${hostname()}:${process.pid}`, hostname(), process.pid, Date.now(), Date.now(), Date.now() + 3_600_000),
    )
    const busy = await call('POST', '/api/tasks/nws/refresh/', ADMIN_TOKEN)
    expect(busy.body).toMatchObject({duplicate: false})
    expect(busy.body.job_id).not.toBe(started.body.job_id)
    expect((await drain()).per_type['provider:refresh']).toEqual({completed: 1, failed: 0, released: 0})
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'nws-refresh' AND trigger = 'queue' AND status = 'skipped' AND error LIKE '%safety%'`)).toBe(1)
    withDb(db, (d) => d.prepare(`DELETE FROM job_locks WHERE job = 'safety'`).run())
  })
})

describe('clients that have gone', () => {
  it("their requests are dropped before any work starts; the clients still there are answered", async () => {
    const dbHandle = await openAnyDatabase(db, {applicationName: 'harbormaster serve', readConnection: true})
    const config = loadConfig({dbPath: db, env: {HARBORMASTER_API_RATE_LIMIT: '0'}})
    const abandoned: string[] = []
    let allGone: () => void
    const gone = new Promise<void>((resolve) => (allGone = resolve))
    const CLIENTS = 20
    const app = buildServer({config, db: dbHandle, logger: silentLogger, clock: systemClock}, {
      onAbandoned: (url) => {
        abandoned.push(url)
        if (abandoned.length === CLIENTS) allGone()
      },
    })
    try {
      const address = await app.listen({host: '127.0.0.1', port: 0})
      const {port} = new URL(address)
      // Each client sends its request and hangs up at once, before the server has read it.
      await Promise.all(
        Array.from({length: CLIENTS}, (_, i) =>
          new Promise<void>((resolve) => {
            const socket = connect(Number(port), '127.0.0.1', () => {
              socket.write(`GET /api/ports/congestion/?page=${i + 1}&client=${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
              socket.destroy()
              resolve()
            })
          }),
        ),
      )
      await gone
      expect(abandoned).toHaveLength(CLIENTS)
      expect(abandoned[0]).toMatch(/^\/api\/ports\/congestion\/\?page=\d+&client=\*{8}$/)
      const still = await fetch(`${address}/api/system/health/`)
      expect(still.status).toBe(200)
      expect(abandoned).toHaveLength(CLIENTS)
    } finally {
      await app.close()
      await dbHandle.close()
    }
  })
})

describe('the shipped port list', () => {
  it('is parsed once per process, however many requests read it', () => {
    expect(loadShippedPorts()).toBe(loadShippedPorts())
    expect(loadShippedPorts().ports).toHaveLength(3766)
  })
})
