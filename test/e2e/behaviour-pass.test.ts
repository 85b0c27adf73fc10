// The behaviour pass through the real CLI on the backend under test: AIS gaps at real sea positions (each
// checked against the land outline first): an offshore silence with others heard nearby is one event, the
// same silence with nobody heard and one near shore are none; reruns add nothing, a later pass reads only
// the new positions, a silence still going on is an open event a later pass ends, watchers are notified and
// their webhook called; kill -9 mid-pass (SQLite) leaves whole slices and a rerun doubles nothing;
// vessel:analyze runs the pass under the job's lease, and says so when another pass holds it.
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runBehaviourJob} from '../../src/services/behaviour/pass.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {landOutline} from '../../src/services/geo/land.js'
import {acquireLease} from '../../src/services/jobs/lease.js'
import {runJob} from '../../src/services/jobs/runner.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {JOB_TYPE_SPECS} from '../../src/services/queue/job-types.js'
import {type PlacedVessel, placeReports, track} from '../helpers/arrange.js'
import {collect, count, runCli, startCli, tempDir, withDb} from '../helpers/cli.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {Gate} from '../helpers/gate.js'
import {backend, firstUseDb, openTestDb} from '../helpers/template.js'

const H = 3_600_000
const NOW = Date.parse('2026-11-24T12:00:00Z')
/** The tracks begin here; the silences are 14 h, from T0 + 6 h to T0 + 20 h. */
const T0 = NOW - 30 * H
const iso = (ms: number) => new Date(ms).toISOString()
const NM = 1.852

const tmp = tempDir()
const servers: FaultServer[] = []
afterAll(async () => {
  for (const s of servers) await s.close()
  tmp.cleanup()
})
let n = 0
const freshDb = () => firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))

/** Sea positions used below: [lat, lon]. */
const SEA = {
  /** North Atlantic, 320 nm from the Azores and Ireland alike. */
  atlantic: [45.0, -30.0],
  atlanticNearby: [45.3, -29.6],
  atlanticLater: [45.8, -28.0],
  /** South Atlantic, 570 nm from any shore. */
  southAtlantic: [-30.0, -20.0],
  southAtlanticLater: [-29.5, -18.8],
  /** Gulf of Lion, 27 nm off the French coast. */
  gulfOfLion: [42.9, 4.6],
  gulfOfLionLater: [42.7, 4.9],
} as const

/** A silent vessel: reports every 30 min for 6 h, silent 14 h, then every 30 min for 4 h somewhere else. */
function silentVessel(mmsi: number, [lat, lon]: readonly number[], [lat2, lon2]: readonly number[], start = T0, silenceHours = 14): PlacedVessel[] {
  return [
    ...track({mmsi, lat, lon, sog: 9.5}, start, start + 6 * H, H / 2),
    ...track({mmsi, lat: lat2, lon: lon2, sog: 9.5}, start + (6 + silenceHours) * H, start + (10 + silenceHours) * H, H / 2),
  ]
}

/** Reports in time order (the order ingest stores them in), then stored. */
function place(db: string, reports: PlacedVessel[]): void {
  placeReports(
    db,
    [...reports].sort((a, b) => a.at - b.at || a.mmsi - b.mmsi),
  )
}

interface Gap {
  mmsi: number
  dedupe_key: string
  observed_at: number
  resolved_at: number | null
  source: string
  lat: number
  lon: number
  metadata: Record<string, unknown>
}

function gaps(db: string): Gap[] {
  return withDb(db, (d) =>
    d.prepare(`SELECT mmsi, dedupe_key, observed_at, resolved_at, source, lat, lon, metadata FROM safety_events WHERE type = 'ais_gap' ORDER BY mmsi, observed_at`).all(),
  ).map((r) => {
    const row = r as Gap & {metadata: unknown}
    return {
      ...row,
      mmsi: Number(row.mmsi),
      observed_at: Number(row.observed_at),
      resolved_at: row.resolved_at === null ? null : Number(row.resolved_at),
      metadata: typeof row.metadata === 'string' ? (JSON.parse(row.metadata) as Record<string, unknown>) : (row.metadata as Record<string, unknown>),
    }
  })
}

