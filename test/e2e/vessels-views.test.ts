// The vessel views through the real CLI: `vessels list` by box (across the antimeridian too), by a port's
// area (Rotterdam's terminals and its North Sea anchorage, from the shipped anchorage cells), by ship type
// class and by age; `vessels track` as rows and as GeoJSON (the line in time order, cut at the
// antimeridian, held-back jumps left out of it); and `events list` showing behaviour events as a pass
// stores them. Positions are arranged in the database as ingest leaves them; time is HARBORMASTER_NOW.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {placeReports, type PlacedVessel, track} from '../helpers/arrange.js'
import {runCli, tempDir, withDb} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {runInProcess} from '../helpers/in-process.js'
import {seededDb} from '../helpers/template.js'

const HOUR = 3_600_000
const MIN = 60_000
const NOW = Date.parse('2026-11-24T12:00:00Z')
const env = {HARBORMASTER_NOW: new Date(NOW).toISOString()}
const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = seededDb(join(tmp.dir, 'harbormaster.db'))

async function list(...args: string[]): Promise<Array<{mmsi: number} & Record<string, unknown>>> {
  const result = await runInProcess(['vessels', 'list', ...args, '--json', '--db', db], {env})
  expect(result.code, result.stderr).toBe(0)
  const document = JSON.parse(result.stdout)
  expect(contractProblems('vessels list', document)).toEqual([])
  return document.vessels
}

const mmsis = (rows: Array<{mmsi: number}>) => rows.map((r) => r.mmsi).sort((a, b) => a - b)

// Stopped ships at Rotterdam (the port-congestion tests' spots): a terminal at Maasvlakte and the Maas
// Approach anchorage 20 km out in the North Sea, which only the shipped anchorage cells put in the port.
const stopped = (mmsi: number, lat: number, lon: number, shipType: number, navStatus: number): PlacedVessel[] =>
  track({mmsi, lat, lon, shipType, navStatus, sog: 0.1, name: `SHIP ${mmsi}`}, NOW - 3 * HOUR, NOW, 30 * MIN)

