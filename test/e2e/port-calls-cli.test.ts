// Port calls through the real CLI: voyages on Singapore's real anchorage cells and berths stored as ingest
// leaves them, `run-background-jobs --job behaviour` run over them (once, again with more positions, again
// with none), and `ports calls` read back, against the truth of each voyage (where the ship was every 10 s,
// measured to every cell of the region). Congestion's median wait then reads the calls.
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {PortCallEntry, PortCallsReport} from '../../src/schemas/ports.js'
import {placeReports, type PlacedVessel} from '../helpers/arrange.js'
import {runCli, tempDir, watchCli, withDb} from '../helpers/cli.js'
import {isPostgresLocation, seededDb} from '../helpers/template.js'
import {type LatLon, truthOfVisit, type Voyage, voyage} from '../helpers/voyage.js'

const MIN = 60_000
const HOUR = 60 * MIN
const EVERY = 10 * MIN
const START = Date.parse('2026-11-21T00:00:00Z')

const SEA: LatLon = [1.6, 104.8]
/** Singapore's eastern anchorages (a Global Fishing Watch anchorage cell of Keppel). */
const ANCHORAGE: LatLon = [1.245, 103.89]
/** At Keppel's berths, near its World Port Index position. */
const BERTH: LatLon = [1.28, 103.85]
/** The first anchorage cells a ship from the east meets. */
const OUTER_ANCHORAGE: LatLon = [1.3338, 104.1175]

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const at = (ms: number) => ({HARBORMASTER_NOW: new Date(ms).toISOString()})

/** Arrive from sea, anchor 5 h, shift to a berth, 20 h alongside, back to sea. */
const fullCall = (start: number) =>
  voyage(start, SEA, [
    {to: ANCHORAGE, knots: 12},
    {stayMs: 5 * HOUR, sog: 0.1, nav: 1},
    {to: BERTH, knots: 8},
    {stayMs: 20 * HOUR, sog: 0, nav: 5},
    {to: SEA, knots: 12},
  ])

const placed = (mmsi: number, v: Voyage, shipType = 70): PlacedVessel[] =>
  v.reports(EVERY).map((r) => ({mmsi, at: r.at, lat: r.lat, lon: r.lon, sog: r.sog, navStatus: r.nav, shipType}))

let db: string
let cells: Array<{lat: number; lon: number}>

async function behaviourJob(now: number) {
  const run = await runCli(['run-background-jobs', '--job', 'behaviour', '--json', '--db', db], {env: at(now)})
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout).jobs
}

async function portCalls(args: string[], now: number): Promise<PortCallsReport> {
  const run = await runCli(['ports', 'calls', ...args, '--json', '--db', db], {env: at(now)})
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout)
}

const ofVessel = (report: PortCallsReport, mmsi: number) => report.calls.filter((c) => c.mmsi === mmsi)
const ms = (iso: string | null) => Date.parse(iso as string)

function expectTruth(call: PortCallEntry, v: Voyage) {
  const truth = truthOfVisit(v, cells, 3, 4)
  expect(ms(call.arrived_at) - truth.arrived).toBeGreaterThanOrEqual(0)
  expect(ms(call.arrived_at) - truth.arrived).toBeLessThanOrEqual(EVERY)
  expect(ms(call.departed_at) - truth.departed).toBeGreaterThanOrEqual(0)
  expect(ms(call.departed_at) - truth.departed).toBeLessThanOrEqual(EVERY)
  expect(Math.abs(call.waiting_hours - 5)).toBeLessThanOrEqual(EVERY / HOUR + 0.01)
  expect(Math.abs(call.at_berth_hours - 20)).toBeLessThanOrEqual(EVERY / HOUR + 0.01)
}

