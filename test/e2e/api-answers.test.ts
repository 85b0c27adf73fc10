// The API's answers kept per data version, against a real database: ETag and 304 for congestion and
// health, a new answer (and ETag) as soon as the data changes, whoever writes it (the server's own ports
// job or another connection), the same ETag when a write leaves an answer as it was, and health's counts
// right through inserts and deletes, including on a database that held rows before the counts existed.
import {join} from 'node:path'

import {readMigrationFiles} from 'drizzle-orm/migrator'
import type {FastifyInstance} from 'fastify'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {buildServer} from '../../src/services/api/server.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import {type Db, MIGRATIONS_FOLDER, openDatabase} from '../../src/services/db/client.js'
import {tableCounts} from '../../src/services/db/table-rows.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {addUser} from '../../src/services/users/users.js'
import {placeSnapshots, placeVessel} from '../helpers/arrange.js'
import {count, tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {seededDb} from '../helpers/template.js'

const NOW = Date.parse('2023-04-08T06:00:00.000Z')
const ADMIN_TOKEN = 'bootstrap-admin-token-0123456789'
const tmp = tempDir()
const dbPath = seededDb(join(tmp.dir, 'harbormaster.db'))
let db: Db
let app: FastifyInstance
let base: string
let viewer: string
let viewerId: number

async function call(method: string, url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${url}`, {method, headers})
  const raw = await response.text()
  return {status: response.status, etag: response.headers.get('etag') ?? undefined, body: raw ? JSON.parse(raw) : null, raw}
}
const get = (url: string, headers: Record<string, string> = {}) => call('GET', url, headers)

beforeAll(async () => {
  // The ports job needs a recent vessels run: one on the shipped sample, at the time the tests run at.
  expect((await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', dbPath], {env: {HARBORMASTER_NOW: new Date(NOW).toISOString()}})).code).toBe(0)
  db = openDatabase(dbPath)
  const ctx = {config: loadConfig({dbPath, env: {HARBORMASTER_API_RATE_LIMIT: '0', HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN}}), db, logger: silentLogger, clock: fixedClock(NOW)}
  const user = await addUser(ctx, {name: 'vera', role: 'VIEWER'})
  viewer = user.token
  viewerId = user.id
  // Health's clock-bound expiry is not under test here (tests do not wait on time): reports live until the data changes.
  app = buildServer(ctx, {healthMaxAgeMs: Infinity})
  base = await app.listen({host: '127.0.0.1', port: 0})
})

afterAll(async () => {
  await app?.close()
  db?.close()
  tmp.cleanup()
})

describe('GET /api/ports/congestion/', () => {
  const url = '/api/ports/congestion/?country=greece&page_size=5'

  it('sends an ETag, answers 304 to If-None-Match, and a new answer once the ports job stores snapshots', async () => {
    const auth = {authorization: `Bearer ${viewer}`}
    const first = await get(url, auth)
    expect(first.status).toBe(200)
    expect(first.etag).toMatch(/^"[\w-]{27}"$/)
    // Before the ports job: the shipped port list, ports not yet in the congestion table.
    expect(first.body.results.every((r: {port_id: number | null}) => r.port_id === null)).toBe(true)

    const again = await get(url, {...auth, 'if-none-match': first.etag!})
    expect(again).toMatchObject({status: 304, etag: first.etag, raw: ''})
    // Weak comparison and lists, as If-None-Match allows.
    expect((await get(url, {...auth, 'if-none-match': `"elsewhere", W/${first.etag}`})).status).toBe(304)
    expect((await get(url, {...auth, 'if-none-match': '"elsewhere"'})).status).toBe(200)
    // The answer is checked before the ETag: no token, no 304.
    expect((await get(url, {'if-none-match': first.etag!})).status).toBe(401)

    // A write that leaves this answer as it was (a vessel elsewhere, by another connection) keeps its ETag.
    placeVessel(dbPath, {mmsi: 211_000_001, lat: 54.3, lon: 10.1, at: NOW - 60_000})
    expect((await get(url, {...auth, 'if-none-match': first.etag!})).status).toBe(304)

    // The ports job, run by the server itself, stores snapshots: the old ETag no longer matches.
    const started = await call('POST', '/api/jobs/run/?job=ports', {authorization: `Bearer ${ADMIN_TOKEN}`})
    expect(started.status).toBe(202)
    await app.drain()
    expect((await get(started.body.status_url, auth)).body).toMatchObject({status: 'success'})
    expect(count(dbPath, 'SELECT count(*) FROM port_congestion')).toBeGreaterThan(0)
    const computed = await get(url, {...auth, 'if-none-match': first.etag!})
    expect(computed.status).toBe(200)
    expect(computed.etag).toMatch(/^"[\w-]{27}"$/)
    expect(computed.etag).not.toBe(first.etag)
    expect(computed.body.results.every((r: {port_id: number | null}) => r.port_id !== null)).toBe(true)
    expect((await get(url, {...auth, 'if-none-match': computed.etag!})).status).toBe(304)

    // A snapshot stored by another connection (another process's ports job) is seen at once.
    const port = computed.body.results[0] as {port_id: number}
    placeSnapshots(dbPath, [{portId: port.port_id, observedAt: NOW, waiting: 7}])
    const later = await get(url, {...auth, 'if-none-match': computed.etag!})
    expect(later.status).toBe(200)
    expect(later.etag).not.toBe(computed.etag)
    expect(later.body.results[0]).toMatchObject({port_id: port.port_id, vessels_waiting: 7, observed_at: new Date(NOW).toISOString()})
  })

  it('keeps one answer per query', async () => {
    const auth = {authorization: `Bearer ${viewer}`}
    const one = await get('/api/ports/congestion/?country=greece&page_size=2', auth)
    const two = await get('/api/ports/congestion/?country=greece&page_size=2&page=2', auth)
    expect(one.etag).not.toBe(two.etag)
    expect(two.body.page).toBe(2)
    expect((await get('/api/ports/congestion/?country=greece&page_size=2', {...auth, 'if-none-match': one.etag!})).status).toBe(304)
  })
})

describe('GET /api/system/health/', () => {
  const counted = () => ({
    ports: count(dbPath, 'SELECT count(*) FROM ports'),
    vessels: count(dbPath, 'SELECT count(*) FROM vessels'),
    events: count(dbPath, 'SELECT count(*) FROM safety_events'),
    notifications: count(dbPath, 'SELECT count(*) FROM notifications'),
  })

  it('counts stay right as rows come and go, whoever writes them; 304 while nothing changed', async () => {
    const first = await get('/api/system/health/')
    expect(first.status).toBe(200)
    expect(first.body.components.database).toMatchObject(counted())
    expect(first.body.timestamp).toBe(new Date(NOW).toISOString())
    expect((await get('/api/system/health/', {'if-none-match': first.etag!})).status).toBe(304)
    const before = first.body.components

    // Another connection adds a vessel, an event and a notification of it.
    placeVessel(dbPath, {mmsi: 211_000_002, lat: 37.9, lon: 23.6, at: NOW - 60_000})
    const eventId = withDb(dbPath, (d) => {
      const id = Number(
        d
          .prepare(
            `INSERT INTO safety_events (type, severity, dedupe_key, title, source, observed_at, created_at, last_seen_at) VALUES ('distress', 'high', 'test:answers', 'test event', 'live', ?, ?, ?)`,
          )
          .run(NOW, NOW, NOW).lastInsertRowid,
      )
      d.prepare(`INSERT INTO notifications (user_id, event_id, channel, status, created_at) VALUES (?, ?, 'database', 'stored', ?)`).run(viewerId, id, NOW)
      return id
    })
    const added = await get('/api/system/health/', {'if-none-match': first.etag!})
    expect(added.status).toBe(200)
    expect(added.etag).not.toBe(first.etag)
    expect(added.body.components.database).toMatchObject({
      ...counted(),
      vessels: before.database.vessels + 1,
      events: before.database.events + 1,
      notifications: before.database.notifications + 1,
    })
    expect(added.body.components.recent_activity).toMatchObject({events_24h: before.recent_activity.events_24h + 1, notifications_24h: before.recent_activity.notifications_24h + 1})

    // Deleting the event takes its notification with it (a cascade): both counts follow.
    withDb(dbPath, (d) => {
      d.prepare('DELETE FROM safety_events WHERE id = ?').run(eventId)
      d.prepare('DELETE FROM vessels WHERE mmsi = 211000002').run()
    })
    const removed = await get('/api/system/health/', {'if-none-match': added.etag!})
    expect(removed.status).toBe(200)
    expect(removed.body.components.database).toMatchObject({...counted(), vessels: before.database.vessels, events: before.database.events, notifications: before.database.notifications})
  })
})

describe('row counts', () => {
  it('start right on a database that held rows before the counts existed', async () => {
    const dir = tempDir()
    const path = join(dir.dir, 'upgraded.db')
    const upgraded = openDatabase(path)
    try {
      // As before the counts migration: no triggers, no counts, rows in the tables.
      const counting = readMigrationFiles({migrationsFolder: MIGRATIONS_FOLDER}).find((m) => m.sql.some((s) => s.includes('table_rows_vessels_insert')))!
      for (const trigger of upgraded.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'table_rows_%'`).pluck().all() as string[]) {
        upgraded.sqlite.exec(`DROP TRIGGER ${trigger}`)
      }
      upgraded.sqlite.exec('DELETE FROM table_rows')
      upgraded.sqlite.exec(`INSERT INTO ports (name, lat, lon, radius_km, origin, created_at, updated_at) VALUES ('Testport', 1, 1, 5, 'fallback', 0, 0)`)
      const vessel = upgraded.sqlite.prepare(`INSERT INTO vessels (mmsi, origin, created_at, updated_at) VALUES (?, 'ingest', 0, 0)`)
      for (let i = 0; i < 5; i++) vessel.run(211_000_100 + i)

      for (const statement of counting.sql) if (statement.trim()) upgraded.sqlite.exec(statement)
      expect(await tableCounts(upgraded)).toEqual({ports: 1, vessels: 5, events: 0, notifications: 0})
      upgraded.sqlite.exec('DELETE FROM vessels WHERE mmsi = 211000100')
      expect((await tableCounts(upgraded)).vessels).toBe(4)
    } finally {
      upgraded.close()
      dir.cleanup()
    }
  })
})
