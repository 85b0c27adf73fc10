// Port calls by Global Fishing Watch's port visit method, through the detector and its repository on this
// run's backend, on real port geometry: Singapore's shipped anchorage cells (Global Fishing Watch's named
// anchorages) and its berths, with voyages whose truth is known (where the ship was every 10 s, measured to
// every cell without the index). Windows are built as the behaviour pass builds them (fresh reports, and
// looked-back ones it has analysed before).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {portCallsDetector} from '../../src/services/behaviour/port-calls.js'
import type {BehaviourEnv} from '../../src/services/behaviour/types.js'
import {windowOf, type WindowReport} from '../../src/services/behaviour/window.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {areaCells, areaPorts} from '../../src/services/db/port-areas.js'
import {listPortCalls, type PortCallListing} from '../../src/services/db/port-calls.js'
import {type AnyDb, write} from '../../src/services/db/transaction.js'
import {landOutline} from '../../src/services/geo/land.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {portWaiting} from '../../src/services/ports/anchorage-waits.js'
import {PortAreas} from '../../src/services/ports/port-areas.js'
import {tempDir, withDb} from '../helpers/cli.js'
import {openTestDb, seededDb} from '../helpers/template.js'
import {type LatLon, nearestKm, truthOfVisit, voyage} from '../helpers/voyage.js'

const MIN = 60_000
const HOUR = 60 * MIN
const EVERY = 10 * MIN
const T0 = Date.parse('2026-11-20T00:00:00Z')

/** Open sea east of the Singapore Strait, 55 km from the nearest anchorage cell. */
const SEA: LatLon = [1.6, 104.8]
/** Singapore's eastern anchorages (a Global Fishing Watch anchorage cell of Keppel). */
const ANCHORAGE: LatLon = [1.245, 103.89]
/** At Keppel's berths, near its World Port Index position (1.1 km from the nearest anchorage cell). */
const BERTH: LatLon = [1.28, 103.85]
/** The first anchorage cells a ship from the east meets. */
const OUTER_ANCHORAGE: LatLon = [1.3338, 104.1175]

let dir: string
let cleanup: () => void
let location: string
let db: AnyDb
let ctx: Context
let env: BehaviourEnv
let cells: Array<{lat: number; lon: number}>
let keppel: number

beforeAll(async () => {
  ;({dir, cleanup} = tempDir())
  location = seededDb(`${dir}/harbormaster.db`)
  db = await openTestDb(location)
  ctx = {config: loadConfig({env: {}, dbPath: dir, cwd: dir}), db, logger: silentLogger, clock: fixedClock(T0)}
  const ports = await areaPorts(db)
  const all = await areaCells(db)
  env = {ctx, now: T0, areas: new PortAreas(ports, all), land: landOutline('110m')}
  // The truth is measured to every cell of the region, whatever port holds it.
  cells = all.filter((c) => c.lat > 0 && c.lat < 2.5 && c.lon > 102.5 && c.lon < 106)
  keppel = (ports.find((p) => p.unlocode === 'SGKEP') as {id: number}).id
})
afterAll(async () => {
  await db.close()
  cleanup()
})

/** One pass over the window: the detector's reading, then its writes in one transaction, as the pass does. */
async function pass(reports: WindowReport[]) {
  const result = await portCallsDetector.detect(env, windowOf(reports))
  expect(result.events).toEqual([])
  await write(db, async () => result.commit?.(db))
  return result.counts as Record<string, number>
}

const reportsOf = (mmsi: number, v: ReturnType<typeof voyage>, every = EVERY): WindowReport[] => v.reports(every).map((r) => ({mmsi, ...r}))
const visitsOf = async (mmsi: number) => (await listPortCalls(db, {since: 0, mmsi})).reverse()

/** Arrive from sea, anchor 5 h, shift to a berth, 20 h alongside, back to sea: the call whose truth is known. */
const fullCall = (start: number, nav = {anchored: 1, moored: 5} as {anchored?: number; moored?: number}) =>
  voyage(start, SEA, [
    {to: ANCHORAGE, knots: 12},
    {stayMs: 5 * HOUR, sog: 0.1, nav: nav.anchored},
    {to: BERTH, knots: 8},
    {stayMs: 20 * HOUR, sog: 0, nav: nav.moored},
    {to: SEA, knots: 12},
  ])

