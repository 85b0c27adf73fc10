// Port congestion in the database: the snapshots the ports job stores, each port's daily medians of
// vessels waiting (what baselines are made of), and the latest snapshot per port that readers want.
import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import type {CongestionLevel, DataSource, Trend} from './schema.js'

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

/** Stores a run's snapshots; call inside a write transaction. */
export function insertSnapshots(db: Db, rows: SnapshotRow[]): void {
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
export async function previousSnapshots(db: Db, portIds: number[], before: number): Promise<Map<number, PreviousSnapshot>> {
  const statement = db.sqlite.prepare(
    `SELECT vessels_waiting AS waiting, level, episode_started_at AS episodeStartedAt, observed_at AS observedAt FROM port_congestion
     WHERE port_id = ? AND observed_at < ? AND vessels_waiting IS NOT NULL ORDER BY observed_at DESC LIMIT 1`,
  )
  const out = new Map<number, PreviousSnapshot>()
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
export async function dailyCoverage(db: Db): Promise<Map<number, number>> {
  const rows = db.sqlite.prepare(`SELECT port_id AS portId, max(day) AS day FROM port_congestion_daily GROUP BY port_id`).all() as Array<{portId: number; day: number}>
  return new Map(rows.map((r) => [r.portId, r.day]))
}

/** A port's snapshots with data in [from, to): their times, vessels waiting, and whether taken during an episode. */
export async function waitingBetween(db: Db, portId: number, from: number, to: number): Promise<Array<{observedAt: number; waiting: number; inEpisode: number}>> {
  return db.sqlite
    .prepare(
      `SELECT observed_at AS observedAt, vessels_waiting AS waiting, episode_started_at IS NOT NULL AS inEpisode FROM port_congestion
       WHERE port_id = ? AND observed_at >= ? AND observed_at < ? AND vessels_waiting IS NOT NULL ORDER BY observed_at`,
    )
    .all(portId, from, to) as Array<{observedAt: number; waiting: number; inEpisode: number}>
}

/** Call inside a write transaction. */
export function storeDailyMedians(db: Db, rows: DailyMedian[]): void {
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
export function deleteDailyBefore(db: Db, before: number): number {
  return db.sqlite.prepare(`DELETE FROM port_congestion_daily WHERE day < ?`).run(before).changes
}

/** Daily medians with data from `since` on, per port. */
export async function dailyMediansSince(db: Db, since: number): Promise<Map<number, DayOfWaiting[]>> {
  const out = new Map<number, DayOfWaiting[]>()
  const rows = db.sqlite
    .prepare(
      `SELECT port_id AS portId, day, median_waiting AS median, episode_snapshots * 2 > snapshots AS episode FROM port_congestion_daily
       WHERE day >= ? AND median_waiting IS NOT NULL ORDER BY day`,
    )
    .all(since) as Array<{portId: number; day: number; median: number; episode: number}>
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
export async function latestLevels(db: Db): Promise<LatestLevel[]> {
  return db.sqlite
    .prepare(
      `SELECT c.port_id AS portId, c.level, c.vessels_waiting AS waiting, c.observed_at AS observedAt, p.lat, p.lon
       FROM port_congestion c JOIN ${LATEST_SNAPSHOT_IDS} latest ON latest.id = c.id JOIN ports p ON p.id = c.port_id ORDER BY p.id`,
    )
    .all() as LatestLevel[]
}

/** Each port's latest snapshot, optionally only those at the given levels. */
export async function latestSnapshots(db: Db, levels?: CongestionLevel[]): Promise<LatestCongestion[]> {
  const where = levels ? `WHERE c.level IN (${levels.map(() => '?').join(', ')})` : ''
  return db.sqlite
    .prepare(
      `SELECT p.id AS portId, p.name, p.unlocode, p.wpi_number AS wpiNumber, p.country, p.lat, p.lon, p.radius_km AS radiusKm,
         c.level, c.vessels_waiting AS waiting, c.vessels_at_berth AS atBerth, c.vessels_in_port AS inPort,
         c.waiting_unknown_type AS waitingUnknownType, c.at_berth_unknown_type AS atBerthUnknownType,
         c.baseline_waiting AS baseline, c.baseline_samples AS baselineSamples, c.median_wait_hours AS medianWaitHours,
         c.waits_counted AS waitsCounted, c.episode_started_at AS episodeStartedAt, c.trend, c.source, c.observed_at AS observedAt
       FROM port_congestion c
       JOIN ${LATEST_SNAPSHOT_IDS} latest ON latest.id = c.id
       JOIN ports p ON p.id = c.port_id
       ${where}
       ORDER BY p.id`,
    )
    .all(...(levels ?? [])) as LatestCongestion[]
}

/**
 * What the latest snapshot of every port depends on: snapshots added or pruned, ports added, changed or
 * removed. Cheap (rowid ends and the ports table), so callers can keep the latest snapshots until it moves.
 */
export function congestionVersion(db: Db): string {
  const row = preparedOnce(db, 'port-congestion:version', () =>
    db.sqlite.prepare(`SELECT min(id), max(id), (SELECT max(updated_at) FROM ports), (SELECT count(*) FROM ports) FROM port_congestion`).raw(),
  ).get() as unknown[]
  return row.join('.')
}
