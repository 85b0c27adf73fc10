// Vessel profiles and database upkeep through the real CLI: `vessels profiles refresh` stores each vessel's
// profile (identity history, usual ports, last port call, activity and events over 30 days) and `vessels
// show --json` reads it back, field by field against what was arranged; data arriving after the refresh
// shows only at the next one, the stored profile saying its age meanwhile; a vessel never profiled is
// computed live and labelled so; the job waits for the backup and is listed with that dependency; and
// `db maintain --json` reports its REINDEX step with the database size before and after every step.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {haversineKm} from '../../src/services/geo/geometry.js'
import {placeReports, type PlacedVessel} from '../helpers/arrange.js'
import {runCli, tempDir, withDb} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {runInProcess} from '../helpers/in-process.js'
import {backend, seededDb} from '../helpers/template.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const NOW = Date.parse('2026-11-24T12:00:00Z')
const envAt = (ms: number) => ({HARBORMASTER_NOW: new Date(ms).toISOString()})
const iso = (ms: number) => new Date(ms).toISOString()
const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = seededDb(join(tmp.dir, 'harbormaster.db'))
const pg = backend() === 'postgres'

const MMSI = 244200001
const NEWCOMER = 244200002

interface ShownProfile {
  status: string
  computed_at: string
  age_seconds: number
  window_since: string
  identity_history: Array<{field: string; value: string; first_seen_at: string; last_seen_at: string}>
  usual_ports: Array<{port_id: number; port: string; unlocode: string | null; calls: number; last_arrived_at: string}>
  last_port_call: {port_id: number; port: string; arrived_at: string; departed_at: string | null; in_port: boolean} | null
  activity_30d: {positions: number; distance_nm: number; days_heard: number; first_heard_at: string | null; last_heard_at: string | null}
  events_30d: {total: number; by_type: Record<string, number>}
}

async function show(mmsi: number, at: number): Promise<{positions_24h: number; profile: ShownProfile}> {
  const result = await runInProcess(['vessels', 'show', String(mmsi), '--json', '--db', db], {env: envAt(at)})
  expect(result.code, result.stderr).toBe(0)
  const document = JSON.parse(result.stdout)
  expect(contractProblems('vessels show', document)).toEqual([])
  return document
}

// A track along latitude 51° N in steps of 0.1° of longitude, one fix a few days apart, with a dead-reckoned
// report (time stamp 62) far off the track that the distance must leave out, and a fix before the window.
const fixes: PlacedVessel[] = [
  {mmsi: MMSI, lat: 51, lon: 2.5, at: NOW - 40 * DAY},
  {mmsi: MMSI, lat: 51, lon: 3.0, at: NOW - 10 * DAY},
  {mmsi: MMSI, lat: 51, lon: 3.1, at: NOW - 10 * DAY + HOUR},
  {mmsi: MMSI, lat: 51, lon: 3.2, at: NOW - 5 * DAY},
  {mmsi: MMSI, lat: 51, lon: 3.3, at: NOW - 26 * HOUR},
  {mmsi: MMSI, lat: 53, lon: 6.0, at: NOW - 25 * HOUR, utcSecond: 62},
  {mmsi: MMSI, lat: 51, lon: 3.4, at: NOW - 24 * HOUR},
].map((r) => ({...r, name: 'NEW NAME'}))

let ports: Array<{id: number; name: string; unlocode: string | null}>

