// Safety data through its services and repositories on this run's backend (a SQLite file, or a PostgreSQL
// database in the `postgres` project), with the same expectations on both: zones stored by external id
// (unchanged when stored JSON comes back with its keys reordered), detection over vessels' current
// positions read page by page in MMSI order, events stored once per open key and resolved, marine alerts
// waiting for zone outlines and storm zones settled against the clock, and port sea state.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {eachCurrentPosition, newestCurrentPositionAt} from '../../src/services/db/current-positions.js'
import {countOpenEvents, type EventRow, insertEvents, listEvents, markEventsSeen, openEvents, resolveEvents, touchOpenEvent} from '../../src/services/db/events.js'
import {busiestPorts, insertPortWeather, newestPortWeatherAt} from '../../src/services/db/port-weather.js'
import * as alerts from '../../src/services/db/storm-alerts.js'
import {type AnyDb, write} from '../../src/services/db/transaction.js'
import {listZones} from '../../src/services/db/zones.js'
import type {ZoneGeometry} from '../../src/services/geo/geometry.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {eventListing, zoneListing} from '../../src/services/safety/catalog.js'
import {applyDetection, planDetection} from '../../src/services/safety/detect.js'
import {storeZones, type ZoneDraft} from '../../src/services/safety/zones.js'
import {tempDir, withDb} from '../helpers/cli.js'
import {emptyDb, openTestDb, seededDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const HOUR = 3_600_000

let dir: string
let cleanup: () => void
const opened: AnyDb[] = []
beforeAll(() => ({dir, cleanup} = tempDir()))
afterAll(async () => {
  for (const db of opened) await db.close()
  cleanup()
})

let n = 0
/** Where each opened database is, for reaching it directly (PostgreSQL's URL is kept unmasked only here). */
const locations = new WeakMap<AnyDb, string>()
/** A context on a new database of this backend: empty (migrated) or as `ensure-fallback-data` leaves it. */
async function contextOn(kind: 'empty' | 'seeded'): Promise<Context & {clock: ReturnType<typeof fixedClock>}> {
  const path = `${dir}/db-${++n}/harbormaster.db`
  const location = kind === 'empty' ? emptyDb(path) : seededDb(path)
  const db = await openTestDb(location)
  opened.push(db)
  locations.set(db, location)
  return {config: loadConfig({env: {}, dbPath: location, cwd: dir}), db, logger: silentLogger, clock: fixedClock(NOW)}
}

const locationOf = (db: AnyDb) => locations.get(db) as string

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

/** A storm zone draft whose metadata has keys of many lengths (PostgreSQL's jsonb stores them reordered). */
function stormDraft(externalId: string, over: Partial<ZoneDraft> = {}): ZoneDraft {
  return {
    kind: 'storm',
    externalId,
    name: `Gale Warning ${externalId}`,
    severity: 'medium',
    geometry: square(-150, 10, 1),
    validFrom: NOW - HOUR,
    validTo: NOW + HOUR,
    active: true,
    portId: null,
    source: 'emergency',
    observedAt: NOW - HOUR,
    origin: 'fallback',
    metadata: {event: 'Gale Warning', event_rank: 14, nws_severity: 'Moderate', certainty: 'Likely', warning: true, upcoming: false, area: 'Pacific', affected_zones: 2},
    ...over,
  }
}

interface PlacedVessel {
  mmsi: number
  name: string
  lon: number
  lat: number
  at: number
  source?: string
}

function placeVessels(ctx: Context, vessels: PlacedVessel[]): void {
  withDb(locationOf(ctx.db), (d) => {
    const upsert = d.prepare(
      `INSERT INTO vessels (mmsi, name, lat, lon, sog, nav_status, position_at, position_source, origin, created_at, updated_at)
       VALUES (?, ?, ?, ?, 0.5, 0, ?, ?, 'ingest', ?, ?)
       ON CONFLICT (mmsi) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, position_at = excluded.position_at`,
    )
    for (const v of vessels) upsert.run(v.mmsi, v.name, v.lat, v.lon, v.at, v.source ?? 'emergency', NOW, NOW)
  })
}

describe('the zone store', () => {
  it('creates, keeps unchanged, updates and deactivates zones by external id; people\'s zones are theirs', async () => {
    const ctx = await contextOn('empty')
    const {db} = ctx
    const drafts = [stormDraft('a'), stormDraft('b', {severity: 'high'}), stormDraft('c', {geometry: square(-140, 10, 0.5)})]
    expect(await storeZones(db, 'storm', drafts, NOW, {origins: ['fallback']})).toEqual({created: 3, updated: 0, unchanged: 0, deactivated: 0, untouched: 0})
    // Read back and compared: the same drafts change nothing, whatever order the stored JSON keeps its keys in.
    expect(await storeZones(db, 'storm', drafts, NOW + 1, {origins: ['fallback']})).toEqual({created: 0, updated: 0, unchanged: 3, deactivated: 0, untouched: 0})
    const changed = [drafts[0], {...drafts[1], metadata: {...drafts[1].metadata, area: 'North Pacific'}}]
    expect(await storeZones(db, 'storm', changed, NOW + 2, {origins: ['fallback']})).toEqual({created: 0, updated: 1, unchanged: 1, deactivated: 1, untouched: 0})

    const zones = await listZones(db, {kinds: ['storm']})
    expect(zones.map((z) => [z.externalId, z.active, z.validTo])).toEqual([
      ['a', true, NOW + HOUR],
      ['b', true, NOW + HOUR],
      // Ended now: its end was still ahead.
      ['c', false, NOW + 2],
    ])
    expect(zones[1].metadata).toEqual({...drafts[1].metadata, area: 'North Pacific'})
    expect(zones[0]).toMatchObject({minLon: -151, minLat: 9, maxLon: -149, maxLat: 11, createdAt: NOW, updatedAt: NOW})

    // A zone someone drew is never overwritten by shipped data; --force's "only missing" leaves the rest.
    await storeZones(db, 'storm', [stormDraft('mine', {origin: 'user', name: 'Drawn by hand'})], NOW)
    expect(await storeZones(db, 'storm', [stormDraft('mine'), {...drafts[0], severity: 'critical'}], NOW + 3, undefined, {onlyMissing: true})).toEqual({
      created: 0,
      updated: 0,
      unchanged: 1,
      deactivated: 0,
      untouched: 1,
    })
    expect((await listZones(db)).find((z) => z.externalId === 'mine')?.name).toBe('Drawn by hand')

    ctx.clock.set(NOW + 3)
    const listing = await zoneListing(ctx, {kind: 'storm', active: true})
    expect(listing.zones.map((z) => z.external_id)).toEqual(['a', 'b', 'mine'])
    expect(listing.zones[0]).toEqual({
      id: zones[0].id,
      external_id: 'a',
      kind: 'storm',
      name: 'Gale Warning a',
      severity: 'medium',
      status: 'in_force',
      source: 'emergency',
      observed_at: new Date(NOW - HOUR).toISOString(),
      valid_from: new Date(NOW - HOUR).toISOString(),
      valid_to: new Date(NOW + HOUR).toISOString(),
      port_id: null,
      metadata: drafts[0].metadata,
    })
    expect(listing.geometries[0]).toEqual(square(-150, 10, 1))
  })
})

describe('detection over current positions', () => {
  it('reads positions page by page in MMSI order, and the newest position time', async () => {
    const ctx = await contextOn('empty')
    expect(await newestCurrentPositionAt(ctx.db)).toBeNull()
    placeVessels(ctx, [305, 101, 204, 999, 150].map((mmsi, k) => ({mmsi: 366_000_000 + mmsi, name: `V${mmsi}`, lon: -150 + k, lat: 10, at: NOW - k * HOUR})))
    expect(await newestCurrentPositionAt(ctx.db)).toBe(NOW)
    const seen: Array<[number, number]> = []
    let turns = 0
    const visited = await eachCurrentPosition(ctx.db, NOW - 3 * HOUR, (p) => seen.push([p.mmsi, p.at]), async () => void turns++, 2)
    expect(visited).toBe(4)
    expect(seen).toEqual([
      [366_000_101, NOW - HOUR],
      [366_000_204, NOW - 2 * HOUR],
      [366_000_305, NOW],
      [366_000_999, NOW - 3 * HOUR],
    ])
    // Between full pages only: 2, 2, then an empty one.
    expect(turns).toBe(2)
  })

  it('opens one event per vessel inside a zone in force, keeps it while it stays, resolves it when it leaves', async () => {
    const ctx = await contextOn('empty')
    const {db} = ctx
    await storeZones(db, 'storm', [stormDraft('now'), stormDraft('later', {geometry: square(-140, 10, 1), validFrom: NOW + HOUR, validTo: NOW + 5 * HOUR})], NOW)
    const [now] = await listZones(db, {kinds: ['storm'], inForceAt: NOW})
    placeVessels(ctx, [
      {mmsi: 366_000_002, name: 'BRAVO', lon: -149.5, lat: 9.5, at: NOW - 120_000},
      {mmsi: 366_000_001, name: 'ALPHA', lon: -150.2, lat: 10.1, at: NOW - 60_000},
      // In a zone that begins in an hour: no event yet.
      {mmsi: 366_000_003, name: 'CHARLIE', lon: -140, lat: 10, at: NOW - 60_000},
      {mmsi: 366_000_004, name: 'DELTA', lon: -130, lat: 10, at: NOW - 60_000},
      // Inside, but its last position is older than the window.
      {mmsi: 366_000_005, name: 'ECHO', lon: -150, lat: 10, at: NOW - 7 * HOUR},
    ])

    const plan = await planDetection(ctx)
    expect(plan).toMatchObject({vessels_checked: 4, zones_checked: 2, resolve: [], ongoing: []})
    expect(plan.create.map((d) => [d.dedupeKey, d.title, d.source, d.severity])).toEqual([
      [`storm:zone:${now.id}:vessel:366000001`, 'ALPHA inside Gale Warning now', 'emergency', 'medium'],
      [`storm:zone:${now.id}:vessel:366000002`, 'BRAVO inside Gale Warning now', 'emergency', 'medium'],
    ])
    const applied = await applyDetection(ctx, plan)
    expect(applied.created.map((e) => e.mmsi)).toEqual([366_000_001, 366_000_002])
    expect(applied).toMatchObject({resolved: 0, notifications: 0})
    expect(await countOpenEvents(db)).toBe(2)

    ctx.clock.set(NOW + 60_000)
    const again = await planDetection(ctx)
    expect(again.create).toEqual([])
    expect(again.ongoing).toEqual(applied.created.map((e) => e.id))
    await applyDetection(ctx, again)

    placeVessels(ctx, [{mmsi: 366_000_002, name: 'BRAVO', lon: -145, lat: 10, at: NOW + 60_000}])
    ctx.clock.set(NOW + 120_000)
    const left = await planDetection(ctx)
    expect(left.resolve).toEqual([{id: applied.created[1].id, type: 'storm', title: 'BRAVO inside Gale Warning now', dedupeKey: `storm:zone:${now.id}:vessel:366000002`}])
    expect((await applyDetection(ctx, left)).resolved).toBe(1)

    const listed = await eventListing(ctx, {types: ['storm']})
    expect(listed.map((e) => [e.mmsi, e.status, e.last_seen_at, e.resolved_at, e.zone_external_id])).toEqual([
      [366_000_002, 'resolved', new Date(NOW + 60_000).toISOString(), new Date(NOW + 120_000).toISOString(), 'now'],
      [366_000_001, 'open', new Date(NOW + 120_000).toISOString(), null, 'now'],
    ])
    expect(listed[1].metadata).toEqual({zone_external_id: 'now', zone_kind: 'storm'})
    expect((await eventListing(ctx, {open: true})).map((e) => e.mmsi)).toEqual([366_000_001])
  })
})

describe('the events store', () => {
  const event = (key: string, over: Partial<EventRow> = {}): EventRow => ({
    type: 'distress',
    severity: 'critical',
    zoneId: null,
    portId: null,
    mmsi: 972_000_001,
    dedupeKey: key,
    title: `MOB-AIS ${key}`,
    lat: 10.25,
    lon: -150.125,
    source: 'live',
    observedAt: NOW - 1000,
    metadata: {device: 'MOB-AIS', nav_status: 14},
    ...over,
  })

  it('stores an event unless one with its key is open, in the order given, and resolves and moves open ones', async () => {
    const ctx = await contextOn('empty')
    const {db} = ctx
    const first = await write(db, () => insertEvents(db, [event('k:b'), event('k:a'), event('k:b', {title: 'second of b'})], NOW))
    expect(first.map((e) => [e.dedupeKey, e.title, e.createdAt, e.resolvedAt])).toEqual([
      ['k:b', 'MOB-AIS k:b', NOW, null],
      ['k:a', 'MOB-AIS k:a', NOW, null],
    ])
    expect(first[0].id).toBeLessThan(first[1].id)
    // Open keys are skipped; others stored.
    const second = await write(db, () => insertEvents(db, [event('k:a'), event('k:c', {mmsi: null, lat: null, lon: null})], NOW + 1))
    expect(second.map((e) => e.dedupeKey)).toEqual(['k:c'])
    // Open events by key, byte order (upper case before lower).
    await write(db, () => insertEvents(db, [event('K:z')], NOW + 2))
    expect((await openEvents(db)).map((e) => e.dedupeKey)).toEqual(['K:z', 'k:a', 'k:b', 'k:c'])

    expect(await write(db, () => touchOpenEvent(db, 'k:a', {lat: 11, lon: -151, observedAt: NOW + 5, title: 'moved', now: NOW + 6}))).toBe(true)
    expect(await write(db, () => touchOpenEvent(db, 'k:none', {lat: 11, lon: -151, observedAt: NOW + 5, title: 'moved', now: NOW + 6}))).toBe(false)
    await write(db, () => markEventsSeen(db, [first[0].id], NOW + 7))
    expect(await write(db, () => resolveEvents(db, [first[0].id, second[0].id], NOW + 8))).toBe(2)
    expect(await write(db, () => resolveEvents(db, [first[0].id], NOW + 9))).toBe(0)
    expect(await countOpenEvents(db)).toBe(2)
    // Resolved, a key can open again.
    expect((await write(db, () => insertEvents(db, [event('k:b')], NOW + 10))).map((e) => e.dedupeKey)).toEqual(['k:b'])

    const rows = await listEvents(db, {types: ['distress'], since: NOW + 1})
    expect(rows.map((r) => [r.dedupeKey, r.resolvedAt])).toEqual([
      ['k:b', null],
      ['K:z', null],
      ['k:c', NOW + 8],
    ])
    const moved = (await listEvents(db, {mmsi: 972_000_001, open: true})).find((r) => r.dedupeKey === 'k:a')
    expect(moved).toMatchObject({lat: 11, lon: -151, observedAt: NOW + 5, title: 'moved', lastSeenAt: NOW + 6, metadata: {device: 'MOB-AIS', nav_status: 14}})
    expect((await listEvents(db, {limit: 2})).length).toBe(2)
  })
})

describe('marine alerts waiting for outlines', () => {
  const update = (alertId: string, over: Partial<alerts.PendingAlertUpdate> = {}): alerts.PendingAlertUpdate => ({
    alertId,
    event: 'Gale Warning',
    warning: true,
    area: 'Coastal waters',
    state: 'pending',
    alert: {externalId: alertId, event: 'Gale Warning'},
    zones: ['/zones/forecast/PKZ413', '/zones/forecast/PKZ414'],
    missingZones: ['/zones/forecast/PKZ414'],
    reason: '1 of its 2 zone outlines',
    source: 'live',
    validFrom: NOW - HOUR,
    validTo: NOW + HOUR,
    listedAt: NOW - 60_000,
    ...over,
  })

  it('records each attempt, keeps when an alert was last listed, counts, reports warnings, settles and purges', async () => {
    const {db} = await contextOn('empty')
    await alerts.savePendingAlerts(db, [update('urn:b'), update('urn:a', {event: 'Small Craft Advisory', warning: false, state: 'unplaceable', missingZones: []}), update('urn:c', {validTo: NOW - 1})], NOW)
    let open = await alerts.openPendingAlerts(db)
    expect(open.map((a) => [a.alertId, a.state, a.attempts, a.firstSeenAt, a.listedAt])).toEqual([
      ['urn:b', 'pending', 1, NOW, NOW - 60_000],
      ['urn:c', 'pending', 1, NOW, NOW - 60_000],
      ['urn:a', 'unplaceable', 1, NOW, NOW - 60_000],
    ])
    // Carried from an earlier answer: last listed stays; listed again: it moves.
    await alerts.savePendingAlerts(db, [update('urn:b', {listedAt: null, reason: 'still short'})], NOW + 1000)
    await alerts.savePendingAlerts(db, [update('urn:c', {listedAt: NOW + 500, validTo: NOW - 1})], NOW + 1000)
    open = await alerts.openPendingAlerts(db)
    expect(open.map((a) => [a.alertId, a.attempts, a.firstSeenAt, a.listedAt, a.lastAttemptAt, a.reason])).toEqual([
      ['urn:b', 2, NOW, NOW - 60_000, NOW + 1000, 'still short'],
      ['urn:c', 2, NOW, NOW + 500, NOW + 1000, '1 of its 2 zone outlines'],
      ['urn:a', 1, NOW, NOW - 60_000, NOW, '1 of its 2 zone outlines'],
    ])
    expect(open[0].zones).toEqual(['/zones/forecast/PKZ413', '/zones/forecast/PKZ414'])
    expect(await alerts.openAlertCounts(db)).toEqual({pending: 2, unplaceable: 1})
    // urn:c ended before now: not a warning in force.
    expect((await alerts.warningsWithoutOutline(db, NOW)).map((w) => w.alertId)).toEqual(['urn:b'])

    expect(await alerts.settlePendingAlerts(db, ['urn:b', 'urn:none'], 'completed', NOW + 2000)).toBe(1)
    expect(await alerts.settlePendingAlerts(db, ['urn:b'], 'expired', NOW + 2000)).toBe(0)
    expect(await alerts.settlePendingAlerts(db, ['urn:c'], 'expired', NOW + 3000)).toBe(1)
    expect(await alerts.openAlertCounts(db)).toEqual({pending: 0, unplaceable: 1})
    // Listed again after it settled: it waits again.
    await alerts.savePendingAlerts(db, [update('urn:c', {validTo: NOW + HOUR})], NOW + 4000)
    expect((await alerts.openPendingAlerts(db)).map((a) => [a.alertId, a.attempts, a.settledAt])).toEqual([
      ['urn:c', 3, null],
      ['urn:a', 1, null],
    ])
    expect(await alerts.purgeSettledAlerts(db, NOW + 2001)).toBe(1)
    expect(await alerts.purgeSettledAlerts(db, NOW + 2001)).toBe(0)
  })

  it('settles storm zones from NWS against the clock, renames legacy ids, and holds what has not ended', async () => {
    const {db} = await contextOn('empty')
    const ingest = {origin: 'ingest' as const, source: 'live' as const}
    await storeZones(
      db,
      'storm',
      [
        stormDraft('urn:ended', {...ingest, validTo: NOW - 1}),
        stormDraft('urn:upcoming', {...ingest, validFrom: NOW + HOUR, validTo: NOW + 3 * HOUR, metadata: {...stormDraft('x').metadata, upcoming: true}}),
        stormDraft('nws:urn:legacy', {...ingest, validTo: NOW + 5 * HOUR}),
        stormDraft('urn:capture', {validTo: NOW - 1}),
      ],
      NOW - 2 * HOUR,
    )
    expect(await alerts.settleStormZones(db, NOW)).toEqual({ended: 1, begun: 0})
    expect(await alerts.settleStormZones(db, NOW + HOUR)).toEqual({ended: 0, begun: 1})
    const zones = new Map((await listZones(db)).map((z) => [z.externalId, z]))
    expect(zones.get('urn:ended')).toMatchObject({active: false, updatedAt: NOW})
    expect(zones.get('urn:upcoming')?.metadata).toEqual({...stormDraft('x').metadata, upcoming: false})
    // Shipped zones are not NWS's to settle.
    expect(zones.get('urn:capture')?.active).toBe(true)

    expect(await alerts.adoptLegacyStormIds(db)).toBe(1)
    expect(await alerts.adoptLegacyStormIds(db)).toBe(0)
    const geometry = await alerts.storedStormGeometry(db, ['urn:legacy', 'urn:capture', 'urn:none'])
    expect([...geometry.keys()]).toEqual(['urn:legacy'])
    expect(geometry.get('urn:legacy')).toEqual(square(-150, 10, 1))
    // The renamed zone and the one that began; not the ended one, nor the shipped one.
    expect((await alerts.heldStormZones(db, NOW + 2 * HOUR)).map((z) => z.id)).toEqual(['urn:upcoming', 'nws:urn:legacy'].map((id) => zones.get(id)?.id))
  })
})

describe('port sea state', () => {
  it('asks about the busiest ports first and keeps the readings', async () => {
    const ctx = await contextOn('seeded')
    const {db} = ctx
    const ports = await busiestPorts(db, 400)
    expect(ports.length).toBe(400)
    const sizes = withDb(locationOf(db), (d) => d.prepare(`SELECT id, harbor_size FROM ports WHERE harbor_size IN ('Large', 'Medium')`).all()) as Array<{id: number; harbor_size: string}>
    const sizeOf = new Map(sizes.map((s) => [s.id, s.harbor_size]))
    const large = sizes.filter((s) => s.harbor_size === 'Large').map((s) => s.id).sort((a, b) => a - b)
    expect(ports.slice(0, large.length).map((p) => p.id)).toEqual(large)
    expect(ports.slice(large.length).every((p) => sizeOf.get(p.id) === 'Medium')).toBe(true)

    expect(await newestPortWeatherAt(db)).toBeNull()
    await write(db, () =>
      insertPortWeather(
        db,
        ports.slice(0, 3).map((p, k) => ({portId: p.id, observedAt: NOW - k * 1000, waveHeightM: 1.5 + k, wavePeriodS: null, stormRisk: 'low', source: 'live', createdAt: NOW})),
      ),
    )
    expect(await newestPortWeatherAt(db)).toBe(NOW)
  })
})