function expectTruth(call: PortCallListing, v: ReturnType<typeof voyage>) {
  const truth = truthOfVisit(v, cells, 3, 4)
  // Each reading is at the first report at or after the moment it describes: never early, at most one interval late.
  expect(call.arrivedAt - truth.arrived).toBeGreaterThanOrEqual(0)
  expect(call.arrivedAt - truth.arrived).toBeLessThanOrEqual(EVERY)
  expect((call.departedAt as number) - truth.departed).toBeGreaterThanOrEqual(0)
  expect((call.departedAt as number) - truth.departed).toBeLessThanOrEqual(EVERY)
  expect(Math.abs(call.anchorageMs - 5 * HOUR)).toBeLessThanOrEqual(EVERY)
  expect(Math.abs(call.berthMs - 20 * HOUR)).toBeLessThanOrEqual(EVERY)
  const berthed = v.legs[3].from
  expect((call.berthedAt as number) - berthed).toBeGreaterThanOrEqual(0)
  expect((call.berthedAt as number) - berthed).toBeLessThanOrEqual(EVERY)
}

describe('a call: arrive, anchor 5 h, berth 20 h, depart', () => {
  it('is one call at Keppel with arrival, departure, wait at anchorage and time at berth each within one report interval of the truth', async () => {
    const v = fullCall(T0)
    const counts = await pass(reportsOf(563500001, v))
    expect(counts).toEqual({port_visits_started: 1, port_visits_ended: 1, port_calls_ended: 1, port_stops_ended: 0, port_positions_out_of_order: 0})
    const [call, ...others] = await visitsOf(563500001)
    expect(others).toEqual([])
    expect(call).toMatchObject({portId: keppel, unlocode: 'SGKEP', isCall: true, stops: 2, gaps: 0, stopPlace: null, source: 'live'})
    expectTruth(call, v)
  })

  it('reads the berth from the place where the ship gives no status: stopped at the berths, not in an anchorage cell', async () => {
    const v = fullCall(T0, {})
    await pass(reportsOf(563500002, v))
    const [call, ...others] = await visitsOf(563500002)
    expect(others).toEqual([])
    expect(call).toMatchObject({isCall: true, stops: 2})
    expectTruth(call, v)
  })

  it('leaves out dead-reckoned reports, and takes the least trustworthy source of the reports', async () => {
    const v = fullCall(T0)
    const reports = reportsOf(563500003, v).map((r, k) => ({...r, second: k % 2 === 1 ? 62 : 20, source: k === 40 ? ('cached' as const) : ('live' as const)}))
    await pass(reports)
    const [call] = await visitsOf(563500003)
    expect(call).toMatchObject({isCall: true, source: 'cached'})
    // Every other report gone: within two intervals now.
    expect(Math.abs(call.berthMs - 20 * HOUR)).toBeLessThanOrEqual(2 * EVERY)
  })
})