const maxPositionId = (db: string) => count(db, 'SELECT max(id) FROM vessel_positions')

/** The behaviour pass's watermark as stored (JSON text on SQLite, jsonb on PostgreSQL). */
function storedWatermark(db: string): number | null {
  const value = withDb(db, (d) => (d.prepare(`SELECT value FROM settings WHERE key = 'behaviour.position_id'`).get() as {value: unknown} | undefined)?.value)
  if (value === undefined) return null
  return (typeof value === 'string' ? (JSON.parse(value) as {position_id: number}) : (value as {position_id: number})).position_id
}

interface PassSummary {
  positions_fresh: number
  positions_read: number
  positions_carried: number
  vessels: number
  slices: number
  events_new: number
  events_updated: number
  events_ended: number
  new_by_type: Record<string, number>
  notifications: number
  webhooks: {attempted: number; sent: number}
  detectors: Record<string, Record<string, number>>
  watermark_before: number | null
  watermark_after: number | null
  first_pass_since: string | null
}

async function pass(db: string, now = NOW, env: Record<string, string> = {}): Promise<PassSummary> {
  const result = await runCli(['run-background-jobs', '--job', 'behaviour', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(now), ...env}})
  expect(result.code, result.stderr).toBe(0)
  const summary = JSON.parse(result.stdout) as {total_success: boolean; jobs: Record<string, unknown>}
  expect(Object.keys(summary.jobs)).toEqual(['vessel_behaviour'])
  expect(summary.total_success).toBe(true)
  return summary.jobs.vessel_behaviour as PassSummary
}

describe('the sea positions the tests use', () => {
  it('are at sea, where the land outline says they are', () => {
    const land = landOutline('10m')
    const nmFromShore = ([lat, lon]: readonly number[]) => {
      expect(land.isOnLand(lon, lat)).toBe(false)
      return land.distanceToShoreKm(lon, lat) / NM
    }
    for (const spot of [SEA.atlantic, SEA.atlanticNearby, SEA.atlanticLater, SEA.southAtlantic, SEA.southAtlanticLater]) expect(nmFromShore(spot)).toBeGreaterThan(300)
    expect(nmFromShore(SEA.gulfOfLion)).toBeLessThan(40)
    expect(nmFromShore(SEA.gulfOfLionLater)).toBeLessThan(40)
  })
})

