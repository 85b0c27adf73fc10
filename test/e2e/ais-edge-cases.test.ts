// AIS edge cases through the real CLI: impossible fixes rejected with their reason and never freezing a
// vessel, a bad fix overtaken by reports that agree, distress transmitters raising critical events for
// ADMINs and watchers, time stamp statuses recorded, and summaries observed only from accepted reports;
// then `events list`, `vessels show` and `zones list` show what was stored.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {positionSentence, tagged} from '../helpers/aivdm.js'
import {tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const T0 = NOW - 30 * 60_000
const minute = 60_000
const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = firstUseDb(join(tmp.dir, 'harbormaster.db'))
const env = (capture: string, at = NOW) => ({HARBORMASTER_AIS_SOURCE: `nmea-file:${capture}`, HARBORMASTER_NOW: new Date(at).toISOString()})

// Off Piraeus, one report a minute.
const lines = [
  // 237000001: a (0,0) fix between true reports.
  tagged(positionSentence({mmsi: 237000001, lat: 37.9, lon: 23.6, sog: 10, second: 0}), T0),
  tagged(positionSentence({mmsi: 237000001, lat: 0, lon: 0, sog: 10, second: 0}), T0 + minute),
  tagged(positionSentence({mmsi: 237000001, lat: 37.9028, lon: 23.6, sog: 10, second: 0}), T0 + 2 * minute),
  tagged(positionSentence({mmsi: 237000001, lat: 37.9056, lon: 23.6, sog: 10, second: 0}), T0 + 3 * minute),
  // 237000002: its first fix is 300 km off; the true track follows.
  tagged(positionSentence({mmsi: 237000002, lat: 40.6, lon: 23.6, sog: 8, second: 5}), T0),
  ...[1, 2, 3, 4].map((i) => tagged(positionSentence({mmsi: 237000002, lat: 37.8 + i * 0.002, lon: 23.5, sog: 8, second: 5}), T0 + i * minute)),
  // 237000003: a dead-reckoned and an inoperative fix far off, then the true track goes on.
  tagged(positionSentence({mmsi: 237000003, lat: 37.7, lon: 23.4, sog: 6, second: 10}), T0),
  tagged(positionSentence({mmsi: 237000003, lat: 38.5, lon: 24.4, sog: 6, second: 62}), T0 + minute),
  tagged(positionSentence({mmsi: 237000003, lat: 38.6, lon: 24.5, sog: 6, second: 63}), T0 + 2 * minute),
  tagged(positionSentence({mmsi: 237000003, lat: 37.7016, lon: 23.4, sog: 6, second: 61}), T0 + 3 * minute),
  // An AIS-SART in distress and a MOB device under test, in the Saronic Gulf.
  tagged(positionSentence({mmsi: 970123456, lat: 37.85, lon: 23.55, sog: 0.5, navStatus: 14, second: 20}), T0 + 4 * minute),
  tagged(positionSentence({mmsi: 972000001, lat: 37.86, lon: 23.56, sog: 0.1, navStatus: 15, second: 20}), T0 + 4 * minute),
  // A report from the future: rejected, and never what the summary says was observed.
  tagged(positionSentence({mmsi: 237000004, lat: 37.6, lon: 23.3, sog: 9, second: 30}), NOW + 3 * 3_600_000),
]

type Summary = Record<string, unknown> & {rejected_by_reason: Record<string, number>; distress: Record<string, number>; observed_at: string}
let summary: Summary

beforeAll(async () => {
  const capture = join(tmp.dir, 'edge.nmea')
  writeFileSync(capture, `${lines.join('\r\n')}\r\n`)
  for (const args of [
    ['users', 'add', 'duty-officer', '--role', 'ADMIN'],
    ['users', 'add', 'alice', '--role', 'VIEWER'],
    ['users', 'add', 'bob', '--role', 'VIEWER'],
    ['watch', 'add', '--user', 'alice', '--area', '23,37,24.5,38.5'],
    ['watch', 'add', '--user', 'bob', '--area', '-10,50,0,60'],
  ]) {
    const r = await runInProcess([...args, '--db', db])
    expect(r.code, r.stderr).toBe(0)
  }
  const run = await runInProcess(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: env(capture)})
  expect(run.code, run.stderr).toBe(0)
  summary = JSON.parse(run.stdout).jobs.vessel_positions
})

describe('vessels job on edge cases', () => {
  it('rejects impossible fixes and future times with their reasons', () => {
    expect(summary.rejected_by_reason).toMatchObject({'position (0,0)': 1, 'timestamp in the future': 1})
  })

  it('never freezes a vessel: the true track after a (0,0) fix and after a bad first fix is stored', () => {
    const latest = withDb(db, (d) => d.prepare(`SELECT mmsi, lat FROM vessels WHERE mmsi IN (237000001, 237000002) ORDER BY mmsi`).all())
    expect(latest).toEqual([
      {mmsi: 237000001, lat: 37.9056},
      {mmsi: 237000002, lat: 37.808},
    ])
    expect(summary).toMatchObject({track_moves: 1})
  })

  it('records time stamp statuses 61-63 and does not judge speed by estimated fixes', () => {
    const seconds = withDb(db, (d) => d.prepare(`SELECT utc_second AS s FROM vessel_positions WHERE mmsi = 237000003 ORDER BY observed_at`).all())
    expect(seconds).toEqual([{s: 10}, {s: 62}, {s: 63}, {s: 61}])
    expect(summary).toMatchObject({estimated_positions: 2})
  })

  it('takes observed_at from accepted reports only', () => {
    expect(summary.observed_at).toBe(new Date(T0 + 4 * minute).toISOString())
  })

  it('raises a critical distress event for the AIS-SART, notified to the ADMIN and the watcher of its area only', () => {
    expect(summary.distress).toEqual({raised: 1, ongoing: 0, tests: 1, notifications: 2})
    const events = withDb(db, (d) => d.prepare(`SELECT type, severity, mmsi, lat, lon, source FROM safety_events`).all())
    expect(events).toEqual([{type: 'distress', severity: 'critical', mmsi: 970123456, lat: 37.85, lon: 23.55, source: 'live'}])
    const notified = withDb(db, (d) => d.prepare(`SELECT u.name FROM notifications n JOIN users u ON u.id = n.user_id ORDER BY u.name`).all())
    expect(notified).toEqual([{name: 'alice'}, {name: 'duty-officer'}])
  })
})