describe('vessels list', () => {
  it('arranges vessels around the world', () => {
    placeReports(db, [
      ...stopped(244100001, 51.957, 4.047, 70, 5), // Maasvlakte, ECT Delta terminal
      ...stopped(244100003, 51.94, 3.75, 80, 1), // Maas Approach anchorage
      ...stopped(244100004, 52.3, 3.2, 70, 0), // North Sea, beyond every Rotterdam cell
      {mmsi: 563100001, lat: 1.2, lon: 103.8, at: NOW - HOUR, shipType: 70, name: 'STRAIT CARGO'},
      {mmsi: 563100002, lat: 1.3, lon: 104.2, at: NOW - HOUR, shipType: 80},
      {mmsi: 563100003, lat: 1.25, lon: 103.9, at: NOW - 3 * 86_400_000, shipType: 60},
      {mmsi: 563100004, lat: 1.22, lon: 103.85, at: NOW - 2 * HOUR}, // no static data: unknown type
      {mmsi: 520100001, lat: -17.5, lon: 179.8, at: NOW - HOUR, shipType: 30},
      {mmsi: 520100002, lat: -17.5, lon: -179.8, at: NOW - HOUR, shipType: 52},
      {mmsi: 520100003, lat: -17.5, lon: 178, at: NOW - HOUR, shipType: 36},
    ])
  })

  it('keeps the vessels whose latest position lies in a box, newest first, with time, speed, source and type', async () => {
    const rows = await list('--bbox', '103.5,1.0,104.0,1.5')
    expect(rows.map((r) => r.mmsi)).toEqual([563100001, 563100004, 563100003])
    expect(rows[0]).toMatchObject({
      name: 'STRAIT CARGO',
      lat: 1.2,
      lon: 103.8,
      sog: 8.5,
      observed_at: new Date(NOW - HOUR).toISOString(),
      source: 'live',
      ship_type: 70,
      ship_type_class: 'cargo',
      ship_type_text: 'cargo',
      place: null,
    })
    expect(rows[1]).toMatchObject({ship_type: null, ship_type_class: 'unknown'})
    // --since keeps only recent positions.
    expect(mmsis(await list('--bbox', '103.5,1.0,104.0,1.5', '--since', '24h'))).toEqual([563100001, 563100004])
  })

  it('reads a box across the antimeridian (minLon > maxLon) as the two sides of it', async () => {
    expect(mmsis(await list('--bbox', '179.5,-18,-179.5,-17'))).toEqual([520100001, 520100002])
    expect(mmsis(await list('--bbox', '177,-18,-179.9,-17'))).toEqual([520100001, 520100003])
  })

  it('filters by AIS ship type class, several at once, unknown included', async () => {
    const box = ['--bbox', '103.5,1.0,104.5,1.5']
    expect(mmsis(await list(...box, '--type', 'cargo'))).toEqual([563100001])
    expect(mmsis(await list(...box, '--type', 'tanker', '--type', 'passenger'))).toEqual([563100002, 563100003])
    expect(mmsis(await list(...box, '--type', 'unknown'))).toEqual([563100004])
    const pacific = ['--bbox', '170,-20,-170,-10']
    expect(mmsis(await list(...pacific, '--type', 'fishing', '--type', 'tug'))).toEqual([520100001, 520100002])
    expect(mmsis(await list(...pacific, '--type', 'pleasure'))).toEqual([520100003])
  })

  it('--in-port keeps the vessels in the port area: its berths and the anchorage cells shipped for it', async () => {
    const rows = await list('--in-port', 'NLRTM')
    expect(rows.map((r) => [r.mmsi, r.place])).toEqual([
      [244100001, 'berth'],
      [244100003, 'anchorage'],
    ])
    expect(mmsis(await list('--in-port', 'NLRTM', '--type', 'tanker'))).toEqual([244100003])
    // Maasvlakte lies in Europoort's circle, but nearer Rotterdam's cells: Rotterdam's, as congestion counts it.
    expect(await list('--in-port', 'NLEUR')).toEqual([])
    const table = await runInProcess(['vessels', 'list', '--in-port', 'NLRTM', '--db', db], {env})
    expect(table.stdout).toMatch(/^mmsi\s+name\s+type\s+flag\s+lat\s+lon\s+sog\s+observed\s+source\s+place$/m)
    expect(table.stdout).toMatch(/^244100003\s+SHIP 244100003\s+tanker\s+.*51\.94000\s+3\.75000\s+0\.1\s+2026-11-24 12:00Z\s+live\s+anchorage$/m)
    expect(table.stdout).toMatch(/^2 vessels in Rotterdam \(NLRTM\)$/m)
  })

  it('refuses an unknown port, a bad box and an unknown type with exit 2', async () => {
    const port = await runInProcess(['vessels', 'list', '--in-port', 'XXNOPE', '--db', db], {env})
    expect(port.code).toBe(2)
    expect(port.stderr).toMatch(/no port XXNOPE; use a UN\/LOCODE/)
    const box = await runInProcess(['vessels', 'list', '--bbox', '1,2,3', '--db', db], {env})
    expect(box.code).toBe(2)
    expect(box.stderr).toMatch(/area "1,2,3" is not minLon,minLat,maxLon,maxLat/)
    const type = await runInProcess(['vessels', 'list', '--type', 'submarine', '--db', db], {env})
    expect(type.code).toBe(2)
    expect(type.stderr).toMatch(/Expected --type=submarine to be one of: cargo, tanker/)
  })

  it('--limit cuts the list and says more matched', async () => {
    const result = await runInProcess(['vessels', 'list', '--bbox', '103.5,1.0,104.5,1.5', '--limit', '2', '--json', '--db', db], {env})
    expect(JSON.parse(result.stdout)).toMatchObject({returned: 2, more: true})
  })
})