describe('AIS gaps', () => {
  const DARK = 636012345 // Liberia: silent offshore, others heard nearby
  const ALONE = 352001234 // Panama: silent offshore, nobody heard
  const COASTAL = 247001234 // Italy: silent 27 nm off the coast
  const NEIGHBOUR = 538004321 // Marshall Islands: heard every hour 24 nm from DARK
  const COASTAL_NEIGHBOUR = 227001234 // France: heard every hour beside COASTAL

  it('an offshore silence of 14 h with others heard nearby is one event; nobody heard, or near shore: none; watchers notified', async () => {
    const db = freshDb()
    const hooks = await startFaultServer()
    servers.push(hooks)
    hooks.script('/ops', [{ok: ''}])
    expect((await runCli(['users', 'add', 'ops', '--role', 'OPERATOR', '--webhook', `${hooks.url}/ops`, '--db', db])).code).toBe(0)
    expect((await runCli(['watch', 'add', '--user', 'ops', '--vessel', String(DARK), '--db', db])).code).toBe(0)
    place(db, [
      ...silentVessel(DARK, SEA.atlantic, SEA.atlanticLater),
      ...silentVessel(ALONE, SEA.southAtlantic, SEA.southAtlanticLater),
      ...silentVessel(COASTAL, SEA.gulfOfLion, SEA.gulfOfLionLater),
      ...track({mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11}, T0, T0 + 24 * H, H),
      ...track({mmsi: COASTAL_NEIGHBOUR, lat: SEA.gulfOfLionLater[0], lon: SEA.gulfOfLionLater[1], sog: 11}, T0, T0 + 24 * H, H),
      // NEIGHBOUR's report from 8 days before: older than a first pass reads (7 days before the newest).
      {mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11, at: T0 - 8 * 24 * H},
    ])
    const total = count(db, 'SELECT count(*) FROM vessel_positions')

    const first = await pass(db)
    expect(first.first_pass_since).toBe(iso(T0 + 24 * H - 7 * 24 * H))
    expect(first.watermark_before).toBeNull()
    expect(first.watermark_after).toBe(maxPositionId(db))
    expect(first.positions_fresh).toBe(total - 1)
    expect(first.vessels).toBe(5)
    expect(first).toMatchObject({events_new: 1, events_updated: 0, events_ended: 1, notifications: 1})
    expect(first.new_by_type.ais_gap).toBe(1)
    // Three silences of 14 h (and NEIGHBOUR's 8 days before its first fresh report), two offshore of which
    // one with others heard; ALONE's and NEIGHBOUR's found nobody.
    expect(first.detectors.ais_gaps).toMatchObject({events: 1, silences: 4, offshore: 3, reception_holes: 2, open: 0})
    expect(first.webhooks).toMatchObject({attempted: 1, sent: 1})
    expect(hooks.hits.get('/ops')).toHaveLength(1)

    const [gap, ...others] = gaps(db)
    expect(others).toEqual([])
    const start = T0 + 6 * H
    const end = T0 + 20 * H
    expect(gap).toMatchObject({mmsi: DARK, dedupe_key: `ais_gap:${DARK}:${start}`, observed_at: start, resolved_at: end, source: 'live', lat: SEA.atlantic[0], lon: SEA.atlantic[1]})
    expect(gap.metadata).toMatchObject({
      started_at: iso(start),
      ended_at: iso(end),
      start_lat: SEA.atlantic[0],
      start_lon: SEA.atlantic[1],
      end_lat: SEA.atlanticLater[0],
      end_lon: SEA.atlanticLater[1],
      duration_hours: 14,
      vessels_heard_nearby: 1,
      heard_radius_nm: 50,
      heard_since: iso(start),
    })
    // NEIGHBOUR reported every hour strictly inside the silence: 13 reports.
    expect(gap.metadata.reports_heard_nearby).toBe(13)
    // 45.0N 30.0W to 45.8N 28.0W: 97 nm of great circle.
    expect(gap.metadata.distance_nm).toBeCloseTo(97.4, 0)
    expect(Math.abs((gap.metadata.implied_speed_kn as number) - 97.4 / 14)).toBeLessThanOrEqual(0.1)
    expect(gap.metadata.distance_to_shore_nm as number).toBeGreaterThan(300)
    expect(count(db, `SELECT count(*) FROM notifications n JOIN safety_events e ON e.id = n.event_id WHERE e.type = 'ais_gap' AND n.channel = 'webhook' AND n.status = 'sent'`)).toBe(1)

    // Run again: nothing new to read, nothing added.
    const again = await pass(db)
    expect(again).toMatchObject({positions_fresh: 0, positions_read: 0, slices: 0, events_new: 0, events_updated: 0, notifications: 0})
    expect(again.watermark_before).toBe(first.watermark_after)
    expect(again.watermark_after).toBe(first.watermark_after)
    expect(gaps(db)).toEqual([gap])

    // New positions: only they are fresh; the window looks back a day before the oldest of them.
    place(db, [
      ...track({mmsi: DARK, lat: SEA.atlanticLater[0], lon: SEA.atlanticLater[1], sog: 9.5}, T0 + 24.5 * H, T0 + 26 * H, H / 2),
      {mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11, at: T0 + 25 * H},
    ])
    const later = await pass(db, NOW + H)
    expect(later.watermark_before).toBe(first.watermark_after)
    expect(later.watermark_after).toBe(maxPositionId(db))
    expect(later.watermark_after).toBe((first.watermark_after as number) + 5)
    expect(later).toMatchObject({positions_fresh: 5, vessels: 2, slices: 1, events_new: 0, notifications: 0})
    // The fresh five and every report of the 24 h before the oldest of them (T0 + 0.5 h on).
    expect(later.positions_read).toBe(5 + count(db, 'SELECT count(*) FROM vessel_positions WHERE observed_at >= ? AND observed_at <= ? AND id <= ?', T0 + 0.5 * H, T0 + 26 * H, first.watermark_after))
    expect(gaps(db)).toEqual([gap])
  })

  it('a silence still going on is an open event; the pass that hears the vessel again ends it, without a second event', async () => {
    const db = freshDb()
    const start = T0 + 6 * H
    place(db, [
      ...track({mmsi: DARK, lat: SEA.atlantic[0], lon: SEA.atlantic[1], sog: 9.5}, T0, start, H / 2),
      ...track({mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11}, T0, T0 + 19 * H, H),
    ])
    // 13 h of silence so far, NEIGHBOUR heard meanwhile.
    const first = await pass(db, T0 + 19 * H)
    expect(first).toMatchObject({events_new: 1, events_ended: 0})
    expect(first.detectors.ais_gaps).toMatchObject({open: 1})
    const [open] = gaps(db)
    expect(open).toMatchObject({mmsi: DARK, dedupe_key: `ais_gap:${DARK}:${start}`, resolved_at: null})
    expect(open.metadata).toMatchObject({ended_at: null, end_lat: null, distance_nm: null, duration_hours: 13, silent_through: iso(T0 + 19 * H), vessels_heard_nearby: 1})

    // An hour on, still silent: the same event, brought up to date.
    place(db, [{mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11, at: T0 + 19.5 * H}])
    const still = await pass(db, T0 + 20 * H)
    expect(still).toMatchObject({events_new: 0, events_updated: 1, events_ended: 0})
    expect(gaps(db)).toHaveLength(1)
    expect(gaps(db)[0].metadata).toMatchObject({duration_hours: 13.5, silent_through: iso(T0 + 19.5 * H)})

    // Heard again at T0 + 20 h, 97 nm on.
    place(db, [
      ...track({mmsi: DARK, lat: SEA.atlanticLater[0], lon: SEA.atlanticLater[1], sog: 9.5}, T0 + 20 * H, T0 + 22 * H, H / 2),
      ...track({mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11}, T0 + 20 * H, T0 + 22 * H, H),
    ])
    const ended = await pass(db, T0 + 23 * H)
    expect(ended).toMatchObject({events_new: 0, events_updated: 1, events_ended: 1, notifications: 0})
    const [gap, ...others] = gaps(db)
    expect(others).toEqual([])
    expect(gap).toMatchObject({dedupe_key: open.dedupe_key, resolved_at: T0 + 20 * H})
    expect(gap.metadata).toMatchObject({ended_at: iso(T0 + 20 * H), end_lat: SEA.atlanticLater[0], duration_hours: 14, silent_through: null, vessels_heard_nearby: 1})
    expect(await pass(db, T0 + 23 * H)).toMatchObject({events_new: 0, events_updated: 0})
  })
})

