// Sea behaviour through the real CLI: `run-background-jobs --job behaviour` over positions arranged as
// intake leaves them (a vessel loitering far off Portugal, a pair meeting at sea, a pair at an anchorage
// of Al Shaheen Terminal) and over an NMEA capture of one MMSI heard in two places, taken in by the vessels
// job (whose track rule discards the second place's reports). Events stored once each: a rerun adds none.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {positionSentence, tagged} from '../helpers/aivdm.js'
import {type PlacedVessel, placeReports} from '../helpers/arrange.js'
import {runCli, tempDir, withDb} from '../helpers/cli.js'
import {seededDb} from '../helpers/template.js'

const MIN = 60_000
const HOUR = 60 * MIN
const T0 = Date.parse('2026-11-24T00:00:00Z')
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => seededDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
const at = (ms: number) => ({HARBORMASTER_NOW: new Date(ms).toISOString()})

/** Open Atlantic west of Lisbon, over 100 nm from shore (test/unit/behaviour-sea.test.ts checks the spots). */
const ATLANTIC = {lat: 38.5, lon: -12.0}
/** 3.7 km from an anchorage cell of Al Shaheen Terminal, Qatar, 80 km out. */
const NEAR_AL_SHAHEEN = {lat: 26.7, lon: 51.9}
const KNOT_DEG_PER_MIN = 1.852 / 111.195 / 60

/** Reports every `everyMs` in [from, to], moving north at `knots` from `start`. */
function reports(mmsi: number, start: {lat: number; lon: number}, from: number, to: number, everyMs: number, knots: number, sog = knots): PlacedVessel[] {
  const out: PlacedVessel[] = []
  for (let t = from; t <= to; t += everyMs) out.push({mmsi, at: t, lat: start.lat + ((t - from) / MIN) * knots * KNOT_DEG_PER_MIN, lon: start.lon, sog})
  return out
}

/** Another vessel heard every half hour till `until`: the window then shows the episodes before it over. */
const traffic = (until: number) => reports(247000099, {lat: 38.6, lon: -9.5}, T0, until, 30 * MIN, 0, 10)

interface BehaviourSummary {
  events_new: number
  events_updated: number
  new_by_type: Record<string, number>
  detectors: Record<string, Record<string, number>>
}

async function behaviourJob(db: string, now: number): Promise<BehaviourSummary> {
  const run = await runCli(['run-background-jobs', '--job', 'behaviour', '--json', '--db', db], {env: at(now)})
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout).jobs.vessel_behaviour
}

interface StoredEvent {
  type: string
  mmsi: number
  dedupe_key: string
  observed_at: number
  resolved_at: number | null
  source: string
  /** Text on SQLite, jsonb (already parsed) on PostgreSQL. */
  metadata: string | Record<string, unknown>
}

function events(db: string, type: string): Array<Omit<StoredEvent, 'metadata'> & {metadata: Record<string, unknown>}> {
  const rows = withDb(db, (d) =>
    d.prepare(`SELECT type, mmsi, dedupe_key, observed_at, resolved_at, source, metadata FROM safety_events WHERE type = ? ORDER BY id`).all(type),
  ) as StoredEvent[]
  return rows.map((r) => ({...r, metadata: typeof r.metadata === 'string' ? (JSON.parse(r.metadata) as Record<string, unknown>) : r.metadata}))
}