describe('port calls through the behaviour job and ports calls', () => {
  const call = fullCall(START)
  const stop = voyage(START, SEA, [{to: OUTER_ANCHORAGE, knots: 12}, {stayMs: 2 * HOUR, sog: 0.1, nav: 1}, {to: SEA, knots: 12}])
  const gapped = fullCall(START + HOUR)
  // Silent for 5 h in the middle of its 20 h alongside.
  const silentFrom = gapped.legs[3].from + 5 * HOUR
  const split = fullCall(START + 2 * HOUR)
  // Its positions arrive in two parts: up to 10 h alongside, and the rest later.
  const splitAt = split.legs[3].from + 10 * HOUR
  const firstRun = splitAt + 30 * MIN
  const secondRun = split.end + HOUR

  beforeAll(async () => {
    db = seededDb(join(tmp.dir, 'calls', 'harbormaster.db'))
    cells = withDb(db, (d) => d.prepare(`SELECT lat, lon FROM port_area_cells WHERE lat BETWEEN 0 AND 2.5 AND lon BETWEEN 102.5 AND 106`).all()) as typeof cells
    placeReports(db, [
      ...placed(563700001, call),
      ...placed(563700002, stop),
      ...placed(563700003, gapped).filter((r) => r.at <= silentFrom || r.at > silentFrom + 5 * HOUR),
      ...placed(563700004, split).filter((r) => r.at <= splitAt),
    ])
    const jobs = await behaviourJob(firstRun)
    expect(jobs.vessel_behaviour.success).toBe(true)
  })

  it('finds exactly one call for arrive, anchor 5 h, berth 20 h, depart, its times within one report interval of the truth', async () => {
    const report = await portCalls(['SGKEP', '--since', '7d'], firstRun)
    const [found, ...others] = ofVessel(report, 563700001)
    expect(others).toEqual([])
    expect(found).toMatchObject({kind: 'call', open: false, unlocode: 'SGKEP', port_name: 'Keppel - (East Singapore)', stops: 2, gaps: 0, source: 'live', ship_type: 70})
    expectTruth(found, call)
    expect(report.ports).toEqual([expect.objectContaining({unlocode: 'SGKEP'})])
  })

  it('keeps a 2 h stop as a port stop, listed with --all and not among the calls', async () => {
    expect(ofVessel(await portCalls(['SGKEP'], firstRun), 563700002)).toEqual([])
    const [portStop, ...others] = ofVessel(await portCalls(['SGKEP', '--all'], firstRun), 563700002)
    expect(others).toEqual([])
    expect(portStop).toMatchObject({kind: 'port_stop', open: false, stops: 1, berthed_at: null})
    expect(portStop.hours_in_port).toBeLessThan(3)
    expect(Math.abs(portStop.waiting_hours - 2)).toBeLessThanOrEqual(EVERY / HOUR + 0.01)
  })

  it('takes a 5 h silence inside the port as a gap within one visit', async () => {
    const [found, ...others] = ofVessel(await portCalls(['SGKEP'], firstRun), 563700003)
    expect(others).toEqual([])
    expect(found).toMatchObject({kind: 'call', gaps: 1, stops: 2})
    expectTruth(found, gapped)
  })

  it('shows a ship still in port as an open call, and the same call once the rest of its positions arrive for the next run', async () => {
    const [open] = ofVessel(await portCalls(['SGKEP'], firstRun), 563700004)
    expect(open).toMatchObject({kind: 'call', open: true, departed_at: null})
    const before = withDb(db, (d) => d.prepare(`SELECT * FROM port_calls WHERE mmsi <> 563700004 ORDER BY id`).all())

    placeReports(db, placed(563700004, split).filter((r) => r.at > splitAt))
    const jobs = await behaviourJob(secondRun)
    expect(jobs.vessel_behaviour.detectors.port_calls).toMatchObject({port_visits_started: 0, port_visits_ended: 1, port_calls_ended: 1})
    const [closed, ...others] = ofVessel(await portCalls(['SGKEP'], secondRun), 563700004)
    expect(others).toEqual([])
    expect(closed).toMatchObject({id: open.id, kind: 'call', open: false, stops: 2, gaps: 0})
    expectTruth(closed, split)
    // The others' visits are as they were.
    expect(withDb(db, (d) => d.prepare(`SELECT * FROM port_calls WHERE mmsi <> 563700004 ORDER BY id`).all())).toEqual(before)
  })

  it('adds nothing when the job runs again with no new positions', async () => {
    const before = withDb(db, (d) => d.prepare(`SELECT * FROM port_calls ORDER BY id`).all())
    const jobs = await behaviourJob(secondRun + HOUR)
    expect(jobs.vessel_behaviour).toMatchObject({positions_fresh: 0})
    expect(withDb(db, (d) => d.prepare(`SELECT * FROM port_calls ORDER BY id`).all())).toEqual(before)
  })

  it('prints a table for people, and refuses an unknown port with exit 2', async () => {
    const table = await runCli(['ports', 'calls', 'SGKEP', '--db', db], {env: at(secondRun)})
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/^port\s+name\s+mmsi\s+vessel\s+kind\s+arrived \(UTC\)\s+departed\s+in port\s+waiting\s+at berth/m)
    expect(table.stdout).toMatch(/SGKEP\s+Keppel - \(East Singapore\)\s+563700001\s+-\s+call\s+2026-11-2\d \d\d:\d\d\s+2026-11-2\d \d\d:\d\d\s+[\d.]+ h\s+5(\.\d+)? h\s+20(\.\d+)? h\s+2\s+0\s+live/)
    const unknown = await runCli(['ports', 'calls', 'XXNOPE', '--db', db], {env: at(secondRun)})
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no port XXNOPE/)
  })

  it("gives congestion's median wait from the calls at Keppel", async () => {
    // The three calls waited 5 h each at anchor (the port stop's 2 h is not a call). A tug at the
    // anchorage now gives the port data in the ports job's window.
    placeReports(db, [{mmsi: 563700099, at: secondRun - 10 * MIN, lat: ANCHORAGE[0], lon: ANCHORAGE[1], sog: 0, navStatus: 0, shipType: 52}])
    const run = await runCli(['jobs', 'run', 'ports', '--force', '--json', '--db', db], {env: at(secondRun)})
    expect(run.code, run.stderr).toBe(0)
    const congestion = await runCli(['ports', 'congestion', '--port', 'SGKEP', '--json', '--db', db], {env: at(secondRun)})
    const [keppel] = JSON.parse(congestion.stdout).ports
    // Stops would count four waits (the port stop's anchorage too): three is the calls'.
    expect(keppel.waits_counted).toBe(3)
    expect(Math.abs(keppel.median_wait_hours - 5)).toBeLessThanOrEqual(EVERY / HOUR + 0.01)
  })
})

