// The sea behaviour detectors (loitering, encounters, identity) through their services, on real geography:
// positions checked against the Natural Earth land outline, the ports and Global Fishing Watch anchorages
// `ensure-fallback-data` loads into the database, reports fed through real intake where the track rule
// decides what is stored; and the same episode found by passes whose windows see it whole or cut off.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AisMessage} from '../../src/services/ais/payload.js'
import {encounters} from '../../src/services/behaviour/encounters.js'
import {identity} from '../../src/services/behaviour/identity.js'
import {loitering} from '../../src/services/behaviour/loitering.js'
import type {BehaviourEnv, Detector, DetectorResult} from '../../src/services/behaviour/types.js'
import {windowOf, type WindowReport} from '../../src/services/behaviour/window.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {areaCells, areaPorts} from '../../src/services/db/port-areas.js'
import {hotRows} from '../../src/services/db/pg-batch.js'
import {type AnyDb, write} from '../../src/services/db/transaction.js'
import {landOutline} from '../../src/services/geo/land.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {PortAreas} from '../../src/services/ports/port-areas.js'
import {ingestMessages} from '../../src/services/vessels/ingest.js'
import {tempDir} from '../helpers/cli.js'
import {openTestDb, seededDb} from '../helpers/template.js'

const MIN = 60_000
const HOUR = 60 * MIN
const T0 = Date.parse('2026-11-24T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

/** Open Atlantic west of Lisbon: 219 km from the nearest shore, no port or anchorage within 50 km. */
const ATLANTIC = {lat: 38.5, lon: -12.0}
/** Off Cabo Raso, 12 km from shore. */
const NEAR_SHORE = {lat: 38.6, lon: -9.5}
/** A Global Fishing Watch anchorage cell of Al Shaheen Terminal (Qatar), 83 km from shore. */
const AL_SHAHEEN = {lat: 26.66662589, lon: 51.90336535}
/** 3.7 km north of that anchorage cell. */
const NEAR_AL_SHAHEEN = {lat: 26.7, lon: 51.9}

const land = landOutline('10m')
let dir: string
let cleanup: () => void
let areas: PortAreas
const opened: AnyDb[] = []
let made = 0

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  const db = await freshDb()
  areas = new PortAreas(await areaPorts(db), await areaCells(db))
})
afterAll(async () => {
  for (const db of opened) await db.close()
  cleanup()
})

async function freshDb(): Promise<AnyDb> {
  const db = await openTestDb(seededDb(`${dir}/db-${++made}/harbormaster.db`))
  opened.push(db)
  return db
}

function envOn(db: AnyDb, now: number): BehaviourEnv {
  const ctx: Context = {config: loadConfig({env: {}, dbPath: ':memory:', cwd: dir}), db, logger: silentLogger, clock: fixedClock(now)}
  return {ctx, now, areas, land}
}

/** One pass of a detector over reports, its episode state committed as the pass would. */
async function pass(db: AnyDb, detector: Detector, reports: WindowReport[], now: number): Promise<DetectorResult> {
  const result = await detector.detect(envOn(db, now), windowOf(reports))
  if (result.commit) await write(db, () => (result.commit as (db: AnyDb) => Promise<void>)(db))
  return result
}

interface Leg {
  mmsi: number
  from: number
  to: number
  everyMs: number
  lat: number
  lon: number
  /** Knots reported. */
  sog: number
  /** Degrees a minute. */
  dLat?: number
  dLon?: number
  fresh?: boolean
}

/** Reports every `everyMs` from `from` to `to` (inclusive), moving `dLat`/`dLon` a minute from the start position. */
function leg(l: Leg): WindowReport[] {
  const out: WindowReport[] = []
  for (let at = l.from; at <= l.to; at += l.everyMs) {
    const minutes = (at - l.from) / MIN
    out.push({mmsi: l.mmsi, at, lat: l.lat + (l.dLat ?? 0) * minutes, lon: l.lon + (l.dLon ?? 0) * minutes, sog: l.sog, fresh: l.fresh})
  }
  return out
}

/**
 * Another vessel heard off Cabo Raso every half hour from T0 to `until`: an episode is over once the window
 * holds reports past its end by more than the rule's gap (not when the clock says so).
 */
