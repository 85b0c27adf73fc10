// Port areas and congestion through the real CLI: vessels at the terminals and anchorages the old circles
// missed found in their ports, the counting rules (merchant ships only, stops of an hour, anchored ships
// drifting, dead reckoning left out), MarineTraffic's median wait, and a week-long queue that the baseline
// does not absorb. Positions are arranged in the database as ingest leaves them; time is HARBORMASTER_NOW.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {PortCongestionEntry} from '../../src/schemas/ports.js'
import {placeReports, placeSnapshots, type PlacedVessel, track} from '../helpers/arrange.js'
import {count, tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {emptyDb, seededDb} from '../helpers/template.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const NOW = Date.parse('2026-11-24T12:00:00Z')
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')
const at = (ms: number) => ({HARBORMASTER_NOW: new Date(ms).toISOString()})

async function portsJob(db: string, time: number) {
  // Positions are placed by hand (no vessels job), so the ports job is forced past its dependency.
  const run = await runInProcess(['jobs', 'run', 'ports', '--force', '--json', '--db', db], {env: at(time)})
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout).summary
}

interface Entry {
  name: string
  unlocode: string | null
  level: string
  waiting: number | null
  at_berth: number | null
  in_port: number | null
  waiting_unknown_type: number | null
  baseline: number | null
  baseline_days: number
  median_wait_hours: number | null
  waits_counted: number | null
  source: string
  observed_at: string | null
}

/** The snapshot the last ports job stored for a port, read from the database (cheaper than a CLI call per step). */
function stored(db: string, portId: number): Entry {
  const row = withDb(db, (d) => d.prepare(`SELECT * FROM port_congestion WHERE port_id = ? ORDER BY id DESC LIMIT 1`).get(portId)) as Record<string, number | string | null>
  return {
    name: '',
    unlocode: null,
    level: row.level as string,
    waiting: row.vessels_waiting as number | null,
    at_berth: row.vessels_at_berth as number | null,
    in_port: row.vessels_in_port as number | null,
    waiting_unknown_type: row.waiting_unknown_type as number | null,
    baseline: row.baseline_waiting as number | null,
    baseline_days: row.baseline_samples as number,
    median_wait_hours: row.median_wait_hours as number | null,
    waits_counted: row.waits_counted as number | null,
    source: row.source as string,
    observed_at: new Date(row.observed_at as number).toISOString(),
  }
}

async function congestion(db: string, port: string): Promise<PortCongestionEntry[]> {
  const result = await runInProcess(['ports', 'congestion', '--port', port, '--json', '--db', db])
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout).ports
}