describe('a pass cut into slices, and one killed between them', () => {
  const voyages: Array<[number, Voyage]> = [
    [563800001, fullCall(START)],
    [563800002, voyage(START, SEA, [{to: OUTER_ANCHORAGE, knots: 12}, {stayMs: 2 * HOUR, sog: 0.1, nav: 1}, {to: SEA, knots: 12}])],
    [563800003, fullCall(START + HOUR)],
  ]
  const now = START + 3 * 24 * HOUR
  const visits = (location: string) =>
    withDb(location, (d) =>
      d
        .prepare(
          `SELECT mmsi, port_id, arrived_at, departed_at, last_at, berthed_at, anchorage_ms, berth_ms, stops, gaps, is_call, entry_lat, entry_lon, stop_place, source
           FROM port_calls WHERE mmsi BETWEEN 563800001 AND 563800003 ORDER BY mmsi, arrived_at`,
        )
        .all(),
    )
  const arranged = (name: string) => {
    const location = seededDb(join(tmp.dir, name, 'harbormaster.db'))
    placeReports(location, voyages.flatMap(([mmsi, v]) => placed(mmsi, v)))
    return location
  }
  /** Slices of 40 positions: every voyage is cut several times, at anchor, alongside and under way. */
  const sliced = {...at(now), HARBORMASTER_BEHAVIOUR_SLICE_POSITIONS: '40'}

  it('finds in many slices what it finds in one, and after a kill -9 between slices and a rerun, the same again', async () => {
    const whole = arranged('whole')
    const one = await runCli(['run-background-jobs', '--job', 'behaviour', '--json', '--db', whole], {env: at(now)})
    expect(one.code, one.stderr).toBe(0)
    expect(JSON.parse(one.stdout).jobs.vessel_behaviour.slices).toBe(1)
    const reference = visits(whole)
    expect(reference.map((v) => (v as {is_call: number}).is_call)).toEqual([1, 0, 1])

    const cut = arranged('cut')
    const many = await runCli(['run-background-jobs', '--job', 'behaviour', '--json', '--db', cut], {env: sliced})
    expect(many.code, many.stderr).toBe(0)
    expect(JSON.parse(many.stdout).jobs.vessel_behaviour.slices).toBeGreaterThan(10)
    expect(visits(cut)).toEqual(reference)

    const killed = arranged('killed')
    // Slices of 5 positions: over a hundred of them, so the kill lands mid-pass.
    const run = watchCli(['run-background-jobs', '--job', 'behaviour', '--verbose', '--db', killed], {env: {...sliced, HARBORMASTER_BEHAVIOUR_SLICE_POSITIONS: '5'}})
    // The first slice is committed when its line is logged: killed then, whatever it has done since (had it
    // finished first, the rerun below must still change nothing).
    await run.stderrMatching(/slice 1: positions/)
    run.child.kill('SIGKILL')
    const outcome = await run.done
    expect(outcome.signal === 'SIGKILL' || outcome.code === 0).toBe(true)
    const rerun = await runCli(['run-background-jobs', '--job', 'behaviour', '--json', '--db', killed], {env: sliced})
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(visits(killed)).toEqual(reference)
    if (!isPostgresLocation(killed)) expect(withDb(killed, (d) => d.prepare(`PRAGMA integrity_check`).pluck().get())).toBe('ok')
  })
})