describe('loitering and encounters through the behaviour job', () => {
  it('stores a vessel loitering 6 h far offshore and a pair that met at sea, with their times, once each', async () => {
    const db = freshDb()
    const loiterer = [
      ...reports(247000001, {lat: ATLANTIC.lat - 0.2, lon: ATLANTIC.lon}, T0 - HOUR, T0 - 10 * MIN, 10 * MIN, 12),
      ...reports(247000001, ATLANTIC, T0, T0 + 6 * HOUR, 10 * MIN, 0.8),
      ...reports(247000001, {lat: ATLANTIC.lat + 0.1, lon: ATLANTIC.lon}, T0 + 6 * HOUR + 10 * MIN, T0 + 7 * HOUR, 10 * MIN, 12),
    ]
    // Side by side 200 m apart for 3 h, each reporting at its own minutes.
    const meeting = {lat: 39.5, lon: -13.5}
    const pair = [
      ...reports(247000002, meeting, T0, T0 + 3 * HOUR, 3 * MIN, 0, 0.5),
      ...reports(247000003, {lat: meeting.lat + 0.0018, lon: meeting.lon}, T0 + MIN, T0 + 3 * HOUR, 4 * MIN, 0, 0.6),
    ]
    // The same near an anchorage: no encounter.
    const anchored = [
      ...reports(247000004, NEAR_AL_SHAHEEN, T0, T0 + 3 * HOUR, 3 * MIN, 0, 0.5),
      ...reports(247000005, {lat: NEAR_AL_SHAHEEN.lat + 0.0018, lon: NEAR_AL_SHAHEEN.lon}, T0 + MIN, T0 + 3 * HOUR, 4 * MIN, 0, 0.6),
    ]
    placeReports(db, [...loiterer, ...pair, ...anchored, ...traffic(T0 + 12 * HOUR)])

    const first = await behaviourJob(db, T0 + 12 * HOUR)
    expect(first.new_by_type).toMatchObject({loitering: 1, encounter: 1, identity: 0})
    expect(events(db, 'loitering')).toEqual([
      expect.objectContaining({mmsi: 247000001, dedupe_key: `loitering:247000001:${T0}`, observed_at: T0, resolved_at: T0 + 6 * HOUR, source: 'live'}),
    ])
    expect(events(db, 'loitering')[0].metadata).toMatchObject({duration_hours: 6, mean_speed_knots: 0.8, started_at: new Date(T0).toISOString()})
    const [encounter] = events(db, 'encounter')
    expect(encounter).toMatchObject({mmsi: 247000002, dedupe_key: `encounter:247000002:247000003:${T0 + 10 * MIN}`, observed_at: T0 + 10 * MIN, resolved_at: T0 + 170 * MIN})
    expect(encounter.metadata).toMatchObject({other_mmsi: 247000003, duration_hours: 2.67})
    expect(events(db, 'encounter')).toHaveLength(1)

    // A rerun over nothing new, and one after more traffic: the same events, none twice.
    const rerun = await behaviourJob(db, T0 + 12 * HOUR)
    expect(rerun.events_new).toBe(0)
    placeReports(db, reports(247000099, {lat: 38.6, lon: -9.5}, T0 + 12 * HOUR + 30 * MIN, T0 + 13 * HOUR, 30 * MIN, 0, 10))
    const later = await behaviourJob(db, T0 + 13 * HOUR)
    expect(later.new_by_type).toMatchObject({loitering: 0, encounter: 0})
    expect(events(db, 'loitering')).toHaveLength(1)
    expect(events(db, 'encounter')).toHaveLength(1)
  })

  it('keeps an episode open while it goes on, and ends the same event when a later pass sees it end', async () => {
    const db = freshDb()
    const drift = reports(247000011, ATLANTIC, T0, T0 + 8 * HOUR, 10 * MIN, 0.8)
    placeReports(db, drift.filter((r) => r.at <= T0 + 5 * HOUR))
    await behaviourJob(db, T0 + 5 * HOUR)
    expect(events(db, 'loitering')).toEqual([expect.objectContaining({dedupe_key: `loitering:247000011:${T0}`, resolved_at: null})])

    // Three more hours adrift, then under way.
    placeReports(db, [...drift.filter((r) => r.at > T0 + 5 * HOUR), ...reports(247000011, {lat: 38.6, lon: -12}, T0 + 8 * HOUR + 10 * MIN, T0 + 9 * HOUR, 10 * MIN, 12)])
    const later = await behaviourJob(db, T0 + 9 * HOUR)
    expect(later).toMatchObject({events_new: 0, events_updated: 1})
    const [ended] = events(db, 'loitering')
    expect(ended).toMatchObject({dedupe_key: `loitering:247000011:${T0}`, resolved_at: T0 + 8 * HOUR})
    expect(ended.metadata).toMatchObject({duration_hours: 8, reports: 49})
  })
})

describe('identity through intake and the behaviour job', () => {
  it('stores one identity event for an MMSI heard in two places at once, from a capture whose second place intake discarded', async () => {
    const db = freshDb()
    const mmsi = 247000021
    const lines: string[] = []
    for (let k = 0; k <= 60; k++) {
      // Off Portugal at 10 kn, every 2 minutes; and 700 km away, a minute after each.
      lines.push(tagged(positionSentence({mmsi, lat: ATLANTIC.lat + k * 2 * 10 * KNOT_DEG_PER_MIN, lon: ATLANTIC.lon, sog: 10, second: 0}), T0 + k * 2 * MIN))
      if (k < 60) lines.push(tagged(positionSentence({mmsi, lat: 36 + k * 0.0002, lon: -20, sog: 1, second: 30}), T0 + k * 2 * MIN + MIN))
    }
    // And a vessel heard off Cabo Raso every half hour for 9 h.
    for (let t = T0; t <= T0 + 9 * HOUR; t += 30 * MIN) lines.push(tagged(positionSentence({mmsi: 247000099, lat: 38.6, lon: -9.5, sog: 10, second: 0}), t))
    const capture = join(tmp.dir, `twin-${n}.nmea`)
    writeFileSync(capture, `${lines.sort((a, b) => stamp(a) - stamp(b)).join('\r\n')}\r\n`)

    const vessels = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: {...at(T0 + 10 * HOUR), HARBORMASTER_AIS_SOURCE: `nmea-file:${capture}`}})
    expect(vessels.code, vessels.stderr).toBe(0)
    expect(JSON.parse(vessels.stdout).jobs.vessel_positions.rejected_by_reason).toMatchObject({'jump implying over 50 kn': 60})
    expect(withDb(db, (d) => d.prepare(`SELECT count(*) AS n FROM discarded_positions WHERE mmsi = ?`).get(mmsi))).toEqual({n: 60})

    const first = await behaviourJob(db, T0 + 10 * HOUR)
    expect(first.new_by_type).toMatchObject({identity: 1})
    const [event] = events(db, 'identity')
    expect(event).toMatchObject({mmsi, dedupe_key: `identity:${mmsi}:${T0 + 5 * MIN}`, observed_at: T0 + 5 * MIN, resolved_at: T0 + 120 * MIN})
    expect(event.metadata).toMatchObject({off_track_reports: 58, conflicts: 116})
    expect(event.metadata.distance_km).toBeGreaterThan(600)
    expect(events(db, 'identity')).toHaveLength(1)

    expect((await behaviourJob(db, T0 + 10 * HOUR)).events_new).toBe(0)
    expect(events(db, 'identity')).toHaveLength(1)
  })
})

/** The tag block time of a line (`\c:<seconds>*hh\…`). */
function stamp(line: string): number {
  return Number(/c:(\d+)/.exec(line)?.[1])
}