const heardUntil = (until: number) => leg({mmsi: 247000099, from: T0, to: until, everyMs: 30 * MIN, ...NEAR_SHORE, sog: 10})

/** 0.8 kn due north, in degrees of latitude a minute. */
const DRIFT = (0.8 * 1.852) / 111.195 / 60
/** 12 kn due north. */
const TRANSIT = (12 * 1.852) / 111.195 / 60

/** A vessel that comes in at 12 kn, drifts at 0.8 kn (or `knots`) from T0 for `hours`, and leaves at 12 kn. */
function loiterer(mmsi: number, at: {lat: number; lon: number}, hours: number, knots = 0.8): WindowReport[] {
  const stop = T0 + hours * HOUR
  const inbound = leg({mmsi, from: T0 - HOUR, to: T0 - 10 * MIN, everyMs: 10 * MIN, lat: at.lat - 60 * TRANSIT, lon: at.lon, sog: 12, dLat: TRANSIT})
  const drift = leg({mmsi, from: T0, to: stop, everyMs: 10 * MIN, lat: at.lat, lon: at.lon, sog: knots, dLat: (DRIFT * knots) / 0.8})
  const end = drift.at(-1) as WindowReport
  const outbound = leg({mmsi, from: stop + 10 * MIN, to: stop + HOUR, everyMs: 10 * MIN, lat: end.lat + 10 * TRANSIT, lon: at.lon, sog: 12, dLat: TRANSIT})
  return [...inbound, ...drift, ...outbound]
}

describe('the spots the tests use, on the land outline and the shipped anchorages', () => {
  it('are where they are said to be', () => {
    expect(land.isOnLand(ATLANTIC.lon, ATLANTIC.lat)).toBe(false)
    expect(land.distanceToShoreKm(ATLANTIC.lon, ATLANTIC.lat) / 1.852).toBeGreaterThan(100)
    expect(areas.nearestPort(ATLANTIC.lat, ATLANTIC.lon, 50)).toBeNull()
    expect(land.distanceToShoreKm(NEAR_SHORE.lon, NEAR_SHORE.lat) / 1.852).toBeLessThan(10)
    expect(land.distanceToShoreKm(AL_SHAHEEN.lon, AL_SHAHEEN.lat) / 1.852).toBeGreaterThan(40)
    expect(areas.locate(AL_SHAHEEN.lat, AL_SHAHEEN.lon)).toMatchObject({place: 'anchorage'})
    expect(areas.nearestPort(NEAR_AL_SHAHEEN.lat, NEAR_AL_SHAHEEN.lon, 10)?.distanceKm).toBeLessThan(5)
    expect(land.distanceToShoreKm(NEAR_AL_SHAHEEN.lon, NEAR_AL_SHAHEEN.lat)).toBeGreaterThan(10)
  })
})

