// Port congestion in the database: the snapshots the ports job stores, each port's daily medians of
// vessels waiting (what baselines are made of), and the latest snapshot per port that readers want.
import {float8Array, hotRows, int8Array, pgArrays, pgExec, textArray, versionOf} from './pg-batch.js'
import type {CongestionLevel, DataSource, Trend} from './schema.js'
import type {AnyDb} from './transaction.js'

export type {CongestionLevel, Trend} from './schema.js'

export interface SnapshotRow {
  portId: number
  observedAt: number
  windowStart: number
  vesselsWaiting: number | null
  vesselsAtBerth: number | null
  vesselsInPort: number | null
  waitingUnknownType: number | null
  atBerthUnknownType: number | null
  level: CongestionLevel
  baselineWaiting: number | null
  baselineSamples: number
  medianWaitHours: number | null
  waitsCounted: number | null
  episodeStartedAt: number | null
  trend: Trend
  source: DataSource
  createdAt: number
}

const SNAPSHOT_COLUMNS = `port_id, observed_at, window_start, vessels_waiting, vessels_at_berth, vessels_in_port, waiting_unknown_type,
  at_berth_unknown_type, level, baseline_waiting, baseline_samples, median_wait_hours, waits_counted, episode_started_at, trend, source, created_at`

/** Stores a run's snapshots (one per port: thousands); call inside a write transaction. */
export async function insertSnapshots(db: AnyDb, rows: SnapshotRow[]): Promise<void> {
  if (db.dialect === 'postgres') {
    if (rows.length === 0) return
    await pgExec(
      db,
      `INSERT INTO port_congestion (${SNAPSHOT_COLUMNS}) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],
         $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::float8[], $11::bigint[], $12::float8[], $13::bigint[], $14::bigint[], $15::text[],
         $16::text[], $17::bigint[])`,
      [
        int8Array(rows, (r) => r.portId),
        int8Array(rows, (r) => r.observedAt),
        int8Array(rows, (r) => r.windowStart),
        int8Array(rows, (r) => r.vesselsWaiting),
        int8Array(rows, (r) => r.vesselsAtBerth),
        int8Array(rows, (r) => r.vesselsInPort),
        int8Array(rows, (r) => r.waitingUnknownType),
        int8Array(rows, (r) => r.atBerthUnknownType),
        textArray(rows, (r) => r.level),
        float8Array(rows, (r) => r.baselineWaiting),
        int8Array(rows, (r) => r.baselineSamples),
        float8Array(rows, (r) => r.medianWaitHours),
        int8Array(rows, (r) => r.waitsCounted),
        int8Array(rows, (r) => r.episodeStartedAt),
        textArray(rows, (r) => r.trend),
        textArray(rows, (r) => r.source),
        int8Array(rows, (r) => r.createdAt),
      ],
    )
    return
  }
  const insert = db.sqlite.prepare(
    `INSERT INTO port_congestion (port_id, observed_at, window_start, vessels_waiting, vessels_at_berth, vessels_in_port,
       waiting_unknown_type, at_berth_unknown_type, level, baseline_waiting, baseline_samples, median_wait_hours, waits_counted,
       episode_started_at, trend, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  for (const r of rows) {
    insert.run(
      r.portId, r.observedAt, r.windowStart, r.vesselsWaiting, r.vesselsAtBerth, r.vesselsInPort, r.waitingUnknownType, r.atBerthUnknownType,
      r.level, r.baselineWaiting, r.baselineSamples, r.medianWaitHours, r.waitsCounted, r.episodeStartedAt, r.trend, r.source, r.createdAt,
    )
  }
}

export interface PreviousSnapshot {
  waiting: number
  level: CongestionLevel
  episodeStartedAt: number | null
  observedAt: number
}

/** For each port given, its latest snapshot with data observed before `before`. */
export async function previousSnapshots(db: AnyDb, portIds: number[], before: number): Promise<Map<number, PreviousSnapshot>> {
  const out = new Map<number, PreviousSnapshot>()
  if (db.dialect === 'postgres') {
    // One statement for every port: a backward probe of the (port_id, observed_at) index each.
    const rows = await pgArrays<[number, number, CongestionLevel, number | null, number]>(
      db,
      `SELECT p.id, c.vessels_waiting, c.level, c.episode_started_at, c.observed_at FROM unnest($1::bigint[]) AS p(id)
       CROSS JOIN LATERAL (SELECT vessels_waiting, level, episode_started_at, observed_at FROM port_congestion
         WHERE port_id = p.id AND observed_at < $2 AND vessels_waiting IS NOT NULL ORDER BY observed_at DESC LIMIT 1) c`,
      [int8Array(portIds), before],
    )
    for (const [id, waiting, level, episodeStartedAt, observedAt] of rows) out.set(id, {waiting, level, episodeStartedAt, observedAt})
    return out
  }
  const statement = db.sqlite.prepare(
    `SELECT vessels_waiting AS waiting, level, episode_started_at AS episodeStartedAt, observed_at AS observedAt FROM port_congestion
     WHERE port_id = ? AND observed_at < ? AND vessels_waiting IS NOT NULL ORDER BY observed_at DESC LIMIT 1`,
  )
  for (const id of portIds) {
    const row = statement.get(id, before) as PreviousSnapshot | undefined
    if (row) out.set(id, row)
  }
  return out
}

export interface DailyMedian {
  portId: number
  day: number
  medianWaiting: number | null
  snapshots: number
  episodeSnapshots: number
}

/** The latest day each port's daily medians reach. */
export async function dailyCoverage(db: AnyDb): Promise<Map<number, number>> {
  const rows = await hotRows<{portId: number; day: number}>(db, `SELECT port_id AS "portId", max(day) AS day FROM port_congestion_daily GROUP BY port_id`)
  return new Map(rows.map((r) => [r.portId, r.day]))
}

export interface WaitingSample {
  observedAt: number
  waiting: number
  /** 1 when taken during a spell above normal, else 0. */
  inEpisode: number
}

/** For each port given (with the start of its range), its snapshots with data in [from, to), oldest first. */
export async function waitingBetween(db: AnyDb, fromByPort: Map<number, number>, to: number): Promise<Map<number, WaitingSample[]>> {
  const out = new Map<number, WaitingSample[]>()
  if (fromByPort.size === 0) return out
  if (db.dialect === 'postgres') {
    // One statement for every port: a range scan of the (port_id, observed_at) index each.
    const rows = await pgArrays<[number, number, number, number]>(
      db,
      `SELECT c.port_id, c.observed_at, c.vessels_waiting, CASE WHEN c.episode_started_at IS NOT NULL THEN 1 ELSE 0 END
       FROM unnest($1::bigint[], $2::bigint[]) AS r(port_id, from_at)
       JOIN port_congestion c ON c.port_id = r.port_id AND c.observed_at >= r.from_at AND c.observed_at < $3 AND c.vessels_waiting IS NOT NULL
       ORDER BY c.port_id, c.observed_at`,
      [int8Array([...fromByPort.keys()]), int8Array([...fromByPort.values()]), to],
    )
    for (const [portId, observedAt, waiting, inEpisode] of rows) {
      const list = out.get(portId)
      if (list) list.push({observedAt, waiting, inEpisode})
      else out.set(portId, [{observedAt, waiting, inEpisode}])
    }
    return out
  }
  const statement = db.sqlite.prepare(
    `SELECT observed_at AS observedAt, vessels_waiting AS waiting, episode_started_at IS NOT NULL AS inEpisode FROM port_congestion
     WHERE port_id = ? AND observed_at >= ? AND observed_at < ? AND vessels_waiting IS NOT NULL ORDER BY observed_at`,
  )
  for (const [portId, from] of fromByPort) out.set(portId, statement.all(portId, from, to) as WaitingSample[])
  return out
}

/** Call inside a write transaction. */
export async function storeDailyMedians(db: AnyDb, rows: DailyMedian[]): Promise<void> {
  if (db.dialect === 'postgres') {
    if (rows.length === 0) return
    await pgExec(
      db,
      `INSERT INTO port_congestion_daily (port_id, day, median_waiting, snapshots, episode_snapshots)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::bigint[], $5::bigint[])
       ON CONFLICT (port_id, day) DO UPDATE SET median_waiting = excluded.median_waiting, snapshots = excluded.snapshots,
         episode_snapshots = excluded.episode_snapshots`,
      [rows.map((r) => r.portId), rows.map((r) => r.day), rows.map((r) => r.medianWaiting), rows.map((r) => r.snapshots), rows.map((r) => r.episodeSnapshots)],
    )
    return
  }
  const upsert = db.sqlite.prepare(
    `INSERT INTO port_congestion_daily (port_id, day, median_waiting, snapshots, episode_snapshots) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(port_id, day) DO UPDATE SET median_waiting = excluded.median_waiting, snapshots = excluded.snapshots,
       episode_snapshots = excluded.episode_snapshots`,
  )
  for (const r of rows) upsert.run(r.portId, r.day, r.medianWaiting, r.snapshots, r.episodeSnapshots)
}

export interface DayOfWaiting {
  day: number
  median: number
  /** Most of the day's snapshots were taken during a spell above normal. */
  episode: boolean
}

/** Deletes daily medians of days before `before`; call inside a write transaction. */
export async function deleteDailyBefore(db: AnyDb, before: number): Promise<number> {
  if (db.dialect === 'postgres') return pgExec(db, `DELETE FROM port_congestion_daily WHERE day < $1`, [before])
  return db.sqlite.prepare(`DELETE FROM port_congestion_daily WHERE day < ?`).run(before).changes
}

/** Daily medians with data from `since` on, per port. */
export async function dailyMediansSince(db: AnyDb, since: number): Promise<Map<number, DayOfWaiting[]>> {
  const out = new Map<number, DayOfWaiting[]>()
  const rows = await hotRows<{portId: number; day: number; median: number; episode: number}>(
    db,
    `SELECT port_id AS "portId", day, median_waiting AS median, CASE WHEN episode_snapshots * 2 > snapshots THEN 1 ELSE 0 END AS episode
     FROM port_congestion_daily WHERE day >= ? AND median_waiting IS NOT NULL ORDER BY day`,
    [since],
  )
  for (const r of rows) {
    const day = {day: r.day, median: r.median, episode: r.episode === 1}
    const list = out.get(r.portId)
    if (list) list.push(day)
    else out.set(r.portId, [day])
  }
  return out
}

export interface LatestCongestion {
  portId: number
  name: string
  unlocode: string | null
  wpiNumber: string | null
  country: string | null
  lat: number
  lon: number
  radiusKm: number
  level: CongestionLevel
  waiting: number | null
  atBerth: number | null
  inPort: number | null
  waitingUnknownType: number | null
  atBerthUnknownType: number | null
  baseline: number | null
  baselineSamples: number
  medianWaitHours: number | null
  waitsCounted: number | null
  episodeStartedAt: number | null
  trend: Trend
  source: DataSource
  observedAt: number
}

/** Each port's latest snapshot: the one stored last. */
const LATEST_SNAPSHOT_IDS = `(SELECT max(id) AS id FROM port_congestion GROUP BY port_id)`

export interface LatestLevel {
  portId: number
  level: CongestionLevel
  waiting: number | null
  observedAt: number
  lat: number
  lon: number
}

/** Each port's latest level and vessels waiting, with the port's position: what alert rules on ports read. */
export async function latestLevels(db: AnyDb): Promise<LatestLevel[]> {
  return hotRows<LatestLevel>(
    db,
    `SELECT c.port_id AS "portId", c.level, c.vessels_waiting AS waiting, c.observed_at AS "observedAt", p.lat, p.lon
     FROM port_congestion c JOIN ${LATEST_SNAPSHOT_IDS} latest ON latest.id = c.id JOIN ports p ON p.id = c.port_id ORDER BY p.id`,
  )
}

/** Each port's latest snapshot, optionally only those at the given levels. */
export async function latestSnapshots(db: AnyDb, levels?: CongestionLevel[]): Promise<LatestCongestion[]> {
  const where = levels ? `WHERE c.level IN (${levels.map(() => '?').join(', ')})` : ''
  return hotRows<LatestCongestion>(
    db,
    `SELECT p.id AS "portId", p.name, p.unlocode, p.wpi_number AS "wpiNumber", p.country, p.lat, p.lon, p.radius_km AS "radiusKm",
       c.level, c.vessels_waiting AS waiting, c.vessels_at_berth AS "atBerth", c.vessels_in_port AS "inPort",
       c.waiting_unknown_type AS "waitingUnknownType", c.at_berth_unknown_type AS "atBerthUnknownType",
       c.baseline_waiting AS baseline, c.baseline_samples AS "baselineSamples", c.median_wait_hours AS "medianWaitHours",
       c.waits_counted AS "waitsCounted", c.episode_started_at AS "episodeStartedAt", c.trend, c.source, c.observed_at AS "observedAt"
     FROM port_congestion c
     JOIN ${LATEST_SNAPSHOT_IDS} latest ON latest.id = c.id
     JOIN ports p ON p.id = c.port_id
     ${where}
     ORDER BY p.id`,
    levels ?? [],
  )
}

/**
 * What the latest snapshot of every port depends on: snapshots added or pruned, ports added, changed or
 * removed. Cheap (rowid ends and the ports table), so callers can keep the latest snapshots until it moves.
 */
export async function congestionVersion(db: AnyDb): Promise<string> {
  return versionOf(db, 'port-congestion:version', `SELECT min(id), max(id), (SELECT max(updated_at) FROM ports), (SELECT count(*) FROM ports) FROM port_congestion`)
}
