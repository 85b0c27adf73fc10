// Users' API keys, notifications and webhook deliveries on the backend under test (SQLite or PostgreSQL),
// through the real services on a real database: a key admits its role until its user is removed by another
// process; each new event notifies its watchers once (by vessel, port and area, across the antimeridian)
// and every ADMIN of distress, with a webhook copy for users who have a webhook; deliveries that fail stay
// pending with their error until they succeed or run out of attempts.
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import Fastify from 'fastify'
import {afterAll, describe, expect, it} from 'vitest'

import {requireRole} from '../../src/services/api/auth.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import type {SafetyEvent} from '../../src/services/db/schema.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {JOB_TYPE_SPECS} from '../../src/services/queue/job-types.js'
import {queueEngine, stopQueueEngine} from '../../src/services/queue/queue.js'
import {runWorker} from '../../src/services/queue/worker.js'
import {notifyWatchers} from '../../src/services/safety/notify.js'
import {deliverWebhooks, MAX_DELIVERY_RUNS} from '../../src/services/safety/webhooks.js'
import {addUser} from '../../src/services/users/users.js'
import {addWatch} from '../../src/services/users/watchlists.js'
import {count, tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {serverClockTimeline} from '../helpers/queue-contract.js'
import {backend, emptyDb, openTestDb, seededDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const tmp = tempDir()
const opened: Context[] = []
afterAll(async () => {
  for (const ctx of opened) {
    await stopQueueEngine(ctx)
    await ctx.db.close()
  }
  tmp.cleanup()
})
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')

/** The services' context on the test's database, as a command builds it. */
async function contextOn(location: string): Promise<Context> {
  const ctx: Context = {
    config: loadConfig({dbPath: location, env: {}}),
    db: await openTestDb(location),
    logger: silentLogger,
    clock: fixedClock(NOW),
    // Retries within a delivery run wait for nothing: the test counts calls, not time.
    httpRuntime: {sleep: async () => undefined},
  }
  opened.push(ctx)
  return ctx
}

/** Safety events stored as detection would have stored them; returned as the services see them. */
function storeEvents(db: string, events: Array<Pick<SafetyEvent, 'type' | 'mmsi' | 'portId' | 'lat' | 'lon' | 'source'>>): SafetyEvent[] {
  return withDb(db, (d) =>
    events.map((e, k) => {
      const row = {
        ...e,
        severity: 'high' as const,
        zoneId: null,
        dedupeKey: `test:${k}`,
        title: `event ${k}`,
        observedAt: NOW - 60_000,
        createdAt: NOW,
        lastSeenAt: NOW,
        resolvedAt: null,
        metadata: null,
      }
      const {id} = d
        .prepare(
          `INSERT INTO safety_events (type, severity, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        )
        .get(row.type, row.severity, row.portId, row.mmsi, row.dedupeKey, row.title, row.lat, row.lon, row.source, row.observedAt, row.createdAt, row.lastSeenAt) as {id: number}
      return {...row, id: Number(id)}
    }),
  )
}

/** A local webhook receiver answering each POST with the next status of `statuses` (the last one repeats). */
async function webhookReceiver(statuses: number[]): Promise<{url: string; bodies: Array<Record<string, unknown>>; server: Server}> {
  const bodies: Array<Record<string, unknown>> = []
  let calls = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      bodies.push(JSON.parse(body))
      res.writeHead(statuses[Math.min(calls++, statuses.length - 1)]).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  afterAll(() => new Promise((r) => server.close(r)))
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server}
}

describe('API keys', () => {
  it("admit their user's role, and stop at once when another process removes the user", async () => {
    const db = emptyDb(freshDb())
    const ctx = await contextOn(db)
    const app = Fastify()
    app.get('/viewer', {preHandler: requireRole(ctx, 'VIEWER')}, async () => ({ok: true}))
    app.get('/admin', {preHandler: requireRole(ctx, 'ADMIN')}, async () => ({ok: true}))
    afterAll(() => app.close())
    const as = (url: string, token?: string) => app.inject({method: 'GET', url, headers: token ? {authorization: `Bearer ${token}`} : {}})

    // Users added by other processes (the CLI), after the API has already answered.
    expect((await as('/viewer')).statusCode).toBe(401)
    const vera = JSON.parse((await runInProcess(['users', 'add', 'vera', '--role', 'VIEWER', '--json', '--db', db])).stdout).token as string
    expect((await as('/viewer', vera)).statusCode).toBe(200)
    const tooLow = await as('/admin', vera)
    expect(tooLow.statusCode).toBe(403)
    expect(tooLow.json()).toMatchObject({error: {message: 'ADMIN role required; vera is VIEWER'}})
    expect((await as('/viewer', `${vera.slice(0, -1)}x`)).statusCode).toBe(401)
    const ada = JSON.parse((await runInProcess(['users', 'add', 'ada', '--role', 'ADMIN', '--json', '--db', db])).stdout).token as string
    expect((await as('/admin', ada)).statusCode).toBe(200)

    expect((await runInProcess(['users', 'remove', 'vera', '--db', db])).code).toBe(0)
    expect((await as('/viewer', vera)).statusCode).toBe(401)
    expect((await as('/viewer', ada)).statusCode).toBe(200)
    const listed = JSON.parse((await runInProcess(['users', 'list', '--json', '--db', db])).stdout)
    expect(listed).toEqual({users: [{id: expect.any(Number), name: 'ada', role: 'ADMIN', webhook_url: null, created_at: expect.stringMatching(/Z$/)}]})
  })
})

describe('notifications', () => {
  it('reach each watcher of a new event once, every ADMIN of distress, and nobody for shipped data', async () => {
    const db = seededDb(freshDb())
    const ctx = await contextOn(db)
    const hook = 'https://hooks.example.org/harbormaster'
    const alice = await addUser(ctx, {name: 'alice', role: 'VIEWER', webhookUrl: hook})
    const bob = await addUser(ctx, {name: 'bob', role: 'OPERATOR'})
    const carol = await addUser(ctx, {name: 'carol', role: 'VIEWER'})
    const ada = await addUser(ctx, {name: 'ada', role: 'ADMIN', webhookUrl: hook})
    const port = withDb(db, (d) => d.prepare(`SELECT id FROM ports ORDER BY id LIMIT 1`).get()) as {id: number}
    expect((await addWatch(ctx, {user: 'alice', vessel: '240205400'})).target).toBe('MMSI 240205400')
    withDb(db, (d) => d.prepare(`INSERT INTO watchlists (user_id, kind, port_id, created_at) VALUES (?, 'port', ?, ?)`).run(bob.id, port.id, NOW))
    expect((await addWatch(ctx, {user: 'carol', area: '170,50,-170,60'})).area).toEqual([170, 50, -170, 60])

    const events = storeEvents(db, [
      {type: 'piracy', mmsi: 240205400, portId: null, lat: 12, lon: 45, source: 'live'},
      {type: 'congestion', mmsi: null, portId: port.id, lat: null, lon: null, source: 'cached'},
      {type: 'storm', mmsi: null, portId: null, lat: 55, lon: 179.5, source: 'live'},
      {type: 'storm', mmsi: null, portId: null, lat: 55, lon: -175, source: 'live'},
      {type: 'storm', mmsi: null, portId: null, lat: 55, lon: 160, source: 'live'},
      {type: 'distress', mmsi: 111000000, portId: null, lat: 0, lon: 0, source: 'live'},
      // From the shipped capture: a storm of another day, heard of by nobody.
      {type: 'storm', mmsi: null, portId: null, lat: 55, lon: 179.5, source: 'emergency'},
    ])
    expect(await notifyWatchers(ctx, events)).toBe(5)
    const stored = () =>
      withDb(db, (d) => d.prepare(`SELECT user_id, event_id, channel, status, attempts, created_at FROM notifications ORDER BY user_id, event_id, channel`).all())
    const ids = events.map((e) => e.id)
    const copy = (user: number, event: number, channel: string, status: string) => ({user_id: user, event_id: event, channel, status, attempts: 0, created_at: NOW})
    const expected = [
      copy(alice.id, ids[0], 'database', 'stored'),
      copy(alice.id, ids[0], 'webhook', 'pending'),
      copy(bob.id, ids[1], 'database', 'stored'),
      copy(carol.id, ids[2], 'database', 'stored'),
      copy(carol.id, ids[3], 'database', 'stored'),
      copy(ada.id, ids[5], 'database', 'stored'),
      copy(ada.id, ids[5], 'webhook', 'pending'),
    ].sort((a, b) => a.user_id - b.user_id || a.event_id - b.event_id || a.channel.localeCompare(b.channel))
    expect(stored()).toEqual(expected)

    // The same events again (a retried batch): nothing new, nothing twice.
    expect(await notifyWatchers(ctx, events)).toBe(0)
    expect(stored()).toEqual(expected)
  })
})

describe('webhook deliveries', () => {
  it('try each pending copy once, hand the failures to the queue (one notify:deliver each), whose retries deliver or give up', async () => {
    const db = seededDb(freshDb())
    const ctx = await contextOn(db)
    const flaky = await webhookReceiver([500, 502, 503, 204])
    const broken = await webhookReceiver([500])
    await addUser(ctx, {name: 'flo', role: 'VIEWER', webhookUrl: flaky.url})
    await addUser(ctx, {name: 'bert', role: 'VIEWER', webhookUrl: broken.url})
    await addWatch(ctx, {user: 'flo', vessel: '240205400'})
    await addWatch(ctx, {user: 'bert', vessel: '240205400'})
    const [event] = storeEvents(db, [{type: 'piracy', mmsi: 240205400, portId: null, lat: 12.5, lon: 45.1, source: 'live'}])
    expect(await notifyWatchers(ctx, [event])).toBe(2)
    const deliveries = () =>
      withDb(db, (d) =>
        d
          .prepare(
            `SELECT u.name, n.status, n.attempts, n.delivered_at, n.last_error FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.channel = 'webhook' ORDER BY u.name`,
          )
          .all(),
      ) as Array<{name: string; status: string; attempts: number; delivered_at: number | null; last_error: string | null}>

    // The run that made them: one call each, both failing: both handed to the queue with what went wrong.
    expect(await deliverWebhooks(ctx)).toEqual({attempted: 2, sent: 0, failed: 0, pending: 0, queued: 2})
    expect(deliveries()).toEqual([
      {name: 'bert', status: 'queued', attempts: 1, delivered_at: null, last_error: expect.stringMatching(/500/)},
      {name: 'flo', status: 'queued', attempts: 1, delivered_at: null, last_error: expect.stringMatching(/500/)},
    ])
    const jobs = await (await queueEngine(ctx)).list({type: 'notify:deliver'})
    expect(jobs).toHaveLength(2)
    // Later runs leave them to the queue.
    expect(await deliverWebhooks(ctx)).toEqual({attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0})

    // The queue retries each after its backoff until flo's receiver is back and bert's attempts run out.
    const engine = await queueEngine(ctx)
    const timeline = backend() === 'postgres' ? serverClockTimeline(() => ctx.db) : {waitUntilDue: async ({runAt}: {runAt: number}) => clock.set(Math.max(clock.now(), runAt))}
    const clock = ctx.clock as ReturnType<typeof fixedClock>
    for (let round = 0; round < 10; round++) {
      await runWorker(ctx, {drain: true})
      const waiting = (await Promise.all(jobs.map((j) => engine.get(j.id)))).filter((j) => j?.state === 'retry')
      if (waiting.length === 0) break
      for (const job of waiting) await timeline.waitUntilDue(job as {id: string; runAt: number})
    }
    const maxRetries = JOB_TYPE_SPECS['notify:deliver'].maxRetries
    expect(deliveries()).toEqual([
      {name: 'bert', status: 'failed', attempts: 1 + maxRetries + 1, delivered_at: null, last_error: expect.stringMatching(/500/)},
      {name: 'flo', status: 'sent', attempts: 4, delivered_at: expect.any(Number), last_error: null},
    ])
    const finished = await Promise.all(jobs.map((j) => engine.get(j.id)))
    expect(finished.map((j) => j?.state).sort()).toEqual(['completed', 'dead'])
    expect(flaky.bodies.at(-1)).toEqual({
      notification_id: expect.any(Number),
      user: 'flo',
      event: {
        id: event.id,
        type: 'piracy',
        severity: 'high',
        title: 'event 0',
        lat: 12.5,
        lon: 45.1,
        mmsi: 240205400,
        port_id: null,
        zone_id: null,
        source: 'live',
        observed_at: new Date(NOW - 60_000).toISOString(),
        created_at: new Date(NOW).toISOString(),
      },
    })
    // One call per attempt: the run's own and each of the queue's.
    expect(flaky.bodies).toHaveLength(4)
    expect(broken.bodies).toHaveLength(1 + maxRetries + 1)
    expect(await deliverWebhooks(ctx)).toEqual({attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0})
    expect(count(db, `SELECT count(*) FROM notifications WHERE channel = 'database'`)).toBe(2)
  })

  it('a copy the queue cannot take stays pending: the next runs try it again, and give it up after the last', async () => {
    const db = seededDb(freshDb())
    const ctx = await contextOn(db)
    const broken = await webhookReceiver([500])
    await addUser(ctx, {name: 'bert', role: 'VIEWER', webhookUrl: broken.url})
    await addWatch(ctx, {user: 'bert', vessel: '240205400'})
    const [event] = storeEvents(db, [{type: 'piracy', mmsi: 240205400, portId: null, lat: 12.5, lon: 45.1, source: 'live'}])
    expect(await notifyWatchers(ctx, [event])).toBe(1)
    // The queue's storage gone (a broken install): nothing can be enqueued.
    await queueEngine(ctx)
    withDb(db, (d) => d.exec(backend() === 'postgres' ? `ALTER SCHEMA pgboss RENAME TO pgboss_gone` : `DROP TABLE queue_jobs`))
    for (let run = 1; run < MAX_DELIVERY_RUNS; run++) expect(await deliverWebhooks(ctx)).toEqual({attempted: 1, sent: 0, failed: 0, pending: 1, queued: 0})
    expect(await deliverWebhooks(ctx)).toEqual({attempted: 1, sent: 0, failed: 1, pending: 0, queued: 0})
    expect(broken.bodies).toHaveLength(MAX_DELIVERY_RUNS)
    expect(await deliverWebhooks(ctx)).toEqual({attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0})
  })
})