describe('loitering', () => {
  it('finds a vessel drifting under 2 kn for 6 h far offshore, from its first slow report to its last', async () => {
    const db = await freshDb()
    const result = await pass(db, loitering, loiterer(247000001, ATLANTIC, 6), T0 + 12 * HOUR)
    expect(result.events).toHaveLength(1)
    const [event] = result.events
    expect(event).toMatchObject({type: 'loitering', mmsi: 247000001, dedupeKey: `loitering:247000001:${T0}`, startedAt: T0, endedAt: T0 + 6 * HOUR, source: 'live'})
    expect(event.metadata).toMatchObject({started_at: iso(T0), ended_at: iso(T0 + 6 * HOUR), duration_hours: 6, mean_speed_knots: 0.8, reports: 37, start_lat: ATLANTIC.lat, start_lon: ATLANTIC.lon})
    expect(event.metadata.distance_from_shore_nm).toBeGreaterThan(100)
    expect(event.metadata.distance_from_shore_nm).toBeLessThan(130)
  })

  it('leaves an episode still going on at the end of the window open', async () => {
    const db = await freshDb()
    const drifting = loiterer(247000002, ATLANTIC, 6).filter((r) => r.at <= T0 + 5 * HOUR)
    const result = await pass(db, loitering, drifting, T0 + 5 * HOUR + MIN)
    expect(result.events).toEqual([expect.objectContaining({dedupeKey: `loitering:247000002:${T0}`, startedAt: T0, endedAt: null})])
    expect(result.counts).toMatchObject({open: 1})
  })

  it('finds none near shore, in a port area far offshore, or under 4 h', async () => {
    const db = await freshDb()
    // At anchor at the terminal (swinging 0.1 kn): inside its port area all the while.
    const reports = [...loiterer(247000003, NEAR_SHORE, 6), ...loiterer(247000004, AL_SHAHEEN, 6, 0.1), ...loiterer(247000005, ATLANTIC, 3.5)]
    const result = await pass(db, loitering, reports, T0 + 12 * HOUR)
    expect(result.events).toEqual([])
    // The three slow runs were long enough to be placed; none held at sea, far out, outside ports for 4 h.
    expect(result.counts).toMatchObject({candidate_runs: 2})
  })

  it('gives an episode longer than the look-back the same key and whole figures in a later pass that sees it cut off', async () => {
    const reports = loiterer(247000006, ATLANTIC, 30)
    const whole = await pass(await freshDb(), loitering, reports, T0 + 40 * HOUR)
    expect(whole.events).toHaveLength(1)

    const db = await freshDb()
    const first = await pass(db, loitering, reports.filter((r) => r.at <= T0 + 10 * HOUR), T0 + 10 * HOUR)
    expect(first.events).toEqual([expect.objectContaining({dedupeKey: `loitering:247000006:${T0}`, endedAt: null})])
    // The next pass: its fresh reports, and the look-back before them (which no longer reaches the start).
    const fresh = T0 + 10 * HOUR + 10 * MIN
    const second = reports.filter((r) => r.at >= fresh - loitering.lookbackMs).map((r) => ({...r, fresh: r.at >= fresh}))
    expect(second[0].at).toBeGreaterThan(T0)
    const later = await pass(db, loitering, second, T0 + 40 * HOUR)
    expect(later.events).toEqual(whole.events)
    expect(later.events[0]).toMatchObject({dedupeKey: `loitering:247000006:${T0}`, endedAt: T0 + 30 * HOUR})

    // Without the first pass's record the cut-off episode is not reported under a key of its own.
    const blind = await pass(await freshDb(), loitering, second, T0 + 40 * HOUR)
    expect(blind.events).toEqual([])
    expect(blind.counts).toMatchObject({cut_off_unmatched: 1})
  })

  it('ends an open episode at its last report once its vessel has been silent longer than a gap', async () => {
    const db = await freshDb()
    const drifting = loiterer(247000007, ATLANTIC, 6).filter((r) => r.at <= T0 + 5 * HOUR)
    await pass(db, loitering, drifting, T0 + 5 * HOUR)
    const other = leg({mmsi: 247000008, from: T0 + 9 * HOUR, to: T0 + 10 * HOUR, everyMs: 10 * MIN, ...NEAR_SHORE, sog: 10})
    const result = await pass(db, loitering, other, T0 + 10 * HOUR)
    expect(result.events).toEqual([expect.objectContaining({dedupeKey: `loitering:247000007:${T0}`, endedAt: T0 + 5 * HOUR})])
    expect(result.counts).toMatchObject({open: 0})
    expect((await pass(db, loitering, other, T0 + 11 * HOUR)).events).toEqual([])
  })
})

/** Two vessels side by side at a spot (200 m apart), both under 2 kn, reporting at their own instants. */
function pair(a: number, b: number, at: {lat: number; lon: number}, from: number, to: number): WindowReport[] {
  return [
    ...leg({mmsi: a, from, to, everyMs: 3 * MIN, lat: at.lat, lon: at.lon, sog: 0.5}),
    ...leg({mmsi: b, from: from + MIN, to, everyMs: 4 * MIN, lat: at.lat + 0.0018, lon: at.lon, sog: 0.6}),
  ]
}