describe('port areas: named anchorages and terminals beyond the old circles', () => {
  const db = emptyDb(freshDb())

  it('finds ships at Maasvlakte, Botlek and the North Sea anchorage in Rotterdam, at Tuas and the Changi anchorage in Singapore', async () => {
    const ensured = await runInProcess(['ensure-fallback-data', '--json', '--db', db])
    expect(ensured.code, ensured.stderr).toBe(0)
    const report = JSON.parse(ensured.stdout).anchorage_cells
    // Every shipped cell (55,954 distinct cells in 60,410 rows) is stored for a port or reported as unmatched.
    expect(report.created).toBe(count(db, 'SELECT count(*) FROM port_area_cells'))
    expect(report.created + report.unmatched_cells).toBe(55_954)
    expect(report.unmatched_labels).toBe(report.unmatched.length)
    expect(report.unmatched[0]).toMatchObject({label: expect.any(String), cells: expect.any(Number)})

    const stopped = (mmsi: number, lat: number, lon: number, shipType: number, navStatus: number): PlacedVessel[] =>
      track({mmsi, lat, lon, shipType, navStatus, sog: 0.1}, NOW - 3 * HOUR, NOW, 15 * 60_000)
    placeReports(db, [
      ...stopped(244100001, 51.957, 4.047, 70, 5), // Maasvlakte, ECT Delta terminal: moored
      ...stopped(244100002, 51.8795, 4.3, 80, 5), // Botlek: moored
      ...stopped(244100003, 51.94, 3.75, 70, 1), // Maas Approach anchorage, North Sea: at anchor
      ...stopped(563100001, 1.265, 103.63, 70, 5), // Tuas: moored
      ...stopped(563100002, 1.3, 104.05, 80, 1), // Changi, eastern anchorages: at anchor
    ])
    const summary = await portsJob(db, NOW)
    expect(summary.stops).toMatchObject({positions_read: 5 * 13, stops_started: 5, stops_open: 5})

    const [rotterdam] = await congestion(db, 'NLRTM')
    expect(rotterdam).toMatchObject({name: 'Rotterdam', in_port: 3, at_berth: 2, waiting: 1, source: 'live', observed_at: new Date(NOW).toISOString()})
    // No history yet: no verdict, and no baseline pretending to be one.
    expect(rotterdam).toMatchObject({level: 'insufficient_history', baseline: null})
    // Europoort's circle holds Maasvlakte, but the ship lies nearer Rotterdam's cells.
    expect((await congestion(db, 'NLEUR'))[0]).toMatchObject({level: 'no_data', in_port: null})

    const singapore = await congestion(db, 'singapore')
    expect(singapore).toEqual([expect.objectContaining({unlocode: 'SGKEP', in_port: 2, at_berth: 1, waiting: 1})])

    const table = await runInProcess(['ports', 'congestion', '--db', db])
    expect(table.stdout).toMatch(/^port\s+name\s+level\s+waiting\s+at berth/m)
    expect(table.stdout).toMatch(/NLRTM\s+Rotterdam\s+insufficient_history\s+1\s+2/)

    const geo = JSON.parse((await runInProcess(['ports', 'congestion', '--port', 'NLRTM', '--format', 'geojson', '--db', db])).stdout)
    expect(geo.type).toBe('FeatureCollection')
    expect(geo.features).toHaveLength(1)
    expect(geo.features[0].properties).toMatchObject({unlocode: 'NLRTM', waiting: 1, at_berth: 2})
    const [lon, lat] = geo.features[0].geometry.coordinates
    expect(lat).toBeCloseTo((rotterdam as Entry & {lat: number}).lat, 6)
    expect(lon).toBeCloseTo((rotterdam as Entry & {lon: number}).lon, 6)
  })

  it('refuses an unknown port with exit 2', async () => {
    const result = await runInProcess(['ports', 'congestion', '--port', 'XXNOPE', '--db', db])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/no port XXNOPE/)
  })

  it('learns an anchorage cell where several ships stopped for 3 h or more, and counts the next ship there as waiting', async () => {
    // San Pedro Bay: no named anchorage there, and inside the Los Angeles circle only as "berths".
    const spot = {lat: 33.7, lon: -118.17}
    // A day later than the first test: learning runs once a day.
    const T = NOW + 2 * DAY
    placeReports(db, [
      ...[0, 1, 2].flatMap((k) => track({mmsi: 366200001 + k, lat: spot.lat + k * 0.0004, lon: spot.lon, shipType: 70, navStatus: 1, sog: 0.1}, T - 4 * HOUR, T, 30 * 60_000)),
      // Tugs waiting as long at their own spot teach nothing about where ships queue.
      ...[0, 1, 2].flatMap((k) => track({mmsi: 366200101 + k, lat: 33.68 + k * 0.0004, lon: -118.12, shipType: 52, navStatus: 1, sog: 0.1}, T - 4 * HOUR, T, 30 * 60_000)),
    ])
    const summary = await portsJob(db, T)
    expect(summary.area_cells.learned_this_run).toMatchObject({ran: true, cells_learned: 1})
    const cell = withDb(db, (d) =>
      d.prepare(`SELECT p.unlocode, c.kind, c.method, c.vessels FROM port_area_cells c JOIN ports p ON p.id = c.port_id WHERE c.origin = 'ingest'`).all(),
    )
    // The nearest port within 20 km of the cell.
    expect(cell).toEqual([{unlocode: 'USLGB', kind: 'anchorage', method: 'learned', vessels: 3}])
    // A ship stopping there later without saying it is at anchor is waiting, not at berth.
    placeReports(db, track({mmsi: 366200010, lat: spot.lat + 0.0002, lon: spot.lon, shipType: 80, navStatus: 0, sog: 0.1}, T + HOUR, T + 3 * HOUR, 30 * 60_000))
    await portsJob(db, T + 3 * HOUR)
    expect((await congestion(db, 'USLGB'))[0]).toMatchObject({waiting: 1, at_berth: 0})
  })
})

