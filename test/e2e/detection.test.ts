// Users, watchlists, congestion judged against each port's own baseline, and notifications delivered to
// webhooks (a local server that fails before it succeeds), through the real CLI.
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {placeReports, placeSnapshots, placeVessel, track} from '../helpers/arrange.js'
import {count, ROOT, runCli, tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {startNwsServer} from '../helpers/nws-server.js'
import {seededDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')
const at = (ms: number) => ({HARBORMASTER_NOW: new Date(ms).toISOString()})

describe('users and watchlists', () => {
  const db = seededDb(freshDb())

  it('adds a user, shows the token once and stores only its hash', async () => {
    const added = await runInProcess(['users', 'add', 'alice', '--role', 'OPERATOR', '--json', '--db', db])
    expect(added.code, added.stderr).toBe(0)
    const user = JSON.parse(added.stdout)
    expect(user).toMatchObject({name: 'alice', role: 'OPERATOR'})
    expect(user.token).toMatch(/^hm_[A-Za-z0-9_-]{43}$/)
    const stored = withDb(db, (d) => d.prepare(`SELECT * FROM users`).get()) as Record<string, unknown>
    expect(JSON.stringify(stored)).not.toContain(user.token)
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/)
    const listed = await runInProcess(['users', 'list', '--db', db])
    expect(listed.stdout).toMatch(/alice\s+OPERATOR/)
    expect(listed.stdout).not.toContain(user.token)
  })

  it('watches a vessel, a port by UN/LOCODE and an area; lists and removes them', async () => {
    const vessel = await runInProcess(['watch', 'add', '--user', 'alice', '--vessel', '240205400', '--db', db])
    expect(vessel.stdout).toMatch(/alice watches vessel MMSI 240205400/)
    const port = await runInProcess(['watch', 'add', '--user', 'alice', '--port', 'grpir', '--db', db])
    expect(port.stdout).toMatch(/alice watches port Piraievs \(GRPIR\)/)
    await runInProcess(['watch', 'add', '--user', 'alice', '--area', '170,50,-170,60', '--db', db])
    const list = JSON.parse((await runInProcess(['watch', 'list', '--json', '--db', db])).stdout).watches
    expect(list.map((w: {kind: string}) => w.kind)).toEqual(['vessel', 'port', 'area'])
    const removed = await runInProcess(['watch', 'remove', String(list[0].id), '--db', db])
    expect(removed.code).toBe(0)
    expect(count(db, 'SELECT count(*) FROM watchlists')).toBe(2)
  })

  it.each([
    [['users', 'add', 'alice', '--role', 'OPERATOR'], /user alice already exists/],
    [['users', 'add', 'bob', '--role', 'CAPTAIN'], /Expected --role=CAPTAIN to be one of: ADMIN, OPERATOR, VIEWER/],
    [['users', 'add', 'bob', '--role', 'VIEWER', '--webhook', 'ftp://x'], /must be http or https/],
    [['watch', 'add', '--user', 'nobody', '--vessel', '240205400'], /no user nobody/],
    [['watch', 'add', '--user', 'alice', '--vessel', '24020'], /MMSI "24020" is not 9 digits/],
    [['watch', 'add', '--user', 'alice', '--port', 'XXNOPE'], /no port XXNOPE/],
    [['watch', 'add', '--user', 'alice', '--area', '1,2,3'], /is not minLon,minLat,maxLon,maxLat/],
    [['watch', 'add', '--user', 'alice'], /Exactly one of the following must be provided: --area, --port, --vessel/],
    [['watch', 'remove', '999'], /no watch 999/],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const result = await runInProcess([...args, '--db', db])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('port congestion against the port\'s own baseline', () => {
  it('turns severe when merchant ships waiting far exceed the median of past days, notifies port watchers, and resolves', async () => {
    const db = seededDb(freshDb())
    await runInProcess(['users', 'add', 'harbour-master', '--role', 'OPERATOR', '--db', db])
    await runInProcess(['watch', 'add', '--user', 'harbour-master', '--port', 'BGVAR', '--db', db])
    const port = withDb(db, (d) => d.prepare(`SELECT id, lat, lon, radius_km FROM ports WHERE unlocode = 'BGVAR'`).get()) as {
      id: number
      lat: number
      lon: number
      radius_km: number
    }
    // Ships at anchor in Varna Bay, 7 km out, saying so in their navigational status.
    const anchored = (k: number, total: number) => ({
      lat: port.lat + (7 / 111) * Math.sin((2 * Math.PI * k) / total),
      lon: port.lon + (7 / (111 * Math.cos((port.lat * Math.PI) / 180))) * Math.cos((2 * Math.PI * k) / total),
    })
    const env = (ms: number) => ({...at(ms)})
    // Four days of earlier snapshots with one ship waiting: the baseline.
    placeSnapshots(db, Array.from({length: 16}, (_, k) => ({portId: port.id, observedAt: NOW - 4 * 86_400_000 + k * 6 * 3_600_000, waiting: 1})))
    // Now, for two hours: the regular and eight more cargo ships at anchor, and two moored at the berths.
    const from = NOW - 2 * 3_600_000
    const every = 20 * 60_000
    placeReports(db, [
      ...track({mmsi: 244000000, ...anchored(0, 1), sog: 0.1, navStatus: 1, shipType: 70}, from, NOW, every),
      ...Array.from({length: 8}, (_, k) => track({mmsi: 244000001 + k, ...anchored(k, 8), sog: 0.2, navStatus: 1, shipType: 70}, from, NOW, every)).flat(),
      ...Array.from({length: 2}, (_, k) => track({mmsi: 244000100 + k, lat: port.lat + 0.01 * k, lon: port.lon, sog: 0, navStatus: 5, shipType: 80}, from, NOW, every)).flat(),
    ])
    // No vessels job runs here (the positions are placed by hand), so the ports job is forced past its dependency.
    const run = await runInProcess(['jobs', 'run', 'ports', '--force', '--json', '--db', db], {env: env(NOW)})
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).summary.levels.severe).toBe(1)
    const snapshot = withDb(db, (d) => d.prepare(`SELECT * FROM port_congestion WHERE port_id = ? ORDER BY id DESC LIMIT 1`).get(port.id)) as Record<string, unknown>
    expect(snapshot).toMatchObject({vessels_waiting: 9, vessels_at_berth: 2, baseline_waiting: 1, baseline_samples: 4, level: 'severe', trend: 'rising', source: 'live'})

    const safety = await runInProcess(['check-events', '--json', '--db', db], {env: env(NOW)})
    const check = JSON.parse(safety.stdout)
    expect(check.created.filter((e: {type: string}) => e.type === 'congestion')).toEqual([
      expect.objectContaining({severity: 'critical', title: 'Varna: severe congestion, 9 vessels waiting (baseline 1)'}),
    ])
    expect(check.notifications_created).toBe(1)

    // The queue clears: the ships get under way; the next snapshot is normal and the event resolves.
    placeReports(db, [
      ...Array.from({length: 8}, (_, k) => ({mmsi: 244000001 + k, lat: 43.9, lon: 29.5, at: NOW + 3_600_000, sog: 12})),
      {mmsi: 244000000, lat: 43.9, lon: 29.6, at: NOW + 3_600_000, sog: 12},
    ])
    await runInProcess(['jobs', 'run', 'ports', '--force', '--db', db], {env: env(NOW + 3_600_000)})
    const cleared = withDb(db, (d) => d.prepare(`SELECT level, vessels_waiting FROM port_congestion WHERE port_id = ? ORDER BY id DESC LIMIT 1`).get(port.id))
    expect(cleared).toEqual({level: 'normal', vessels_waiting: 0})
    const after = JSON.parse((await runInProcess(['check-events', '--json', '--db', db], {env: env(NOW + 3_600_000)})).stdout)
    expect(after.resolved.map((e: {type: string}) => e.type)).toEqual(['congestion'])
  })
})

describe('webhooks', () => {
  it('delivers each notification as a JSON POST: once at once, then by the queue (notify:deliver) with backoff; records the status', async () => {
    const received: Array<{body: Record<string, unknown>}> = []
    let failuresLeft = 1
    const hook = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        if (failuresLeft-- > 0) {
          res.writeHead(503).end()
          return
        }
        received.push({body: JSON.parse(body)})
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notify`
    const nws = await startNwsServer(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), NOW)
    try {
      const db = seededDb(freshDb())
      const env = {...at(NOW), HARBORMASTER_NWS_URL: nws.url}
      await runInProcess(['users', 'add', 'captain', '--role', 'VIEWER', '--webhook', hookUrl, '--db', db])
      await runInProcess(['users', 'add', 'broken', '--role', 'VIEWER', '--webhook', 'http://127.0.0.1:9/hook', '--db', db])
      for (const user of ['captain', 'broken']) await runInProcess(['watch', 'add', '--user', user, '--vessel', '366999001', '--db', db])
      await runInProcess(['run-background-jobs', '--job', 'safety', '--db', db], {env})
      const zone = withDb(db, (d) => d.prepare(`SELECT CAST(geometry AS TEXT) AS geometry FROM safety_zones WHERE kind = 'storm' AND source = 'live' AND name LIKE 'Special Marine Warning%' LIMIT 1`).get()) as {geometry: string}
      const ring = (JSON.parse(zone.geometry) as {coordinates: number[][][]}).coordinates[0].slice(0, -1)
      placeVessel(db, {
        mmsi: 366999001,
        lat: ring.reduce((s, p) => s + p[1], 0) / ring.length,
        lon: ring.reduce((s, p) => s + p[0], 0) / ring.length,
        at: NOW - 60_000,
        name: 'GULF TANKER',
      })

      const result = await runInProcess(['check-events', '--json', '--db', db], {env})
      const check = JSON.parse(result.stdout)
      // The run tries each copy once: the captain's receiver fails its first call, the other is not there.
      expect(check).toMatchObject({events_created: 1, notifications_created: 2, webhooks: {attempted: 2, sent: 0, failed: 0, pending: 0, queued: 2}})
      expect(received).toHaveLength(0)
      const rows = () => withDb(db, (d) => d.prepare(`SELECT u.name, n.status, n.attempts, n.last_error FROM notifications n JOIN users u ON u.id = n.user_id WHERE channel = 'webhook' ORDER BY u.name`).all())
      expect(rows()).toEqual([
        {name: 'broken', status: 'queued', attempts: 1, last_error: expect.stringMatching(/POST http:\/\/127\.0\.0\.1:9\/hook failed.*ECONNREFUSED/)},
        {name: 'captain', status: 'queued', attempts: 1, last_error: expect.stringMatching(/503/)},
      ])

      // A worker delivers the captain's; the other waits for its next try.
      const drained = await runCli(['worker', '--drain', '--json', '--db', db], {env})
      expect(drained.code, drained.stderr).toBe(0)
      expect(JSON.parse(drained.stdout).per_type['notify:deliver']).toMatchObject({completed: 1, failed: expect.any(Number)})
      expect(received).toHaveLength(1)
      expect(received[0].body).toMatchObject({user: 'captain', event: {type: 'storm', title: expect.stringMatching(/^GULF TANKER inside Special Marine Warning/), mmsi: 366999001, source: 'live'}})
      const [broken, captain] = rows() as Array<{status: string; attempts: number}>
      expect(captain).toEqual({name: 'captain', status: 'sent', attempts: 2, last_error: null})
      expect(broken).toMatchObject({status: 'queued'})
      expect(broken.attempts).toBeGreaterThanOrEqual(2)

      // Later runs leave queued copies to the queue and never send a delivered one again.
      const later = JSON.parse((await runInProcess(['check-events', '--json', '--db', db], {env})).stdout)
      expect(later.webhooks).toEqual({attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0})
      expect(received).toHaveLength(1)
    } finally {
      await nws.close()
      await new Promise((r) => hook.close(r))
    }
  })
})