describe('encounters', () => {
  it('finds two vessels within 500 m, both slow, for 2 h and more, with times on the 10-minute marks', async () => {
    const db = await freshDb()
    const result = await pass(db, encounters, [...pair(247000011, 247000012, ATLANTIC, T0, T0 + 3 * HOUR), ...heardUntil(T0 + 6 * HOUR)], T0 + 12 * HOUR)
    expect(result.events).toHaveLength(1)
    const [event] = result.events
    // The first mark both are resampled at (the second vessel's first report is at T0 + 1 min), the last
    // before the first vessel's last report.
    expect(event).toMatchObject({type: 'encounter', mmsi: 247000011, dedupeKey: `encounter:247000011:247000012:${T0 + 10 * MIN}`, startedAt: T0 + 10 * MIN, endedAt: T0 + 170 * MIN})
    expect(event.metadata).toMatchObject({other_mmsi: 247000012, started_at: iso(T0 + 10 * MIN), ended_at: iso(T0 + 170 * MIN), duration_hours: 2.67, intervals_together: 17})
    expect(event.metadata.median_distance_m).toBeGreaterThanOrEqual(195)
    expect(event.metadata.median_distance_m).toBeLessThanOrEqual(210)
  })

  it('leaves an encounter still going on at the end of the window open', async () => {
    const db = await freshDb()
    const result = await pass(db, encounters, pair(247000013, 247000014, ATLANTIC, T0, T0 + 3 * HOUR), T0 + 3 * HOUR)
    expect(result.events).toEqual([expect.objectContaining({startedAt: T0 + 10 * MIN, endedAt: null})])
  })

  it('finds none near an anchorage, between vessels passing each other fast, 1 km apart, or together under 2 h', async () => {
    const db = await freshDb()
    const passing = [
      // Northbound and southbound at 12 kn, 300 m apart in longitude, abeam at T0 + 1 h.
      ...leg({mmsi: 247000017, from: T0, to: T0 + 2 * HOUR, everyMs: MIN, lat: ATLANTIC.lat - 60 * TRANSIT, lon: ATLANTIC.lon, sog: 12, dLat: TRANSIT}),
      ...leg({mmsi: 247000018, from: T0, to: T0 + 2 * HOUR, everyMs: MIN, lat: ATLANTIC.lat + 60 * TRANSIT, lon: ATLANTIC.lon + 0.0035, sog: 12, dLat: -TRANSIT}),
    ]
    const apart = [
      ...leg({mmsi: 247000019, from: T0, to: T0 + 3 * HOUR, everyMs: 3 * MIN, lat: 39.5, lon: -13, sog: 0.5}),
      ...leg({mmsi: 247000020, from: T0, to: T0 + 3 * HOUR, everyMs: 3 * MIN, lat: 39.509, lon: -13, sog: 0.5}),
    ]
    const reports = [...pair(247000015, 247000016, NEAR_AL_SHAHEEN, T0, T0 + 3 * HOUR), ...passing, ...apart, ...pair(247000021, 247000022, {lat: 40, lon: -14}, T0, T0 + 90 * MIN)]
    const result = await pass(db, encounters, reports, T0 + 12 * HOUR)
    expect(result.events).toEqual([])
    // Only the short pair came within 500 m at any mark.
    expect(result.counts).toMatchObject({close_pairs: 8})
  })

  it('gives an encounter longer than the look-back the same key and whole figures in a later pass that sees it cut off', async () => {
    const reports = [...pair(247000023, 247000024, ATLANTIC, T0, T0 + 12 * HOUR), ...heardUntil(T0 + 16 * HOUR)]
    const whole = await pass(await freshDb(), encounters, reports, T0 + 20 * HOUR)
    expect(whole.events).toEqual([expect.objectContaining({startedAt: T0 + 10 * MIN, endedAt: T0 + 710 * MIN})])

    const db = await freshDb()
    const first = await pass(db, encounters, reports.filter((r) => r.at < T0 + 8 * HOUR), T0 + 8 * HOUR)
    expect(first.events).toEqual([expect.objectContaining({dedupeKey: whole.events[0].dedupeKey, endedAt: null})])
    const fresh = T0 + 8 * HOUR
    const second = reports.filter((r) => r.at >= fresh - encounters.lookbackMs).map((r) => ({...r, fresh: r.at >= fresh}))
    expect(second[0].at).toBeGreaterThan(T0)
    const later = await pass(db, encounters, second, T0 + 20 * HOUR)
    expect(later.events).toEqual(whole.events)
  })
})