describe('vessel:analyze', () => {
  const DARK = 636012345
  const NEIGHBOUR = 538004321

  async function analyse(db: string, mmsi: number): Promise<{state: string; result: Record<string, unknown>}> {
    const env = {HARBORMASTER_NOW: iso(NOW)}
    const queued = await runCli(['queue', 'enqueue', 'vessel:analyze', '--payload', JSON.stringify({mmsi}), '--json', '--db', db], {env})
    expect(queued.code, queued.stderr).toBe(0)
    const id = (JSON.parse(queued.stdout) as {id: string}).id
    const drained = await runCli(['worker', '--drain', '--json', '--db', db], {env})
    expect(drained.code, drained.stderr).toBe(0)
    expect(JSON.parse(drained.stdout).per_type['vessel:analyze']).toMatchObject({completed: 1, failed: 0})
    const shown = await runCli(['queue', 'show', id, '--json', '--db', db], {env})
    expect(shown.code, shown.stderr).toBe(0)
    const job = JSON.parse(shown.stdout) as {state: string; result: Record<string, unknown>}
    expect(job.state).toBe('completed')
    return job
  }

  it('runs the behaviour pass after its own steps; when another pass holds the lease it says so and succeeds', async () => {
    const db = freshDb()
    place(db, [
      ...silentVessel(DARK, SEA.atlantic, SEA.atlanticLater),
      ...track({mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11}, T0, T0 + 24 * H, H),
    ])
    const first = await analyse(db, DARK)
    expect(first.result).toMatchObject({mmsi: DARK, known: true})
    expect(first.result.behaviour).toMatchObject({ran: true, events_new: 1, watermark_after: maxPositionId(db)})
    expect(gaps(db).map((g) => g.dedupe_key)).toEqual([`ais_gap:${DARK}:${T0 + 6 * H}`])
    // The lease is the job's, and free again.
    expect(count(db, `SELECT count(*) FROM job_locks WHERE job = 'behaviour'`)).toBe(0)

    // A behaviour pass on another host holds the lease: the analysis does its own part and leaves the rest.
    place(db, [{mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11, at: T0 + 25 * H}])
    withDb(db, (d) =>
      d
        .prepare(`INSERT INTO job_locks (job, owner, host, pid, acquired_at, heartbeat_at, lease_expires_at) VALUES ('behaviour', 'elsewhere:4242', 'elsewhere', 4242, ?, ?, ?)`)
        // In force on either lease clock: the process's (NOW) on SQLite, the server's on PostgreSQL.
        .run(NOW, NOW, Math.max(NOW, Date.now()) + H),
    )
    const held = await analyse(db, NEIGHBOUR)
    expect(held.result).toMatchObject({mmsi: NEIGHBOUR, known: true, behaviour: {ran: false}})
    expect((held.result.behaviour as {held_by: string}).held_by).toMatch(/^behaviour is running \(elsewhere:4242, since /)
    // Its position waits for the holder's pass: the watermark has not moved.
    expect((first.result.behaviour as {watermark_after: number}).watermark_after).toBe(maxPositionId(db) - 1)
    expect(storedWatermark(db)).toBe(maxPositionId(db) - 1)
  })
})

describe('one pass at a time in one process', () => {
  const DARK = 636012345
  const NEIGHBOUR = 538004321

  it('a worker running the behaviour job and a vessel:analyze at once: whichever holds the lease runs the pass, the other says who does', async () => {
    const db = freshDb()
    place(db, [
      ...silentVessel(DARK, SEA.atlantic, SEA.atlanticLater),
      ...track({mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11}, T0, T0 + 24 * H, H),
    ])
    const ctx: Context = {config: loadConfig({dbPath: db, env: {}}), db: await openTestDb(db), logger: silentLogger, clock: fixedClock(NOW)}
    try {
      const analyse = async (mmsi: number) => {
        const handler = await JOB_TYPE_SPECS['vessel:analyze'].handler()
        const job = {id: `analyse-${mmsi}`, type: 'vessel:analyze', queue: 'analysis', payload: {mmsi}, attempt: 1, maxRetries: 3, timeoutSeconds: 120} as const
        return handler.handle(ctx, {mmsi}, job) as Promise<{behaviour: {ran: boolean; held_by?: string; events_new?: number}}>
      }
      // The registry job, held in the middle of its run (the runner has the lease) until the test lets it go.
      const gate = new Gate().close()
      const running = runJob(ctx, 'behaviour', async (jobCtx) => {
        await gate.pass()
        return runBehaviourJob(jobCtx)
      })
      await gate.whenHeld()
      const meanwhile = await analyse(DARK)
      expect(meanwhile.behaviour).toEqual({ran: false, held_by: expect.stringMatching(new RegExp(`^behaviour is running \\(.+:${process.pid}, since `))})
      gate.open()
      const outcome = await running
      expect(outcome).toMatchObject({status: 'success', summary: {events_new: 1}})

      // The other way round: the analysis holds the lease (its pass waits for the test), the job skips.
      place(db, [{mmsi: NEIGHBOUR, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11, at: T0 + 25 * H}])
      const lease = await acquireLease(ctx, 'behaviour')
      expect(lease.acquired).toBe(true)
      const skipped = await runJob(ctx, 'behaviour', (jobCtx) => runBehaviourJob(jobCtx))
      expect(skipped).toMatchObject({status: 'skipped', skipReason: expect.stringMatching(new RegExp(`^behaviour is running \\(.+:${process.pid}, since `))})
      expect((await analyse(DARK)).behaviour).toMatchObject({ran: false})
      if (lease.acquired) await lease.lease.release()
      expect((await analyse(DARK)).behaviour).toMatchObject({ran: true, events_new: 0, positions_fresh: 1})
      expect(count(db, `SELECT count(*) FROM job_locks`)).toBe(0)
      expect(gaps(db)).toHaveLength(1)
    } finally {
      await ctx.db.close()
    }
  })
})

describe('slices', () => {
  it('a pass in slices of ten positions finds what one slice finds, reports stored out of time order included', async () => {
    const reports: PlacedVessel[] = []
    for (let k = 0; k < 6; k++) reports.push(...silentVessel(636030000 + k, [SEA.atlantic[0] + k * 0.1, SEA.atlantic[1]], [SEA.atlantic[0] + 0.5, SEA.atlantic[1] + 1.5], T0 + k * 2 * H))
    reports.push(...track({mmsi: 538004321, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11}, T0, T0 + 36 * H, H))
    // Stored last, observed in the middle: a receiver's backlog delivered late.
    const late = track({mmsi: 538004322, lat: SEA.atlantic[0] - 0.3, lon: SEA.atlantic[1], sog: 11}, T0 + 10.25 * H, T0 + 14.25 * H, H / 2)
    const sliced = freshDb()
    const whole = freshDb()
    for (const db of [sliced, whole]) {
      place(db, reports)
      place(db, late)
    }
    const inSlices = await pass(sliced, NOW, {HARBORMASTER_BEHAVIOUR_SLICE_POSITIONS: '10'})
    const inOne = await pass(whole, NOW)
    expect(inOne.slices).toBe(1)
    expect(inSlices.slices).toBeGreaterThan(15)
    expect(inSlices.positions_carried).toBeGreaterThan(0)
    expect(inSlices.positions_fresh).toBe(inOne.positions_fresh)
    const found = (db: string) =>
      gaps(db)
        .filter((g) => g.metadata.withdrawn !== true)
        .map(({mmsi, dedupe_key, resolved_at}) => ({mmsi, dedupe_key, resolved_at}))
    expect(found(sliced)).toEqual(found(whole))
    expect(found(whole).filter((g) => g.resolved_at !== null)).toHaveLength(6)
    // The late reports arrived over several slices: the first of them, read before the rest, looked like a
    // vessel gone silent; the next slice's withdrew that gap (ended when it was heard again, marked withdrawn).
    const withdrawn = gaps(sliced).filter((g) => g.metadata.withdrawn === true)
    expect(withdrawn.map((g) => g.dedupe_key)).toEqual([`ais_gap:538004322:${T0 + 10.25 * H}`])
    expect(withdrawn[0]).toMatchObject({resolved_at: T0 + 10.75 * H, metadata: {duration_hours: 0.5}})
    expect(gaps(whole).filter((g) => g.metadata.withdrawn === true)).toEqual([])
  })
})

describe.skipIf(backend() === 'postgres')('kill -9 in the middle of a pass', () => {
  /** Positions per slice: the pass below takes dozens of slices, each committed whole. */
  const SLICE = 10
  const DARK_VESSELS = 12
  let db: string
  let reference: Array<Pick<Gap, 'dedupe_key' | 'resolved_at' | 'observed_at'>>
  let firstId: number
  let lastId: number
  const boundaries = new Set<number>()
  /** Runs killed while running (each left `running`: a crash the next run finds). */
  let killed = 0

  beforeAll(async () => {
    // Twelve vessels going dark 320 nm out in the North Atlantic, one an hour, each for 14 h, then heard for
    // 4 h and no more; two others heard around them every half hour throughout; stored in time order.
    const reports: PlacedVessel[] = []
    for (let k = 0; k < DARK_VESSELS; k++) {
      const lat = SEA.atlantic[0] + (k % 4) * 0.1
      const lon = SEA.atlantic[1] + Math.floor(k / 4) * 0.1
      reports.push(...silentVessel(636020000 + k, [lat, lon], [lat + 0.5, lon + 1.5], T0 + k * H))
    }
    reports.push(...track({mmsi: 538004321, lat: SEA.atlanticNearby[0], lon: SEA.atlanticNearby[1], sog: 11}, T0, T0 + 40 * H, H / 2))
    reports.push(...track({mmsi: 538004322, lat: SEA.atlantic[0] - 0.3, lon: SEA.atlantic[1] + 0.2, sog: 11}, T0, T0 + 40 * H, H / 2))
    const arranged = freshDb()
    place(arranged, reports)
    firstId = count(arranged, 'SELECT min(id) FROM vessel_positions')
    lastId = maxPositionId(arranged)
    for (let b = firstId - 1 + SLICE; b < lastId; b += SLICE) boundaries.add(b)
    boundaries.add(lastId)
    expect(boundaries.size).toBeGreaterThan(30)
    // The same database, analysed in one uninterrupted pass: what the killed passes must end up with.
    const whole = join(tmp.dir, 'whole.db')
    withDb(arranged, (d) => d.exec(`VACUUM INTO '${whole}'`))
    const done = await pass(whole, NOW, {HARBORMASTER_BEHAVIOUR_SLICE_POSITIONS: String(SLICE)})
    expect(done.slices).toBe(boundaries.size)
    reference = gaps(whole).map(({dedupe_key, resolved_at, observed_at}) => ({dedupe_key, resolved_at, observed_at}))
    // Sliced or whole, one pass finds the same: the slices' windows (each carried over to the next) hold
    // what one window over everything holds.
    const once = join(tmp.dir, 'once.db')
    withDb(arranged, (d) => d.exec(`VACUUM INTO '${once}'`))
    expect(await pass(once, NOW)).toMatchObject({slices: 1, positions_carried: 0})
    expect(gaps(once).map(({dedupe_key, resolved_at, observed_at}) => ({dedupe_key, resolved_at, observed_at}))).toEqual(reference)
    expect(done.positions_read).toBe(lastId - firstId + 1)
    expect(done.positions_carried).toBeGreaterThan(done.positions_read)
    // Each silence of 14 h ended; and the five vessels last heard 12 h or more before the newest report
    // (while the two others are still heard around them) are dark still: open events.
    expect(reference.filter((g) => g.resolved_at !== null)).toHaveLength(DARK_VESSELS)
    expect(reference.filter((g) => g.resolved_at === null)).toHaveLength(5)
    db = arranged
  })

  const env = {HARBORMASTER_NOW: iso(NOW), HARBORMASTER_BEHAVIOUR_SLICE_POSITIONS: String(SLICE)}
  const watermarkOf = (d: Database.Database): number | null => {
    const value = d.prepare(`SELECT value FROM settings WHERE key = 'behaviour.position_id'`).pluck().get() as string | undefined
    return value === undefined ? null : (JSON.parse(value) as {position_id: number}).position_id
  }

  /** After a kill: an intact file, the watermark at a slice boundary, no episode stored twice, none unknown. */
  function checkIntact(): number | null {
    return withDb(db, (d) => {
      expect(d.pragma('integrity_check', {simple: true})).toBe('ok')
      const watermark = watermarkOf(d)
      if (watermark !== null) expect(boundaries.has(watermark), `watermark ${watermark} is not a slice boundary`).toBe(true)
      const rows = gaps(db)
      expect(new Set(rows.map((g) => g.dedupe_key)).size).toBe(rows.length)
      for (const g of rows) expect(reference.map((r) => r.dedupe_key)).toContain(g.dedupe_key)
      return watermark
    })
  }

  it('kills at once when the watermark has passed a point: whole slices only, nothing doubled', async () => {
    const marks: Array<number | null> = []
    for (const slices of [1, 3, 5]) {
      const start = withDb(db, watermarkOf) ?? firstId - 1
      const child = startCli(['run-background-jobs', '--job', 'behaviour', '--db', db], {env})
      const done = collect(child)
      const probe = new Database(db)
      try {
        for (;;) {
          const watermark = watermarkOf(probe)
          if (watermark !== null && watermark >= start + slices * SLICE) break
          if (child.exitCode !== null) break
          await sleep(2)
        }
      } finally {
        probe.close()
      }
      child.kill('SIGKILL')
      await done
      marks.push(checkIntact())
      killed += count(db, `SELECT count(*) FROM job_runs WHERE job = 'behaviour' AND status = 'running'`)
    }
    expect(marks.every((m) => m !== null)).toBe(true)
  })

  it('a kill while the pass waits to commit a slice (the test holds the write lock) lands mid-pass; the rerun completes as one pass would', async () => {
    const before = checkIntact() ?? firstId - 1
    const child = startCli(['run-background-jobs', '--job', 'behaviour', '--db', db], {env})
    const done = collect(child)
    const probe = new Database(db)
    probe.pragma('busy_timeout = 60000')
    let held: number
    try {
      // Looked at only while holding the write lock: a pass seen short of its end cannot finish before the kill.
      for (;;) {
        probe.exec('BEGIN IMMEDIATE')
        const watermark = watermarkOf(probe) ?? firstId - 1
        if (watermark >= before + 2 * SLICE) {
          held = watermark
          break
        }
        probe.exec('ROLLBACK')
        await sleep(2)
      }
      expect(held).toBeLessThan(lastId)
      child.kill('SIGKILL')
      expect((await done).signal).toBe('SIGKILL')
    } finally {
      if (probe.inTransaction) probe.exec('ROLLBACK')
      probe.close()
    }
    expect(checkIntact()).toBe(held)
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'behaviour' AND status = 'running'`)).toBe(1)
    killed++

    const rerun = await pass(db, NOW, env)
    expect(rerun.watermark_before).toBe(held)
    expect(rerun.watermark_after).toBe(lastId)
    expect(checkIntact()).toBe(lastId)
    expect(gaps(db).map(({dedupe_key, resolved_at, observed_at}) => ({dedupe_key, resolved_at, observed_at}))).toEqual(reference)
    expect(await pass(db, NOW, env)).toMatchObject({events_new: 0, events_updated: 0, positions_fresh: 0})
    // The killed runs are crashes, found out by the runs after them; no lease is left behind.
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'behaviour' AND status = 'crashed'`)).toBe(killed)
    expect(count(db, `SELECT count(*) FROM job_locks`)).toBe(0)
  })
})