describe('commands that show it', () => {
  it('events list shows the distress event, filtered by type, open and age, also as GeoJSON', async () => {
    const listed = await runInProcess(['events', 'list', '--type', 'distress', '--open', '--since', '24h', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(NOW).toISOString()}})
    expect(listed.code, listed.stderr).toBe(0)
    const {events} = JSON.parse(listed.stdout)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({type: 'distress', severity: 'critical', status: 'open', mmsi: 970123456, lat: 37.85, lon: 23.55, source: 'live'})
    expect(events[0].title).toMatch(/^AIS-SART 970123456 transmitting at 37\.8500°N 23\.5500°E/)
    const old = await runInProcess(['events', 'list', '--since', '1m', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(NOW + 3_600_000).toISOString()}})
    expect(JSON.parse(old.stdout).events).toEqual([])
    const geo = JSON.parse((await runInProcess(['events', 'list', '--format', 'geojson', '--db', db])).stdout)
    expect(geo.type).toBe('FeatureCollection')
    expect(geo.features[0].geometry).toEqual({type: 'Point', coordinates: [23.55, 37.85]})
    const table = await runInProcess(['events', 'list', '--db', db])
    expect(table.stdout).toMatch(/distress\s+critical\s+open\s+live/)
    const bad = await runInProcess(['events', 'list', '--since', 'yesterday', '--db', db])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--since "yesterday" is not a duration; write a number and a unit/)
  })

  it('vessels show gives identity, the latest accepted position and recent events', async () => {
    const shown = JSON.parse((await runInProcess(['vessels', 'show', '970123456', '--json', '--db', db])).stdout)
    expect(shown).toMatchObject({mmsi: 970123456, device: 'AIS-SART', position: {lat: 37.85, lon: 23.55, nav_status: 14, source: 'live'}})
    expect(shown.events.map((e: {type: string}) => e.type)).toEqual(['distress'])
    const vessel = JSON.parse((await runInProcess(['vessels', 'show', '237000001', '--json', '--db', db])).stdout)
    expect(vessel.position).toMatchObject({lat: 37.9056, observed_at: new Date(T0 + 3 * minute).toISOString()})
    const text = await runInProcess(['vessels', 'show', '970123456', '--db', db])
    expect(text.stdout).toMatch(/AIS-SART \(MMSI 970123456\)/)
    const missing = await runInProcess(['vessels', 'show', '237999999', '--db', db])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no vessel with MMSI 237999999 is stored; check the MMSI/)
    const malformed = await runInProcess(['vessels', 'show', '12345', '--db', db])
    expect(malformed.code).toBe(2)
  })

  it('the safety job keeps the distress event open while the transmitter is heard and resolves it once it is silent', async () => {
    const heard = await runInProcess(['check-events', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(NOW).toISOString()}})
    expect(heard.code, heard.stderr).toBe(0)
    expect(withDb(db, (d) => d.prepare(`SELECT resolved_at FROM safety_events WHERE type = 'distress'`).get())).toEqual({resolved_at: null})
    // Other vessels report on the next day; the SART has not been heard since.
    const later = join(tmp.dir, 'later.nmea')
    const next = NOW + 86_400_000
    writeFileSync(later, `${tagged(positionSentence({mmsi: 237000001, lat: 37.95, lon: 23.6, sog: 10, second: 0}), next)}\r\n`)
    expect((await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db], {env: env(later, next)})).code).toBe(0)
    const silent = await runInProcess(['check-events', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(next).toISOString()}})
    expect(silent.code, silent.stderr).toBe(0)
    const row = withDb(db, (d) => d.prepare(`SELECT resolved_at FROM safety_events WHERE type = 'distress'`).get()) as {resolved_at: number | null}
    expect(row.resolved_at).toBe(next)
  })

  it('zones list lists zones with their validity, filtered by kind, also as GeoJSON', async () => {
    expect((await runInProcess(['ensure-fallback-data', '--db', db])).code).toBe(0)
    const all = JSON.parse((await runInProcess(['zones', 'list', '--json', '--db', db])).stdout).zones
    expect(all.length).toBeGreaterThan(0)
    for (const z of all) expect(Object.keys(z)).toEqual(expect.arrayContaining(['external_id', 'kind', 'severity', 'source', 'observed_at', 'valid_from', 'valid_to', 'status']))
    const piracy = JSON.parse((await runInProcess(['zones', 'list', '--type', 'piracy', '--json', '--db', db])).stdout).zones
    expect(piracy.length).toBeGreaterThan(0)
    expect(piracy.every((z: {kind: string}) => z.kind === 'piracy')).toBe(true)
    const geo = JSON.parse((await runInProcess(['zones', 'list', '--type', 'piracy', '--format', 'geojson', '--db', db])).stdout)
    expect(geo.features).toHaveLength(piracy.length)
    expect(['Polygon', 'MultiPolygon']).toContain(geo.features[0].geometry.type)
    const bad = await runInProcess(['zones', 'list', '--type', 'hurricane', '--db', db])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/storm, piracy, congestion/)
  })
})