describe('vessel profiles', () => {
  it('arranges a vessel: names, call sign, IMO and type seen, a track, port calls and events', () => {
    placeReports(db, fixes)
    ports = withDb(db, (d) => d.prepare('SELECT id, name, unlocode FROM ports ORDER BY id LIMIT 3').all() as typeof ports).map((p) => ({...p, id: Number(p.id)}))
    withDb(db, (d) => {
      const identity = d.prepare('INSERT INTO vessel_identity_values (mmsi, field, value, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)')
      identity.run(MMSI, 'name', 'OLD NAME', NOW - 60 * DAY, NOW - 20 * DAY)
      identity.run(MMSI, 'imo', '9074729', NOW - 60 * DAY, NOW - DAY)
      identity.run(MMSI, 'callsign', 'PDAB', NOW - 60 * DAY, NOW - DAY)
      identity.run(MMSI, 'ship_type', '70', NOW - 60 * DAY, NOW - DAY)
      identity.run(MMSI, 'name', 'NEW NAME', NOW - 20 * DAY, NOW - DAY)
      const call = d.prepare(
        `INSERT INTO port_calls (mmsi, port_id, arrived_at, departed_at, last_at, anchorage_ms, berth_ms, stops, gaps, is_call, entry_lat, entry_lon, source, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 0, 0, 1, 0, ?, 51, 3, 'live', ?, ?)`,
      )
      const [a, b, c] = ports
      const bool = (v: boolean | null) => (v === null ? null : pg ? v : v ? 1 : 0)
      // Port a called three times, port b twice, port c only stopped at; the vessel is in port b now.
      for (const [port, arrived, isCall] of [
        [a.id, NOW - 90 * DAY, true],
        [a.id, NOW - 60 * DAY, true],
        [b.id, NOW - 50 * DAY, true],
        [a.id, NOW - 30 * DAY, true],
        [b.id, NOW - 12 * DAY, true],
        [c.id, NOW - 3 * DAY, false],
      ] as const) {
        call.run(MMSI, port, arrived, arrived + 10 * HOUR, arrived + 10 * HOUR, bool(isCall), NOW, NOW)
      }
      call.run(MMSI, b.id, NOW - 2 * HOUR, null, NOW - HOUR, bool(null), NOW, NOW)
      const event = d.prepare(
        `INSERT INTO safety_events (type, severity, mmsi, dedupe_key, title, source, observed_at, created_at, last_seen_at, resolved_at)
         VALUES (?, 'medium', ?, ?, 'profile test', 'live', ?, ?, ?, ?)`,
      )
      event.run('ais_gap', MMSI, 'profile:gap:1', NOW - 3 * DAY, NOW - 3 * DAY, NOW - 3 * DAY, NOW - 2 * DAY)
      event.run('ais_gap', MMSI, 'profile:gap:2', NOW - 9 * DAY, NOW - 9 * DAY, NOW - 9 * DAY, NOW - 8 * DAY)
      event.run('storm', MMSI, 'profile:storm:1', NOW - 4 * DAY, NOW - 4 * DAY, NOW - 4 * DAY, null)
      // Before the 30 days: not counted.
      event.run('storm', MMSI, 'profile:storm:old', NOW - 45 * DAY, NOW - 45 * DAY, NOW - 45 * DAY, NOW - 44 * DAY)
    })
  })

  it('waits for the backup: without --force the refresh is skipped with the reason', async () => {
    const result = await runInProcess(['vessels', 'profiles', 'refresh', '--json', '--db', db], {env: envAt(NOW)})
    expect(result.code, result.stderr).toBe(0)
    const document = JSON.parse(result.stdout)
    expect(document).toMatchObject({job: 'profile-refresh', status: 'skipped'})
    expect(document.reason).toMatch(/backup/)
  })

  it('stores the profile, and vessels show reads it field by field', async () => {
    const refreshed = await runCli(['vessels', 'profiles', 'refresh', '--force', '--json', '--db', db], {env: envAt(NOW)})
    expect(refreshed.code, refreshed.stderr).toBe(0)
    const run = JSON.parse(refreshed.stdout)
    expect(contractProblems('vessels profiles refresh', run)).toEqual([])
    const stored = withDb(db, (d) => Number((d.prepare('SELECT count(*) AS n FROM vessel_profiles').get() as {n: number}).n))
    const vessels = withDb(db, (d) => Number((d.prepare('SELECT count(*) AS n FROM vessels').get() as {n: number}).n))
    expect(run).toMatchObject({job: 'profile-refresh', status: 'success'})
    expect(run.summary).toMatchObject({computed_at: iso(NOW), window_since: iso(NOW - 30 * DAY), vessels, profiles_written: vessels})
    expect(stored).toBe(vessels)

    const shown = await runCli(['vessels', 'show', String(MMSI), '--json', '--db', db], {env: envAt(NOW)})
    expect(shown.code, shown.stderr).toBe(0)
    const details = JSON.parse(shown.stdout)
    expect(contractProblems('vessels show', details)).toEqual([])
    const profile: ShownProfile = details.profile
    expect(profile).toMatchObject({status: 'stored', computed_at: iso(NOW), age_seconds: 0, window_since: iso(NOW - 30 * DAY)})
    expect(profile.identity_history).toEqual([
      {field: 'name', value: 'OLD NAME', first_seen_at: iso(NOW - 60 * DAY), last_seen_at: iso(NOW - 20 * DAY)},
      {field: 'imo', value: '9074729', first_seen_at: iso(NOW - 60 * DAY), last_seen_at: iso(NOW - DAY)},
      {field: 'callsign', value: 'PDAB', first_seen_at: iso(NOW - 60 * DAY), last_seen_at: iso(NOW - DAY)},
      {field: 'ship_type', value: '70', first_seen_at: iso(NOW - 60 * DAY), last_seen_at: iso(NOW - DAY)},
      {field: 'name', value: 'NEW NAME', first_seen_at: iso(NOW - 20 * DAY), last_seen_at: iso(NOW - DAY)},
    ])
    const [a, b] = ports
    expect(profile.usual_ports).toEqual([
      {port_id: a.id, port: a.name, unlocode: a.unlocode, country: expect.anything(), calls: 3, last_arrived_at: iso(NOW - 30 * DAY)},
      {port_id: b.id, port: b.name, unlocode: b.unlocode, country: expect.anything(), calls: 2, last_arrived_at: iso(NOW - 12 * DAY)},
    ])
    expect(profile.last_port_call).toMatchObject({port_id: b.id, port: b.name, arrived_at: iso(NOW - 2 * HOUR), departed_at: null, in_port: true})
    // Four steps of 0.1° along 51° N between the five fixes in the window; the dead-reckoned report is no step.
    const inWindow = fixes.filter((f) => f.at >= NOW - 30 * DAY && f.utcSecond === undefined)
    let km = 0
    for (let i = 1; i < inWindow.length; i++) km += haversineKm(inWindow[i - 1].lat, inWindow[i - 1].lon, inWindow[i].lat, inWindow[i].lon)
    expect(profile.activity_30d).toEqual({
      positions: 6,
      distance_nm: Math.round((km / 1.852) * 10) / 10,
      days_heard: 3,
      first_heard_at: iso(NOW - 10 * DAY),
      last_heard_at: iso(NOW - 24 * HOUR),
    })
    expect(profile.events_30d).toEqual({total: 3, by_type: {ais_gap: 2, storm: 1}})
    // The 24 h up to its latest report (NOW - 24 h): the three reports from NOW - 26 h on.
    expect(details.positions_24h).toBe(3)
  })

  it('shows the stored profile and its age while new data waits for the next refresh', async () => {
    placeReports(db, [{mmsi: MMSI, lat: 51, lon: 3.5, at: NOW + HOUR, name: 'NEW NAME'}])
    const later = NOW + 2 * HOUR
    const stale = await show(MMSI, later)
    expect(stale.profile).toMatchObject({status: 'stored', computed_at: iso(NOW), age_seconds: 7200})
    expect(stale.profile.activity_30d.positions).toBe(6)

    const text = await runInProcess(['vessels', 'show', String(MMSI), '--db', db], {env: envAt(later)})
    expect(text.stdout).toMatch(/Profile \(computed 2026-11-24 12:00Z, 2 h ago; newer data shows after the next profile-refresh\)/)

    const again = await runInProcess(['vessels', 'profiles', 'refresh', '--force', '--json', '--db', db], {env: envAt(later)})
    expect(again.code, again.stderr).toBe(0)
    const fresh = await show(MMSI, later)
    expect(fresh.profile).toMatchObject({status: 'stored', computed_at: iso(later), age_seconds: 0})
    expect(fresh.profile.activity_30d).toMatchObject({positions: 7, last_heard_at: iso(NOW + HOUR)})
  })

  it('computes a vessel never profiled live, and says so', async () => {
    placeReports(db, [
      {mmsi: NEWCOMER, lat: 1.2, lon: 103.8, at: NOW - DAY},
      {mmsi: NEWCOMER, lat: 1.3, lon: 103.8, at: NOW - DAY + HOUR},
    ])
    const shown = await show(NEWCOMER, NOW + 3 * HOUR)
    expect(shown.profile).toMatchObject({status: 'live', computed_at: iso(NOW + 3 * HOUR), age_seconds: 0, usual_ports: [], last_port_call: null, identity_history: []})
    expect(shown.profile.activity_30d).toMatchObject({positions: 2, days_heard: 1})
    expect(shown.profile.activity_30d.distance_nm).toBeCloseTo(haversineKm(1.2, 103.8, 1.3, 103.8) / 1.852, 1)
    expect(withDb(db, (d) => d.prepare('SELECT mmsi FROM vessel_profiles WHERE mmsi = ?').all(NEWCOMER))).toEqual([])
    const text = await runInProcess(['vessels', 'show', String(NEWCOMER), '--db', db], {env: envAt(NOW + 3 * HOUR)})
    expect(text.stdout).toMatch(/Profile \(computed live: no profile stored yet/)
  })

  it('lists the job daily at 04:00 UTC after the backup', async () => {
    const result = await runInProcess(['schedule', 'list', '--json', '--db', db], {env: envAt(NOW)})
    expect(result.code, result.stderr).toBe(0)
    const entry = JSON.parse(result.stdout).schedules.find((s: {name: string}) => s.name === 'profile-refresh')
    expect(entry).toMatchObject({schedule: '0 4 * * *', command: 'vessels profiles refresh', in_words: 'daily at 04:00 UTC', depends_on: ['backup']})
    const text = await runInProcess(['schedule', 'list', '--db', db], {env: envAt(NOW)})
    expect(text.stdout).toMatch(/^profile-refresh\s+0 4 \* \* \*\s+daily at 04:00 UTC\s+backup\s/m)
  })
})

describe('db maintain', () => {
  it('reindexes, and reports each step with its time and the database size before and after', async () => {
    const result = await runCli(['db', 'maintain', '--json', '--db', db], {env: envAt(NOW)})
    expect(result.code, result.stderr).toBe(0)
    const document = JSON.parse(result.stdout)
    expect(contractProblems('db maintain', document)).toEqual([])
    const steps: Array<{step: string; detail: string; duration_seconds: number; bytes_before: number; bytes_after: number}> = document.summary.steps
    expect(steps.map((s) => s.step)).toEqual(pg ? ['reindex', 'vacuum_analyze'] : ['integrity_check', 'reindex', 'analyze', 'optimize', 'vacuum'])
    const reindex = steps.find((s) => s.step === 'reindex')!
    expect(reindex.detail).toMatch(pg ? /^REINDEX TABLE CONCURRENTLY, \d+ tables$/ : /^REINDEX$/)
    for (const s of steps) {
      expect(s.bytes_before).toBeGreaterThan(0)
      expect(s.bytes_after).toBeGreaterThan(0)
    }
    if (!pg) {
      // One connection, nothing else writing: each step starts at the size the one before left.
      for (let i = 2; i < steps.length; i++) expect(steps[i].bytes_before).toBe(steps[i - 1].bytes_after)
      expect(document.summary.bytes_after).toBe(steps.at(-1)!.bytes_after)
    }
    if (pg) {
      const [{valid}] = withDb(db, (d) => d.prepare(`SELECT bool_and(indisvalid) AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = 'vessel_profiles'`).all() as Array<{valid: boolean}>)
      expect(valid).toBe(true)
    }

    // The same steps as a table (on SQLite only: a second REINDEX and VACUUM of PostgreSQL adds time, not checks).
    if (pg) return
    const text = await runInProcess(['db', 'maintain', '--db', db], {env: envAt(NOW)})
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^step\s+ran\s+seconds\s+bytes before\s+bytes after$/m)
    expect(text.stdout).toMatch(/^reindex\s+REINDEX/m)
  })
})
