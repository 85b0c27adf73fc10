// Geofence entries through the detector on this run's backend: tracks described as position windows
// (windowOf) against zones, users and watches stored by their services. A watched vessel entering a storm
// zone or a watched box is one event per entry, keyed by where and when it began; an unwatched vessel gives
// none; an entry already inside before the fresh reports is not an entry; an episode stored open is ended
// by a later window; and the event reaches the vessel's watcher and the box's watcher. Then through the
// real CLI: the behaviour pass over positions stored in two goes, reruns that add nothing.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {geofence} from '../../src/services/behaviour/geofence.js'
import type {BehaviourEventDraft, BehaviourEnv} from '../../src/services/behaviour/types.js'
import {windowOf, type WindowReport} from '../../src/services/behaviour/window.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {insertEvents} from '../../src/services/db/events.js'
import type {DataSource} from '../../src/services/db/schema.js'
import {type AnyDb, write} from '../../src/services/db/transaction.js'
import type {ZoneGeometry} from '../../src/services/geo/geometry.js'
import {landOutline} from '../../src/services/geo/land.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {PortAreas} from '../../src/services/ports/port-areas.js'
import {notifyWatchers} from '../../src/services/safety/notify.js'
import {storeZones, type ZoneDraft} from '../../src/services/safety/zones.js'
import {addUser} from '../../src/services/users/users.js'
import {addWatch} from '../../src/services/users/watchlists.js'
import {placeReports} from '../helpers/arrange.js'
import {tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {emptyDb, openTestDb, seededDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const HOUR = 3_600_000
const MIN = 60_000
const WATCHED = 244_100_001
const UNWATCHED = 244_100_002

let dir: string
let cleanup: () => void
const opened: AnyDb[] = []
beforeAll(() => ({dir, cleanup} = tempDir()))
afterAll(async () => {
  for (const db of opened) await db.close()
  cleanup()
})

const square = (lon: number, lat: number, half: number): ZoneGeometry => ({
  type: 'Polygon',
  coordinates: [
    [
      [lon - half, lat - half],
      [lon + half, lat - half],
      [lon + half, lat + half],
      [lon - half, lat + half],
      [lon - half, lat - half],
    ],
  ],
})

/** A storm zone one degree across at 20°N 150°W (open sea), in force around NOW unless told otherwise. */
function storm(over: Partial<ZoneDraft> = {}): ZoneDraft {
  return {
    kind: 'storm',
    externalId: 'urn:test:storm-1',
    name: 'Storm Warning east of Hawaii',
    severity: 'high',
    geometry: square(-150, 20, 0.5),
    validFrom: NOW - 12 * HOUR,
    validTo: NOW + 12 * HOUR,
    active: true,
    portId: null,
    source: 'live',
    observedAt: NOW - 12 * HOUR,
    origin: 'ingest',
    metadata: {event: 'Storm Warning'},
    ...over,
  }
}

let n = 0
interface World {
  ctx: Context
  location: string
  env: BehaviourEnv
  zoneId: number
}

/** A database with a storm zone, and alice watching WATCHED. */
async function world(zone: ZoneDraft = storm()): Promise<World> {
  const path = `${dir}/db-${++n}/harbormaster.db`
  const location = emptyDb(path)
  const db = await openTestDb(location)
  opened.push(db)
  const ctx: Context = {config: loadConfig({env: {}, dbPath: location, cwd: dir}), db, logger: silentLogger, clock: fixedClock(NOW)}
  await storeZones(db, zone.kind, [zone], NOW)
  await addUser(ctx, {name: 'alice', role: 'OPERATOR'})
  await addWatch(ctx, {user: 'alice', vessel: String(WATCHED)})
  const zoneId = withDb(location, (d) => (d.prepare(`SELECT id FROM safety_zones WHERE external_id = ?`).get(zone.externalId) as {id: number}).id)
  return {ctx, location, env: {ctx, now: NOW, areas: new PortAreas([], []), land: landOutline('110m')}, zoneId}
}

/** Reports every 10 minutes along a line of positions given per hour offset from NOW. */
function sail(mmsi: number, legs: Array<{at: number; lon: number; lat: number}>, options: {freshFrom?: number; source?: DataSource} = {}): WindowReport[] {
  const out: WindowReport[] = []
  for (let k = 0; k < legs.length - 1; k++) {
    const a = legs[k]
    const b = legs[k + 1]
    for (let t = a.at; t < b.at; t += 10 * MIN) {
      const f = (t - a.at) / (b.at - a.at)
      out.push({mmsi, at: t, lon: a.lon + f * (b.lon - a.lon), lat: a.lat + f * (b.lat - a.lat), sog: 10, source: options.source ?? 'live', fresh: t >= (options.freshFrom ?? -Infinity)})
    }
  }
  const last = legs.at(-1) as {at: number; lon: number; lat: number}
  out.push({mmsi, at: last.at, lon: last.lon, lat: last.lat, sog: 10, source: options.source ?? 'live', fresh: last.at >= (options.freshFrom ?? -Infinity)})
  return out
}

/** West to east along 20°N through the zone (its edges at 150.5°W and 149.5°W): 0.1° per 10 minutes. */
const crossing = (mmsi: number, start: number) =>
  sail(mmsi, [
    {at: start, lon: -151.5, lat: 20},
    {at: start + 5 * HOUR, lon: -148.5, lat: 20},
  ])

/** The first report of a track inside the zone's square, and the first after it outside. */
function entryAndExit(reports: WindowReport[], minLon = -150.5, maxLon = -149.5) {
  const inside = (r: WindowReport) => r.lon >= minLon && r.lon <= maxLon && r.lat >= 19.5 && r.lat <= 20.5
  const entry = reports.find(inside) as WindowReport
  const exit = reports.find((r) => r.at > entry.at && !inside(r)) as WindowReport
  return {entry, exit}
}

/** What the behaviour pass does with drafts (once per key): stored as events, for checking what they reach. */
async function store(ctx: Context, drafts: BehaviourEventDraft[]) {
  return write(ctx.db, () =>
    insertEvents(
      ctx.db,
      drafts.map((d) => ({type: d.type, severity: d.severity, zoneId: d.zoneId ?? null, portId: d.portId ?? null, mmsi: d.mmsi, dedupeKey: d.dedupeKey, title: d.title, lat: d.lat, lon: d.lon, source: d.source, observedAt: d.startedAt, metadata: d.metadata})),
      NOW,
    ),
  )
}

describe('geofence entries', () => {
  it('a watched vessel crossing a storm zone is one event from its entry to its first report outside; an unwatched one gives none', async () => {
    const {env, zoneId} = await world()
    const track = crossing(WATCHED, NOW - 6 * HOUR)
    const {entry, exit} = entryAndExit(track)
    const result = await geofence.detect(env, windowOf([...track, ...crossing(UNWATCHED, NOW - 6 * HOUR)]))
    expect(result.events).toHaveLength(1)
    const [event] = result.events
    expect(event).toMatchObject({
      type: 'geofence',
      mmsi: WATCHED,
      dedupeKey: `geofence:${WATCHED}:zone-${zoneId}:${entry.at}`,
      severity: 'high',
      zoneId,
      source: 'live',
      startedAt: entry.at,
      endedAt: exit.at,
      lat: entry.lat,
      lon: entry.lon,
    })
    expect(event.metadata).toMatchObject({
      fence: 'zone',
      kind: 'storm',
      zone_id: zoneId,
      zone: 'Storm Warning east of Hawaii',
      entered_at: new Date(entry.at).toISOString(),
      exited_at: new Date(exit.at).toISOString(),
      exit_reason: 'left',
      position: {lat: entry.lat, lon: entry.lon},
    })
    expect(event.title).toMatch(/entered Storm Warning east of Hawaii \(storm zone\)/)
    expect(result.counts).toMatchObject({geofence_vessels: 1, geofence_entries: 1})
  })

  it('leaving and entering again is a second entry with its own key', async () => {
    const {env, zoneId} = await world()
    const start = NOW - 8 * HOUR
    const track = sail(WATCHED, [
      {at: start, lon: -151, lat: 20},
      {at: start + 2 * HOUR, lon: -150, lat: 20},
      {at: start + 4 * HOUR, lon: -151, lat: 20},
      {at: start + 6 * HOUR, lon: -150, lat: 20},
    ])
    const events = (await geofence.detect(env, windowOf(track))).events
    expect(events).toHaveLength(2)
    expect(events[0].endedAt).not.toBeNull()
    // Still inside at the last report: the second episode is open.
    expect(events[1].endedAt).toBeNull()
    expect(events[1].metadata).toMatchObject({exited_at: null, exit_reason: null})
    expect(new Set(events.map((e) => e.dedupeKey)).size).toBe(2)
    for (const e of events) expect(e.dedupeKey).toBe(`geofence:${WATCHED}:zone-${zoneId}:${e.startedAt}`)
  })

  it('a vessel already inside in the look-back reports has not entered; its fresh reports inside start nothing', async () => {
    const {env} = await world()
    const track = sail(WATCHED, [
      {at: NOW - 6 * HOUR, lon: -150.2, lat: 20},
      {at: NOW, lon: -149.8, lat: 20},
    ])
    const split = track.map((r) => ({...r, fresh: r.at >= NOW - 3 * HOUR}))
    expect((await geofence.detect(env, windowOf(split))).events).toEqual([])
    // With nothing before them, the same fresh reports are where the vessel was first seen: an entry.
    const first = await geofence.detect(env, windowOf(split.filter((r) => r.fresh)))
    expect(first.events).toHaveLength(1)
    expect(first.events[0].startedAt).toBe(NOW - 3 * HOUR)
  })

  it('respects the zone\'s validity at each report\'s time: the entry is the first report after it begins, and its end ends the episode', async () => {
    const validFrom = NOW - 4 * HOUR
    const validTo = NOW - 2 * HOUR
    const {env} = await world(storm({validFrom, validTo}))
    // Lying inside the square the whole time.
    const track = sail(WATCHED, [
      {at: NOW - 6 * HOUR, lon: -150, lat: 20},
      {at: NOW, lon: -150, lat: 20.1},
    ])
    const events = (await geofence.detect(env, windowOf(track))).events
    expect(events).toHaveLength(1)
    expect(events[0].startedAt).toBe(validFrom)
    expect(events[0].endedAt).toBe(validTo)
    expect(events[0].metadata).toMatchObject({exit_reason: 'zone_ended'})
  })

  it('a zone from shipped data makes an emergency event, which notifies nobody', async () => {
    const {ctx, env, location} = await world(storm({source: 'emergency', origin: 'fallback'}))
    const events = (await geofence.detect(env, windowOf(crossing(WATCHED, NOW - 6 * HOUR)))).events
    expect(events).toHaveLength(1)
    expect(events[0].source).toBe('emergency')
    const stored = await store(ctx, events)
    expect(await write(ctx.db, () => notifyWatchers(ctx, stored))).toBe(0)
    expect(withDb(location, (d) => d.prepare(`SELECT count(*) AS n FROM notifications`).get())).toEqual({n: 0})
  })

  it('an episode stored open is ended by a later window whose look-back holds its entry, or which begins inside', async () => {
    const {ctx, env, zoneId} = await world()
    const track = crossing(WATCHED, NOW - 6 * HOUR)
    const {entry, exit} = entryAndExit(track)
    // The first pass saw the entry and reports up to 30 minutes after it: the episode is open.
    const firstPass = track.filter((r) => r.at <= entry.at + 30 * MIN)
    const opened = (await geofence.detect(env, windowOf(firstPass))).events
    expect(opened).toEqual([expect.objectContaining({startedAt: entry.at, endedAt: null})])
    await store(ctx, opened)
    const key = `geofence:${WATCHED}:zone-${zoneId}:${entry.at}`

    // The next pass: its look-back reaches back over the entry, its fresh reports carry the exit.
    const next = track.map((r) => ({...r, fresh: r.at > entry.at + 30 * MIN}))
    const ended = (await geofence.detect(env, windowOf(next))).events
    expect(ended).toEqual([expect.objectContaining({dedupeKey: key, startedAt: entry.at, endedAt: exit.at})])
    expect(ended[0].metadata).toMatchObject({exited_at: new Date(exit.at).toISOString(), exit_reason: 'left'})

    // A pass whose window begins after the entry (inside the zone) ends it too, from the open event alone.
    const late = track.filter((r) => r.at > entry.at + 60 * MIN).map((r) => ({...r, fresh: r.at > entry.at + 90 * MIN}))
    const fromOpen = (await geofence.detect(env, windowOf(late))).events
    expect(fromOpen).toEqual([expect.objectContaining({dedupeKey: key, startedAt: entry.at, endedAt: exit.at, lat: entry.lat, lon: entry.lon})])
    expect(fromOpen[0].metadata).toMatchObject({zone_id: zoneId, entered_at: new Date(entry.at).toISOString()})

    // Nothing fresh inside or at the exit: nothing to say.
    const quiet = track.map((r) => ({...r, fresh: false}))
    expect((await geofence.detect(env, windowOf(quiet))).events).toEqual([])
  })

  it('a watched box (also across the antimeridian) is a fence for watched vessels; two users watching one box share its entries', async () => {
    const {ctx, env, location} = await world()
    await addUser(ctx, {name: 'bob', role: 'VIEWER'})
    await addUser(ctx, {name: 'carol', role: 'VIEWER'})
    const bob = await addWatch(ctx, {user: 'bob', area: '179.5,-18,-179.5,-17'})
    await addWatch(ctx, {user: 'carol', area: '179.5,-18,-179.5,-17'})
    // East over the antimeridian at 17.5°S: 179.0°E to 179.0°W in 4 hours.
    const track = sail(WATCHED, [
      {at: NOW - 4 * HOUR, lon: 179, lat: -17.5},
      {at: NOW - 2 * HOUR, lon: 180, lat: -17.5},
      {at: NOW - 2 * HOUR + 10 * MIN, lon: -179.9, lat: -17.5},
      {at: NOW, lon: -179, lat: -17.5},
    ])
    const other = track.map((r) => ({...r, mmsi: UNWATCHED}))
    const result = await geofence.detect(env, windowOf([...track, ...other]))
    expect(result.events).toHaveLength(1)
    const [event] = result.events
    const entry = track.find((r) => r.lon >= 179.5) as WindowReport
    const exit = track.find((r) => r.lon < 0 && r.lon > -179.5) as WindowReport
    expect(event).toMatchObject({dedupeKey: `geofence:${WATCHED}:area-${bob.id}:${entry.at}`, zoneId: null, startedAt: entry.at, endedAt: exit.at, severity: 'low'})
    expect(event.metadata).toMatchObject({fence: 'area', kind: 'area', area_id: bob.id, area: [179.5, -18, -179.5, -17]})

    // Stored, it reaches the vessel's watcher and both watchers of the box, once each.
    const stored = await store(ctx, result.events)
    expect(await write(ctx.db, () => notifyWatchers(ctx, stored))).toBe(3)
    const told = withDb(location, (d) =>
      d.prepare(`SELECT u.name FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.event_id = ? ORDER BY u.name`).all(stored[0].id),
    )
    expect(told).toEqual([{name: 'alice'}, {name: 'bob'}, {name: 'carol'}])
  })

  it('a storm zone entry reaches the vessel\'s watcher only, not a box elsewhere', async () => {
    const {ctx, env, location} = await world()
    await addUser(ctx, {name: 'bob', role: 'VIEWER'})
    await addWatch(ctx, {user: 'bob', area: '10,50,11,51'})
    const stored = await store(ctx, (await geofence.detect(env, windowOf(crossing(WATCHED, NOW - 6 * HOUR)))).events)
    expect(stored).toHaveLength(1)
    expect(await write(ctx.db, () => notifyWatchers(ctx, stored))).toBe(1)
    expect(withDb(location, (d) => d.prepare(`SELECT u.name FROM notifications n JOIN users u ON u.id = n.user_id`).all())).toEqual([{name: 'alice'}])
  })

  it('reads nothing more when no vessel of the window is watched', async () => {
    const {env} = await world()
    const result = await geofence.detect(env, windowOf(crossing(UNWATCHED, NOW - 6 * HOUR)))
    expect(result).toEqual({events: [], counts: {geofence_vessels: 0, geofence_entries: 0, geofence_exits: 0}})
  })
})

describe('geofence entries through the behaviour pass', () => {
  it('a watched vessel crossing a storm zone and a watched box: one event each, its watchers notified once; an unwatched vessel gives none; reruns add nothing', async () => {
    const db = seededDb(`${dir}/cli/harbormaster.db`)
    const cli = async (args: string[], at = NOW) => {
      const result = await runInProcess([...args, '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(at).toISOString()}})
      expect(result.code, result.stderr).toBe(0)
      return JSON.parse(result.stdout)
    }
    const zone = storm()
    const zoneId = withDb(db, (d) => {
      const g = JSON.stringify(zone.geometry)
      return Number(
        d
          .prepare(
            `INSERT INTO safety_zones (kind, external_id, name, severity, geometry, min_lon, min_lat, max_lon, max_lat, valid_from, valid_to, active, source, observed_at, origin, created_at, updated_at)
             VALUES ('storm', ?, ?, 'high', ?, -150.5, 19.5, -149.5, 20.5, ?, ?, true, 'live', ?, 'ingest', ?, ?) RETURNING id`,
          )
          .pluck()
          .get(zone.externalId, zone.name, g, zone.validFrom, zone.validTo, NOW - 12 * HOUR, NOW, NOW),
      )
    })
    await cli(['users', 'add', 'alice', '--role', 'OPERATOR'])
    await cli(['users', 'add', 'bob', '--role', 'VIEWER'])
    await cli(['watch', 'add', '--user', 'alice', '--vessel', String(WATCHED)])
    // bob watches a box in the middle of the zone, which the watched vessel crosses too.
    const box = await cli(['watch', 'add', '--user', 'bob', '--area', '-150.2,19.8,-149.8,20.2'])

    const start = NOW - 6 * HOUR
    const reports = [...crossing(WATCHED, start), ...crossing(UNWATCHED, start)].map((r) => ({mmsi: r.mmsi, at: r.at, lat: r.lat, lon: r.lon, sog: 10, name: r.mmsi === WATCHED ? 'WATCHED ONE' : undefined}))
    const {entry, exit} = entryAndExit(crossing(WATCHED, start))
    const boxEntry = entryAndExit(crossing(WATCHED, start), -150.2, -149.8)
    // The first positions reach just inside the box: both episodes open.
    const firstGo = (r: {at: number}) => r.at <= boxEntry.entry.at + 20 * MIN
    placeReports(db, reports.filter(firstGo))
    const first = (await cli(['jobs', 'run', 'behaviour'], boxEntry.entry.at + 20 * MIN)).summary
    expect(first).toMatchObject({events_new: 2, events_ended: 0, notifications: 3, new_by_type: {geofence: 2}})
    expect(first.detectors.geofence).toMatchObject({events: 2, geofence_vessels: 1, geofence_entries: 2})

    const events = () =>
      withDb(db, (d) => d.prepare(`SELECT id, mmsi, dedupe_key, zone_id, observed_at, resolved_at, metadata FROM safety_events WHERE type = 'geofence' ORDER BY id`).all()) as Array<{
        id: number
        mmsi: number
        dedupe_key: string
        zone_id: number | null
        observed_at: number
        resolved_at: number | null
        metadata: string | Record<string, unknown>
      }>
    const opened = events()
    expect(opened.map((e) => [e.dedupe_key, e.zone_id, e.observed_at, e.resolved_at])).toEqual([
      [`geofence:${WATCHED}:zone-${zoneId}:${entry.at}`, zoneId, entry.at, null],
      [`geofence:${WATCHED}:area-${box.id}:${boxEntry.entry.at}`, null, boxEntry.entry.at, null],
    ])
    const told = () =>
      withDb(db, (d) =>
        d.prepare(`SELECT u.name, n.event_id, n.channel FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.event_id IS NOT NULL ORDER BY n.event_id, u.name`).all(),
      )
    // alice hears of both (her vessel); bob of the box entry only (the zone entry lies outside his box).
    expect(told()).toEqual([
      {name: 'alice', event_id: opened[0].id, channel: 'database'},
      {name: 'alice', event_id: opened[1].id, channel: 'database'},
      {name: 'bob', event_id: opened[1].id, channel: 'database'},
    ])

    // The rest of the crossing: both episodes end at the first report outside, nothing new, nobody told again.
    placeReports(db, reports.filter((r) => !firstGo(r)))
    const second = (await cli(['jobs', 'run', 'behaviour'], NOW)).summary
    expect(second).toMatchObject({events_new: 0, events_updated: 2, events_ended: 2, notifications: 0})
    const ended = events()
    expect(ended.map((e) => [e.id, e.resolved_at])).toEqual([
      [opened[0].id, exit.at],
      [opened[1].id, boxEntry.exit.at],
    ])
    // jsonb comes back parsed from PostgreSQL, text from SQLite.
    const metadata = typeof ended[0].metadata === 'string' ? JSON.parse(ended[0].metadata) : ended[0].metadata
    expect(metadata).toMatchObject({kind: 'storm', zone_id: zoneId, entered_at: new Date(entry.at).toISOString(), exited_at: new Date(exit.at).toISOString(), exit_reason: 'left'})

    // Reruns: nothing fresh, nothing added; the same positions analysed again (the watermark cleared) neither.
    const third = (await cli(['jobs', 'run', 'behaviour'], NOW)).summary
    expect(third).toMatchObject({positions_fresh: 0, events_new: 0, notifications: 0})
    withDb(db, (d) => d.prepare(`DELETE FROM settings WHERE key = 'behaviour.position_id'`).run())
    const again = (await cli(['jobs', 'run', 'behaviour'], NOW)).summary
    expect(again.positions_fresh).toBeGreaterThan(0)
    expect(again).toMatchObject({events_new: 0, notifications: 0})
    expect(events()).toHaveLength(2)
    expect(told()).toHaveLength(3)

    // events list shows them with the vessel and the episode.
    const table = await runInProcess(['events', 'list', '--type', 'geofence', '--mmsi', String(WATCHED), '--db', db], {env: {HARBORMASTER_NOW: new Date(NOW).toISOString()}})
    expect(table.stdout).toMatch(/geofence\s+high\s+resolved\s+live\s+\S+ \S+\s+WATCHED ONE \(244100001\)\s+2026-11-24 \d\d:\d\dZ → \d\d:\d\dZ \(\d\.\d h\)\s+WATCHED ONE entered Storm Warning east of Hawaii \(storm zone\)/)
    expect(withDb(db, (d) => d.prepare(`SELECT count(*) AS n FROM safety_events WHERE type = 'geofence' AND mmsi = ?`).get(UNWATCHED))).toEqual({n: 0})
  })
})