describe('what counts as waiting', () => {
  it('counts merchant ships stopped an hour or more in an anchorage, anchored ships drifting under 1 kn too; not tugs, fishing boats, short stops or dead reckoning', async () => {
    const db = seededDb(freshDb())
    // Singapore's eastern anchorages.
    const spot = (k: number) => ({lat: 1.245 + 0.002 * k, lon: 103.89})
    const every = 10 * 60_000
    placeReports(db, [
      ...track({mmsi: 563200001, ...spot(0), shipType: 70, navStatus: 0, sog: 0.7}, NOW - 2 * HOUR, NOW, every), // drifting on its anchor
      ...track({mmsi: 563200002, ...spot(1), shipType: 52, navStatus: 0, sog: 0.1}, NOW - 2 * HOUR, NOW, every), // tug
      ...track({mmsi: 563200003, ...spot(2), shipType: 30, navStatus: 0, sog: 0.1}, NOW - 2 * HOUR, NOW, every), // fishing
      ...track({mmsi: 563200004, ...spot(3), navStatus: 0, sog: 0.1}, NOW - 2 * HOUR, NOW, every), // no static data yet
      ...track({mmsi: 563200005, ...spot(4), shipType: 80, navStatus: 1, sog: 0.1}, NOW - 30 * 60_000, NOW, every), // just arrived
      ...track({mmsi: 563200006, ...spot(5), shipType: 70, navStatus: 1, sog: 0.1, utcSecond: 62}, NOW - 2 * HOUR, NOW, every), // dead reckoning
      ...track({mmsi: 563200007, ...spot(6), shipType: 70, navStatus: 0, sog: 12}, NOW - 2 * HOUR, NOW, every), // passing through
      // Waited 3 h at anchor, then left for a berth an hour ago.
      ...track({mmsi: 563200008, ...spot(7), shipType: 80, navStatus: 1, sog: 0.1}, NOW - 4 * HOUR, NOW - 70 * 60_000, every),
      {mmsi: 563200008, lat: 1.27, lon: 103.86, at: NOW - HOUR, shipType: 80, navStatus: 0, sog: 9},
    ])
    const summary = await portsJob(db, NOW)
    expect(summary.stops.positions_not_fixes).toBe(13)
    const [singapore] = await congestion(db, 'SGKEP')
    expect(singapore).toMatchObject({waiting: 1, waiting_unknown_type: 1, at_berth: 0})
    // The drifter (2 h so far) and the ship that waited 3 h: MarineTraffic's median wait.
    expect(singapore).toMatchObject({median_wait_hours: 2.5, waits_counted: 2})
    // In the area: all but the dead-reckoned one.
    expect(singapore.in_port).toBe(7)
  })
})

describe('a week-long queue', () => {
  it('stays high or severe for the whole week against a baseline it does not absorb, and is normal within 24 h after it clears', async () => {
    const db = seededDb(freshDb())
    const port = withDb(db, (d) => d.prepare(`SELECT id FROM ports WHERE unlocode = 'NLRTM'`).get()) as {id: number}
    // Two weeks of history from earlier runs: two ships waiting.
    const start = NOW
    placeSnapshots(
      db,
      Array.from({length: 14 * 4}, (_, k) => ({portId: port.id, observedAt: start - 14 * DAY + k * 6 * HOUR, waiting: 2, atBerth: 5})),
    )
    // The Maas Approach anchorage: two regulars, then eight more from `start` on: five times the usual queue.
    const anchorage = (k: number) => ({lat: 51.935 + 0.003 * (k % 4), lon: 3.73 + 0.004 * Math.floor(k / 4)})
    const regulars = [0, 1].map((k) => ({mmsi: 244300000 + k, ...anchorage(k), shipType: 70, navStatus: 0, sog: 0.1}))
    const queue = [2, 3, 4, 5, 6, 7, 8, 9].map((k) => ({mmsi: 244300000 + k, ...anchorage(k), shipType: k % 2 ? 80 : 70, navStatus: 0, sog: 0.1}))
    placeReports(db, regulars.flatMap((v) => track(v, start - 6 * HOUR, start, HOUR)))

    const step = 6 * HOUR
    const week: Entry[] = []
    for (let t = start + step; t <= start + 7 * DAY; t += step) {
      placeReports(db, [...regulars, ...queue].flatMap((v) => track(v, t - step + HOUR, t, HOUR)))
      await portsJob(db, t)
      week.push(stored(db, port.id))
    }
    expect(week).toHaveLength(28)
    expect(week.map((e) => e.level).filter((l) => l !== 'high' && l !== 'severe')).toEqual([])
    expect(week.every((e) => e.waiting === 10 && e.baseline === 2 && e.baseline_days === 14)).toBe(true)
    // The queue has waited the whole week by its end; the command shows the same as the database holds.
    expect(week.at(-1)?.median_wait_hours).toBeGreaterThan(150)
    expect((await congestion(db, 'NLRTM'))[0]).toMatchObject({...week.at(-1), name: 'Rotterdam', unlocode: 'NLRTM'})

    // The queue clears: the eight leave for their berths; the regulars stay.
    const cleared = start + 7 * DAY
    placeReports(db, queue.map((v) => ({...v, lat: 51.95, lon: 4.0, sog: 11, at: cleared + 30 * 60_000})))
    const after: Entry[] = []
    for (let t = cleared + step; t <= cleared + DAY; t += step) {
      placeReports(db, regulars.flatMap((v) => track(v, t - step + HOUR, t, HOUR)))
      await portsJob(db, t)
      after.push(stored(db, port.id))
    }
    expect(after.map((e) => e.waiting)).toEqual([2, 2, 2, 2])
    expect(after.map((e) => e.level)).toEqual(['normal', 'normal', 'normal', 'normal'])
    // A day later the week of queueing is history, but it stays out of the baseline.
    expect(after.at(-1)?.baseline).toBe(2)
  })
})