/** An AIS position report as intake receives it. */
const message = (mmsi: number, lat: number, lon: number, at: number, sog: number): AisMessage => ({
  msg_type: 1,
  repeat: 0,
  mmsi,
  lat,
  lon,
  sog,
  cog: 0,
  heading: 0,
  nav_status: 0,
  received_at: at,
})

/** Intake of these messages (as one source's batches), then the identity detector over what it stored. */
async function throughIntake(db: AnyDb, messages: AisMessage[], now: number): Promise<DetectorResult> {
  await ingestMessages(db, [messages], {source: 'live', origin: 'ingest', now, observedAtOf: (m) => m.received_at as number, batchSize: 25})
  const mmsis = [...new Set(messages.map((m) => m.mmsi))]
  const stored = await hotRows<WindowReport>(
    db,
    `SELECT mmsi, observed_at AS at, lat, lon, sog, nav_status AS nav, utc_second AS second, source FROM vessel_positions WHERE mmsi IN (${mmsis.map(() => '?').join(', ')})`,
    mmsis,
  )
  return pass(db, identity, stored, now)
}

/** A ship at 10 kn north from the Atlantic spot, one report every 2 minutes for 2 h. */
const honest = (mmsi: number) => Array.from({length: 61}, (_, k) => message(mmsi, ATLANTIC.lat + k * 2 * ((10 * 1.852) / 111.195 / 60), ATLANTIC.lon, T0 + k * 2 * MIN, 10))
/** A second transmitter with the same MMSI 700 km away, between the first one's reports. */
const twin = (mmsi: number, from = 0, to = 60) =>
  Array.from({length: to - from}, (_, k) => message(mmsi, 36.0 + (from + k) * 0.0002, -20.0, T0 + (from + k) * 2 * MIN + MIN, 1))