describe('vessels track', () => {
  const SHIP = 520200001
  // Eastward along 17°S over the antimeridian, a report every 10 minutes for 4 hours: 179.0°E to 179.0°W.
  const reports: PlacedVessel[] = Array.from({length: 25}, (_, k) => {
    const lon = 179 + k * (2 / 24)
    return {mmsi: SHIP, lat: -17 - k * 0.01, lon: lon > 180 ? lon - 360 : lon, at: NOW - 4 * HOUR + k * 10 * MIN, sog: 12, name: 'DATELINE'}
  })

  it('prints the reports in time order, and a report the track rule held back apart from the track', async () => {
    placeReports(db, reports)
    // A jump no ship could make, held back by the track rule.
    withDb(db, (d) =>
      d
        .prepare(`INSERT INTO position_suspects (mmsi, observed_at, lat, lon, sog, source, received_at) VALUES (?, ?, ?, ?, ?, 'live', ?)`)
        .run(SHIP, NOW - 2 * HOUR + 5 * MIN, 10, 10, 12, NOW - 2 * HOUR + 5 * MIN),
    )
    const result = await runInProcess(['vessels', 'track', String(SHIP), '--json', '--db', db], {env})
    expect(result.code, result.stderr).toBe(0)
    const document = JSON.parse(result.stdout)
    expect(contractProblems('vessels track', document)).toEqual([])
    expect(document).toMatchObject({mmsi: SHIP, name: 'DATELINE', returned: 26, truncated: false, latest_at: new Date(NOW).toISOString()})
    const times = document.reports.map((r: {observed_at: string}) => Date.parse(r.observed_at))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(document.reports.filter((r: {held: boolean}) => r.held)).toEqual([expect.objectContaining({lat: 10, lon: 10, held: true})])

    const table = await runInProcess(['vessels', 'track', String(SHIP), '--since', '1h', '--db', db], {env})
    expect(table.stdout).toMatch(/^DATELINE \(MMSI 520200001\), 2026-11-24 11:00Z to 2026-11-24 12:00Z$/m)
    expect(table.stdout).toMatch(/^observed\s+lat\s+lon\s+sog\s+cog\s+nav\s+source\s+note$/m)
    expect(table.stdout).toMatch(/^7 reports$/m)
  })

  it('as GeoJSON: the line through the accepted reports in time order, cut at the antimeridian, and a point per report', async () => {
    const result = await runCli(['vessels', 'track', String(SHIP), '--since', '6h', '--format', 'geojson', '--db', db], {env})
    expect(result.code, result.stderr).toBe(0)
    const collection = JSON.parse(result.stdout)
    expect(contractProblems('vessels track', collection)).toEqual([])
    expect(collection.type).toBe('FeatureCollection')
    const [line, ...points] = collection.features
    expect(line.properties).toMatchObject({kind: 'track', mmsi: SHIP, reports: 25})
    expect(line.geometry.type).toBe('MultiLineString')
    const [west, east] = line.geometry.coordinates as Array<Array<[number, number]>>
    // Each part stays on its side; they meet at ±180 at one latitude.
    expect(west.every(([lon]) => lon >= 179 && lon <= 180)).toBe(true)
    expect(east.every(([lon]) => lon < -178.9 && lon >= -180)).toBe(true)
    expect(west.at(-1)?.[0]).toBe(180)
    expect(east[0][0]).toBe(-180)
    expect(west.at(-1)?.[1]).toBe(east[0][1])
    // In time order: the accepted reports, then the cut, in sequence.
    const along = [...west.slice(0, -1), ...east.slice(1)]
    expect(along).toEqual(reports.map((r) => [r.lon, r.lat]))
    expect(points).toHaveLength(26)
    expect(points.every((p: {geometry: {type: string}}) => p.geometry.type === 'Point')).toBe(true)
    const times = points.map((p: {properties: {observed_at: string}}) => Date.parse(p.properties.observed_at))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(points[0].properties).toMatchObject({kind: 'report', sog: 12, observed_at: new Date(NOW - 4 * HOUR).toISOString(), held: false})
  })

  it('a track that stays on one side is one LineString; --until ends the window', async () => {
    const result = await runInProcess(['vessels', 'track', '244100001', '--since', '2h', '--until', new Date(NOW - HOUR).toISOString(), '--format', 'geojson', '--db', db], {env})
    const collection = JSON.parse(result.stdout)
    expect(collection.features[0].geometry.type).toBe('LineString')
    expect(collection.features[0].geometry.coordinates).toHaveLength(5)
    expect(collection.features.slice(1).map((f: {properties: {observed_at: string}}) => f.properties.observed_at)).toEqual(
      [3, 2.5, 2, 1.5, 1].map((h) => new Date(NOW - h * HOUR).toISOString()),
    )
  })

  it('refuses an unknown MMSI and a malformed one, and says when a window holds nothing', async () => {
    const unknown = await runInProcess(['vessels', 'track', '999999999', '--db', db], {env})
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/no vessel with MMSI 999999999 is stored/)
    const malformed = await runInProcess(['vessels', 'track', '12345', '--db', db], {env})
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toMatch(/MMSI "12345" is not 9 digits/)
    const before = await runInProcess(['vessels', 'track', '244100001', '--until', '2d', '--db', db], {env})
    expect(before.code).toBe(0)
    expect(before.stdout).toMatch(/no reports in this window; its latest position is from 2026-11-24 12:00Z/)
    const backwards = await runInProcess(['vessels', 'track', '244100001', '--since', '2026-11-24T12:00:00Z', '--until', '2026-11-24T10:00:00Z', '--db', db], {env})
    expect(backwards.code).toBe(2)
    expect(backwards.stderr).toMatch(/--since 2026-11-24T12:00:00.000Z is after --until/)
  })
})