describe('port stops and gaps', () => {
  it('keeps a 2 h stop as a port stop, not a call', async () => {
    const v = voyage(T0, SEA, [{to: OUTER_ANCHORAGE, knots: 12}, {stayMs: 2 * HOUR, sog: 0.1, nav: 1}, {to: SEA, knots: 12}])
    const counts = await pass(reportsOf(563500010, v))
    expect(counts).toMatchObject({port_visits_started: 1, port_calls_ended: 0, port_stops_ended: 1})
    const [stop, ...others] = await visitsOf(563500010)
    expect(others).toEqual([])
    const truth = truthOfVisit(v, cells, 3, 4)
    expect(truth.departed - truth.arrived).toBeLessThan(3 * HOUR)
    expect(stop).toMatchObject({isCall: false, stops: 1, gaps: 0, berthedAt: null})
    expect(Math.abs(stop.anchorageMs - 2 * HOUR)).toBeLessThanOrEqual(EVERY)
    expect((await listPortCalls(db, {since: 0, mmsi: 563500010, callsOnly: true})).length).toBe(0)
  })

  it('takes a 5 h silence inside the port as a gap within one visit, the time alongside counted through it', async () => {
    const v = fullCall(T0)
    // Silent for 5 h in the middle of the 20 h alongside.
    const silentFrom = v.legs[3].from + 5 * HOUR
    const reports = reportsOf(563500011, v).filter((r) => r.at <= silentFrom || r.at > silentFrom + 5 * HOUR)
    await pass(reports)
    const [call, ...others] = await visitsOf(563500011)
    expect(others).toEqual([])
    expect(call).toMatchObject({isCall: true, gaps: 1, stops: 2})
    expectTruth(call, v)
  })

  it('credits a silence to neither place when the ship lay at anchor before it and alongside after it', async () => {
    const v = fullCall(T0)
    const silentFrom = v.legs[1].from + 2 * HOUR
    const reports = reportsOf(563500013, v).filter((r) => r.at <= silentFrom || r.at > silentFrom + 5 * HOUR)
    await pass(reports)
    const [call, ...others] = await visitsOf(563500013)
    expect(others).toEqual([])
    expect(call).toMatchObject({isCall: true, gaps: 1, stops: 2})
    expect(Math.abs(call.anchorageMs - 2 * HOUR)).toBeLessThanOrEqual(EVERY)
    // Alongside from the end of the silence to the departure from the berth.
    expect(Math.abs(call.berthMs - (v.legs[3].to - (silentFrom + 5 * HOUR)))).toBeLessThanOrEqual(EVERY)
  })

  it('begins a visit within 3 km of a cell and ends it beyond 4 km: between the two a ship is in port only once it came in', async () => {
    // Points on the approach from the east between 3 and 4 km, and under 3 km, from the nearest cell.
    const approach = voyage(T0, SEA, [{to: OUTER_ANCHORAGE, knots: 12}])
    const along = approach.reports(MIN).map((r) => ({...r, km: nearestKm(cells, r.lat, r.lon)}))
    const between = along.find((r) => r.km > 3.2 && r.km < 3.8) as {lat: number; lon: number}
    const inside = along.find((r) => r.km > 2 && r.km < 2.8) as {lat: number; lon: number}
    const at = (k: number, p: {lat: number; lon: number}): WindowReport => ({mmsi: 563500012, at: T0 + k * EVERY, lat: p.lat, lon: p.lon, sog: 6})
    const sea = {lat: SEA[0], lon: SEA[1]}
    await pass([at(0, sea), ...[1, 2, 3, 4, 5, 6].map((k) => at(k, between)), ...[7, 8, 9].map((k) => at(k, inside)), ...[10, 11, 12].map((k) => at(k, between)), at(13, sea)])
    const [visit, ...others] = await visitsOf(563500012)
    expect(others).toEqual([])
    expect(visit).toMatchObject({arrivedAt: T0 + 7 * EVERY, departedAt: T0 + 13 * EVERY, stops: 0, isCall: false})
  })
})