describe('identity', () => {
  it('gives one event for an MMSI heard in two places at once, though intake discarded every report of the second place', async () => {
    const db = await freshDb()
    const mmsi = 247000031
    const messages = [...honest(mmsi), ...twin(mmsi)].sort((a, b) => (a.received_at as number) - (b.received_at as number))
    // Another vessel heard till 9 h later: both places have long been silent, the episode is over.
    const others = heardUntil(T0 + 9 * HOUR).map((r) => message(r.mmsi, r.lat, r.lon, r.at, 10))
    const result = await throughIntake(db, [...messages, ...others].sort((a, b) => (a.received_at as number) - (b.received_at as number)), T0 + 10 * HOUR)
    expect(result.counts).toMatchObject({off_track_reports: 60})
    expect(result.events).toHaveLength(1)
    const [event] = result.events
    // The first conflict: the second track's third report, with the first track heard a minute before.
    expect(event).toMatchObject({type: 'identity', mmsi, dedupeKey: `identity:${mmsi}:${T0 + 5 * MIN}`, startedAt: T0 + 5 * MIN, endedAt: T0 + 120 * MIN, severity: 'high'})
    // Of the 60 discarded reports, those from the first conflict on.
    expect(event.metadata).toMatchObject({started_at: iso(T0 + 5 * MIN), last_conflict_at: iso(T0 + 120 * MIN), off_track_reports: 58})
    expect(event.metadata.distance_km).toBeGreaterThan(600)
    expect(event.metadata.implied_knots).toBeGreaterThan(10_000)
    expect(event.metadata.conflicts).toBe(116)
  })

  it('reads both places from the track itself when the second transmitter sends runs that move the track', async () => {
    const db = await freshDb()
    const mmsi = 247000032
    // Runs of three from each place in turn: each run moves the track, so intake stores both.
    const first = honest(mmsi)
    const second = twin(mmsi)
    const messages: AisMessage[] = []
    for (let k = 0; k < 60; k += 3) messages.push(...first.slice(k, k + 3), ...second.slice(k, k + 3))
    const result = await throughIntake(db, messages.map((m, i) => ({...m, received_at: T0 + i * MIN})), T0 + 10 * HOUR)
    expect(result.counts).toMatchObject({off_track_reports: 0})
    expect(result.events).toEqual([expect.objectContaining({dedupeKey: `identity:${mmsi}:${T0 + 6 * MIN}`, startedAt: T0 + 6 * MIN})])
  })

  it('gives none for a fast but possible voyage, one stray fix, or a ship that reappears far away for good', async () => {
    const db = await freshDb()
    const fast = Array.from({length: 61}, (_, k) => message(247000033, 38.5 + k * 2 * ((40 * 1.852) / 111.195 / 60), -12, T0 + k * 2 * MIN, 40))
    const stray = [...honest(247000034).slice(0, 30), message(247000034, 36, -20, T0 + 59 * MIN, 1), ...honest(247000034).slice(30)]
    // Heard off Portugal for an hour, then (its transmitter off meanwhile? a wrong clock?) 700 km away for an hour.
    const moved = [...honest(247000035).slice(0, 30), ...twin(247000035, 30, 60)]
    const result = await throughIntake(db, [...fast, ...stray, ...moved].sort((a, b) => (a.received_at as number) - (b.received_at as number)), T0 + 10 * HOUR)
    expect(result.events).toEqual([])
  })

  it('gives an episode longer than the look-back the same key and whole figures in a later pass that sees it cut off', async () => {
    const db = await freshDb()
    const mmsi = 247000038
    // 30 h of both places, one report each every 10 minutes; other traffic heard till 40 h.
    const first = Array.from({length: 181}, (_, k) => message(mmsi, ATLANTIC.lat + k * 0.01, ATLANTIC.lon, T0 + k * 10 * MIN, 3.6))
    const second = Array.from({length: 180}, (_, k) => message(mmsi, 36 + k * 0.0002, -20, T0 + k * 10 * MIN + 5 * MIN, 1))
    const others = heardUntil(T0 + 40 * HOUR).map((r) => message(r.mmsi, r.lat, r.lon, r.at, 10))
    const messages = [...first, ...second, ...others].sort((a, b) => (a.received_at as number) - (b.received_at as number))
    await ingestMessages(db, [messages], {source: 'live', origin: 'ingest', now: T0 + 40 * HOUR, observedAtOf: (m) => m.received_at as number})
    const stored = await hotRows<WindowReport>(db, `SELECT mmsi, observed_at AS at, lat, lon, sog, source FROM vessel_positions WHERE mmsi IN (?, ?)`, [mmsi, 247000099])

    const whole = await identity.detect(envOn(db, T0 + 40 * HOUR), windowOf(stored))
    expect(whole.events).toEqual([expect.objectContaining({dedupeKey: `identity:${mmsi}:${T0 + 25 * MIN}`, endedAt: T0 + 30 * HOUR})])
    await pass(db, identity, stored.filter((r) => r.at <= T0 + 20 * HOUR), T0 + 20 * HOUR)
    const fresh = T0 + 20 * HOUR + MIN
    const cut = stored.filter((r) => r.at >= fresh - identity.lookbackMs).map((r) => ({...r, fresh: r.at >= fresh}))
    expect(cut[0].at).toBeGreaterThan(T0)
    const later = await pass(db, identity, cut, T0 + 40 * HOUR)
    expect(later.events).toEqual(whole.events)
  })

  it('keeps an episode open while both tracks report, and ends it in a later pass', async () => {
    const db = await freshDb()
    const mmsi = 247000036
    const messages = [...honest(mmsi), ...twin(mmsi)].sort((a, b) => (a.received_at as number) - (b.received_at as number))
    const open = await throughIntake(db, messages, T0 + 2 * HOUR + MIN)
    expect(open.events).toEqual([expect.objectContaining({dedupeKey: `identity:${mmsi}:${T0 + 5 * MIN}`, endedAt: null})])
    expect(open.counts).toMatchObject({open: 1})
    // The vessel falls silent; once others have been heard past the quiet stretch, its episode is over at its last conflict.
    const others = leg({mmsi: 247000037, from: T0 + 8 * HOUR, to: T0 + 9 * HOUR, everyMs: 10 * MIN, ...NEAR_SHORE, sog: 10})
    expect((await pass(db, identity, others.slice(0, 1), T0 + 9 * HOUR)).events).toEqual([])
    const ended = await pass(db, identity, others, T0 + 9 * HOUR)
    expect(ended.events).toEqual([expect.objectContaining({dedupeKey: `identity:${mmsi}:${T0 + 5 * MIN}`, endedAt: T0 + 120 * MIN})])
  })
})