describe('events list with behaviour events', () => {
  it('shows each with its vessel and episode, filters by vessel, and keeps GeoJSON', async () => {
    const insert = (type: string, mmsi: number, key: string, observedAt: number, resolvedAt: number | null, metadata: Record<string, unknown>) =>
      withDb(db, (d) =>
        d
          .prepare(
            `INSERT INTO safety_events (type, severity, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, resolved_at, metadata)
             VALUES (?, 'medium', ?, ?, ?, 1.2, 103.8, 'live', ?, ?, ?, ?, ?)`,
          )
          .run(type, mmsi, key, `${type} of ${mmsi}`, observedAt, NOW, resolvedAt ?? NOW, resolvedAt, JSON.stringify(metadata)),
      )
    const iso = (ms: number) => new Date(ms).toISOString()
    insert('ais_gap', 563100001, `ais_gap:563100001:${NOW - 20 * HOUR}`, NOW - 20 * HOUR, NOW - 5 * HOUR, {started_at: iso(NOW - 20 * HOUR), ended_at: iso(NOW - 6 * HOUR), duration_hours: 14})
    insert('geofence', 563100002, `geofence:563100002:zone-1:${NOW - 3 * HOUR}`, NOW - 3 * HOUR, null, {entered_at: iso(NOW - 3 * HOUR), exited_at: null})

    const table = await runInProcess(['events', 'list', '--type', 'ais_gap', '--type', 'geofence', '--db', db], {env})
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/^id\s+type\s+severity\s+status\s+source\s+created\s+vessel\s+episode\s+title$/m)
    expect(table.stdout).toMatch(/ais_gap\s+medium\s+resolved\s+live\s+2026-11-24 12:00Z\s+STRAIT CARGO \(563100001\)\s+2026-11-23 16:00Z → 2026-11-24 06:00Z \(14\.0 h\)\s+ais_gap of 563100001/)
    expect(table.stdout).toMatch(/geofence\s+medium\s+open\s+live\s+2026-11-24 12:00Z\s+563100002\s+2026-11-24 09:00Z → ongoing \(3\.0 h so far\)\s+geofence of 563100002/)

    const mine = await runInProcess(['events', 'list', '--mmsi', '563100001', '--json', '--db', db], {env})
    const document = JSON.parse(mine.stdout)
    expect(contractProblems('events list', document)).toEqual([])
    expect(document.events).toEqual([expect.objectContaining({type: 'ais_gap', mmsi: 563100001, vessel_name: 'STRAIT CARGO', status: 'resolved', metadata: expect.objectContaining({duration_hours: 14})})])
    const bad = await runInProcess(['events', 'list', '--mmsi', '56310', '--db', db], {env})
    expect(bad.code).toBe(2)

    const geo = JSON.parse((await runInProcess(['events', 'list', '--type', 'geofence', '--format', 'geojson', '--db', db], {env})).stdout)
    expect(contractProblems('events list', geo)).toEqual([])
    expect(geo.features).toEqual([expect.objectContaining({geometry: {type: 'Point', coordinates: [103.8, 1.2]}, properties: expect.objectContaining({type: 'geofence', mmsi: 563100002})})])
  })
})