describe('across passes', () => {
  it('finds the same call when the voyage is split over two passes, wherever the split falls', async () => {
    const v = fullCall(T0)
    const truth = truthOfVisit(v, cells, 3, 4)
    const whole = reportsOf(563500020, v)
    await pass(whole)
    const [expected] = await visitsOf(563500020)
    const strip = (c: PortCallListing) => ({...c, id: 0, mmsi: 0})
    // Before the visit, at anchor, shifting to the berth, alongside, on the way out, and after it: with the
    // visit open at the split or not.
    const splits: Array<[number, number]> = [
      [truth.arrived - 30 * MIN, 0],
      [v.legs[1].from + HOUR, 1],
      [v.legs[2].from + MIN, 1],
      [v.legs[3].from + 10 * HOUR, 1],
      [truth.departed - 5 * MIN, 1],
      [truth.departed + 30 * MIN, 0],
    ]
    for (const [k, [split, open]] of splits.entries()) {
      const mmsi = 563500021 + k
      const reports = reportsOf(mmsi, v)
      await pass(reports.filter((r) => r.at <= split))
      expect((await visitsOf(mmsi)).filter((c) => c.departedAt === null).length, `split ${k}`).toBe(open)
      // The second window looks back over the first's reports (analysed already) and holds the rest fresh.
      await pass(reports.map((r) => ({...r, fresh: r.at > split})))
      const visits = await visitsOf(mmsi)
      expect(visits.map(strip), `split ${k}`).toEqual([strip(expected)])
    }
  })

  it('adds nothing when a pass reads the same reports again, fresh or looked back', async () => {
    const v = fullCall(T0)
    const reports = reportsOf(563500030, v)
    await pass(reports)
    const before = await visitsOf(563500030)
    const again = await pass(reports)
    // Reports up to the departure are skipped; those after it, at sea, change nothing.
    const upToDeparture = reports.filter((r) => r.at <= (before[0].departedAt as number)).length
    expect(again).toMatchObject({port_visits_started: 0, port_visits_ended: 0, port_positions_out_of_order: upToDeparture})
    await pass(reports.map((r) => ({...r, fresh: false})))
    expect(await visitsOf(563500030)).toEqual(before)
  })

  it('keeps a visit open while the ship is in port, and ends it in a later pass', async () => {
    const v = fullCall(T0)
    const reports = reportsOf(563500040, v)
    const atBerth = v.legs[3].from + 2 * HOUR
    await pass(reports.filter((r) => r.at <= atBerth))
    const [open] = await visitsOf(563500040)
    expect(open).toMatchObject({departedAt: null, isCall: true, stopPlace: 'berth', lastAt: atBerth - (atBerth - v.start) % EVERY})
    await pass(reports.filter((r) => r.at > atBerth))
    const [closed] = await visitsOf(563500040)
    expect(closed.id).toBe(open.id)
    expect(closed).toMatchObject({isCall: true, stopPlace: null})
    expectTruth(closed, v)
  })
})

describe("congestion's median wait", () => {
  it('is read from the calls at a port that has them: their time at anchorage before berthing, merchant ships only, not port stops', async () => {
    const start = T0 + 30 * 24 * HOUR
    const waitAt = (mmsi: number, waitHours: number) =>
      reportsOf(
        mmsi,
        voyage(start, SEA, [
          {to: ANCHORAGE, knots: 12},
          {stayMs: waitHours * HOUR, sog: 0.1, nav: 1},
          {to: BERTH, knots: 8},
          {stayMs: 12 * HOUR, sog: 0, nav: 5},
          {to: SEA, knots: 12},
        ]),
      )
    // Three cargo ships and tankers that waited 2, 5 and 8 h; a tug that waited 30 h; a tanker that anchored
    // 1.5 h at the outer anchorage and left (a port stop).
    const ships: Array<[number, number]> = [
      [563600001, 70],
      [563600002, 80],
      [563600003, 79],
      [563600004, 52],
      [563600005, 80],
    ]
    withDb(location, (d) => {
      const insert = d.prepare(`INSERT INTO vessels (mmsi, ship_type, origin, created_at, updated_at) VALUES (?, ?, 'ingest', ?, ?)`)
      for (const [mmsi, type] of ships) insert.run(mmsi, type, start, start)
    })
    const portStop = voyage(start, SEA, [{to: OUTER_ANCHORAGE, knots: 12}, {stayMs: 1.5 * HOUR, sog: 0.1, nav: 1}, {to: SEA, knots: 12}])
    await pass([...waitAt(563600001, 2), ...waitAt(563600002, 5), ...waitAt(563600003, 8), ...waitAt(563600004, 30), ...reportsOf(563600005, portStop)])
    const observedAt = start + 4 * 24 * HOUR
    const waiting = (await portWaiting(db, {observedAt, windowStart: observedAt - HOUR})).get(keppel)
    // No stops were tracked at all (the ports job has not run): the waits are the calls'.
    expect(waiting).toMatchObject({waitsCounted: 3, waiting: 0, atBerth: 0})
    expect(Math.abs((waiting?.medianWaitHours as number) - 5)).toBeLessThanOrEqual(EVERY / HOUR)
    // A week after the last wait ended, none is counted any more.
    expect((await portWaiting(db, {observedAt: observedAt + 8 * 24 * HOUR, windowStart: observedAt})).get(keppel)).toBeUndefined()
  })
})
