// Vessel stops in the database: the positions not yet tracked (read after a watermark, as columns), the
// open stops, and the writes a tracking pass makes; plus what congestion and cell learning read back.
import type {Db} from './client.js'
import {float8Array, hotRows, int8Array, pgArrays, pgExec, textArray} from './pg-batch.js'
import type {PostgresDb} from './pg-client.js'
import type {StopKind} from './schema.js'
import {readSetting, writeSetting} from './settings.js'
import type {AnyDb} from './transaction.js'

export interface StopRow {
  id: number
  mmsi: number
  portId: number | null
  kind: StopKind
  cell: string
  lat: number
  lon: number
  startedAt: number
  lastAt: number
  endedAt: number | null
  anchoredReports: number
  mooredReports: number
}

/** Positions as columns (no object per report): NaN where a value is not available. */
export interface PositionBatch {
  /** Positions stored in the range, read or not. */
  inRange: number
  length: number
  /** The highest position id covered (the next watermark). */
  lastId: number
  mmsi: Float64Array
  at: Float64Array
  lat: Float64Array
  lon: Float64Array
  sog: Float64Array
  nav: Float64Array
  second: Float64Array
}

const WATERMARK_KEY = 'ports.stops.position_id'
const POSITION_CHUNK = 50_000
/** Under this (or with no speed, or at anchor or moored by status) a report may be part of a stop. */
const SLOW_KNOTS = 1

/** The id of the last position a tracking pass read, or null before the first pass. */
export async function stopsWatermark(db: AnyDb): Promise<number | null> {
  return (await readSetting<{position_id: number}>(db, WATERMARK_KEY))?.position_id ?? null
}

type PositionRead = [number, number, number, number, number, number | null, number | null, number | null]

/** Room for `more` rows in the batch's columns. */
function grow(b: PositionBatch, more: number): void {
  let size = b.mmsi.length
  if (b.length + more <= size) return
  while (b.length + more > size) size *= 2
  for (const k of ['mmsi', 'at', 'lat', 'lon', 'sog', 'nav', 'second'] as const) {
    const next = new Float64Array(size)
    next.set(b[k])
    b[k] = next
  }
}

/** Appends rows read as [id, mmsi, observed_at, lat, lon, sog, nav_status, utc_second]. */
function append(b: PositionBatch, rows: PositionRead[]): void {
  grow(b, rows.length)
  for (const r of rows) {
    const i = b.length++
    b.mmsi[i] = r[1]
    b.at[i] = r[2]
    b.lat[i] = r[3]
    b.lon[i] = r[4]
    b.sog[i] = r[5] ?? Number.NaN
    b.nav[i] = r[6] ?? Number.NaN
    b.second[i] = r[7] ?? Number.NaN
  }
}

function emptyBatch(inRange: number, lastId: number): PositionBatch {
  const alloc = () => new Float64Array(4096)
  return {inRange, length: 0, lastId, mmsi: alloc(), at: alloc(), lat: alloc(), lon: alloc(), sog: alloc(), nav: alloc(), second: alloc()}
}

/**
 * Positions stored after `afterId` (up to the newest stored when called) and observed at or after `since`,
 * in id order, of the vessels that may be stopped: those with an open stop and those with a slow or anchored
 * report in the range (all their reports, fast ones too, since one ends a stop). The rest, ships under way
 * the whole time, cannot start or end a stop and stay in the database: most of the rows, never read.
 */
export async function positionsAfter(db: AnyDb, afterId: number, since: number): Promise<PositionBatch> {
  if (db.dialect === 'postgres') return positionsAfterPostgres(db, afterId, since)
  const s = db.sqlite
  // The bound is read first: rows committed while this reads wait for the next pass instead of being skipped.
  const upTo = (s.prepare(`SELECT max(id) FROM vessel_positions`).pluck().get() as number | null) ?? afterId
  s.exec(`CREATE TEMP TABLE IF NOT EXISTS stop_candidates (mmsi INTEGER PRIMARY KEY); DELETE FROM temp.stop_candidates`)
  s.prepare(`INSERT OR IGNORE INTO temp.stop_candidates SELECT mmsi FROM vessel_stops WHERE ended_at IS NULL`).run()
  s.prepare(
    `INSERT OR IGNORE INTO temp.stop_candidates SELECT mmsi FROM vessel_positions
     WHERE id > ? AND id <= ? AND observed_at >= ? AND (sog IS NULL OR sog < ${SLOW_KNOTS} OR nav_status IN (1, 5))`,
  ).run(afterId, upTo, since)
  // Ids are handed out in order and never reused: the range's width is what was stored since (less any deleted).
  const b = emptyBatch(Math.max(0, upTo - afterId), Math.max(afterId, upTo))
  // Chunks of rows with all() (much faster than iterate() per row), not the whole range at once.
  const statement = db.sqlite
    .prepare(
      `SELECT id, mmsi, observed_at, lat, lon, sog, nav_status, utc_second FROM vessel_positions
       WHERE id > ? AND id <= ? AND observed_at >= ? AND mmsi IN (SELECT mmsi FROM temp.stop_candidates) ORDER BY id LIMIT ${POSITION_CHUNK}`,
    )
    .raw()
  for (let from = afterId; ; ) {
    const rows = statement.all(from, upTo, since) as PositionRead[]
    append(b, rows)
    if (rows.length < POSITION_CHUNK) break
    from = rows[rows.length - 1][0]
  }
  return b
}

/**
 * The same on PostgreSQL: the candidate vessels read once (a hashed array then filters each chunk, no
 * temporary table needing a write transaction), the rows in id-ordered chunks as arrays.
 */
async function positionsAfterPostgres(db: PostgresDb, afterId: number, since: number): Promise<PositionBatch> {
  const [[newest]] = await pgArrays<[number | null]>(db, `SELECT max(id) FROM vessel_positions`)
  const upTo = newest ?? afterId
  const candidates = await pgArrays<[number]>(
    db,
    `SELECT mmsi FROM vessel_stops WHERE ended_at IS NULL
     UNION SELECT mmsi FROM vessel_positions
     WHERE id > $1 AND id <= $2 AND observed_at >= $3 AND (sog IS NULL OR sog < ${SLOW_KNOTS} OR nav_status IN (1, 5))`,
    [afterId, upTo, since],
  )
  const b = emptyBatch(Math.max(0, upTo - afterId), Math.max(afterId, upTo))
  if (candidates.length === 0) return b
  const vessels = int8Array(candidates, ([mmsi]) => mmsi)
  for (let from = afterId; ; ) {
    const rows = await pgArrays<PositionRead>(
      db,
      `SELECT id, mmsi, observed_at, lat, lon, sog, nav_status, utc_second FROM vessel_positions
       WHERE id > $1 AND id <= $2 AND observed_at >= $3 AND mmsi = ANY($4::bigint[]) ORDER BY id LIMIT ${POSITION_CHUNK}`,
      [from, upTo, since, vessels],
    )
    append(b, rows)
    if (rows.length < POSITION_CHUNK) break
    from = rows[rows.length - 1][0]
  }
  return b
}

const stopColumns = `id, mmsi, port_id AS "portId", kind, cell, lat, lon, started_at AS "startedAt", last_at AS "lastAt", ended_at AS "endedAt",
  anchored_reports AS "anchoredReports", moored_reports AS "mooredReports"`

export async function openStops(db: AnyDb): Promise<StopRow[]> {
  return hotRows<StopRow>(db, `SELECT ${stopColumns} FROM vessel_stops WHERE ended_at IS NULL`)
}

export interface StopWrites {
  /** New stops (without id); those still open keep the vessel's one open stop. */
  inserts: Array<Omit<StopRow, 'id'>>
  /** Changed stops already stored: their last report, counts, kind, end. */
  updates: StopRow[]
  watermark: number
}

/** Applies a tracking pass's writes; call inside a write transaction. */
export async function applyStopWrites(db: AnyDb, writes: StopWrites, now: number): Promise<void> {
  if (db.dialect === 'postgres') await applyStopWritesPostgres(db, writes)
  else applyStopWritesSqlite(db, writes)
  await writeSetting(db, WATERMARK_KEY, {position_id: writes.watermark}, now)
}

/** Closed stops first, so a vessel's new open stop never meets its old one in the open-stop index. */
const closedFirst = (inserts: StopWrites['inserts']) => [...inserts].sort((a, b) => (a.endedAt === null ? 1 : 0) - (b.endedAt === null ? 1 : 0))

function applyStopWritesSqlite(db: Db, writes: StopWrites): void {
  const s = db.sqlite
  const insert = s.prepare(
    `INSERT INTO vessel_stops (mmsi, port_id, kind, cell, lat, lon, started_at, last_at, ended_at, anchored_reports, moored_reports)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const update = s.prepare(
    `UPDATE vessel_stops SET port_id = ?, kind = ?, last_at = ?, ended_at = ?, anchored_reports = ?, moored_reports = ? WHERE id = ?`,
  )
  for (const u of writes.updates) update.run(u.portId, u.kind, u.lastAt, u.endedAt, u.anchoredReports, u.mooredReports, u.id)
  for (const r of closedFirst(writes.inserts)) insert.run(r.mmsi, r.portId, r.kind, r.cell, r.lat, r.lon, r.startedAt, r.lastAt, r.endedAt, r.anchoredReports, r.mooredReports)
}

/** The same in two statements (updates, then inserts), whatever the number of stops. */
async function applyStopWritesPostgres(db: PostgresDb, writes: StopWrites): Promise<void> {
  const u = writes.updates
  if (u.length > 0) {
    await pgExec(
      db,
      `UPDATE vessel_stops s SET port_id = u.port_id, kind = u.kind, last_at = u.last_at, ended_at = u.ended_at,
         anchored_reports = u.anchored_reports, moored_reports = u.moored_reports
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
         AS u(id, port_id, kind, last_at, ended_at, anchored_reports, moored_reports)
       WHERE s.id = u.id`,
      [
        int8Array(u, (r) => r.id),
        int8Array(u, (r) => r.portId),
        textArray(u, (r) => r.kind),
        int8Array(u, (r) => r.lastAt),
        int8Array(u, (r) => r.endedAt),
        int8Array(u, (r) => r.anchoredReports),
        int8Array(u, (r) => r.mooredReports),
      ],
    )
  }
  const i = closedFirst(writes.inserts)
  if (i.length === 0) return
  await pgExec(
    db,
    `INSERT INTO vessel_stops (mmsi, port_id, kind, cell, lat, lon, started_at, last_at, ended_at, anchored_reports, moored_reports)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::bigint[], $8::bigint[], $9::bigint[],
       $10::bigint[], $11::bigint[])`,
    [
      int8Array(i, (r) => r.mmsi),
      int8Array(i, (r) => r.portId),
      textArray(i, (r) => r.kind),
      textArray(i, (r) => r.cell),
      float8Array(i, (r) => r.lat),
      float8Array(i, (r) => r.lon),
      int8Array(i, (r) => r.startedAt),
      int8Array(i, (r) => r.lastAt),
      int8Array(i, (r) => r.endedAt),
      int8Array(i, (r) => r.anchoredReports),
      int8Array(i, (r) => r.mooredReports),
    ],
  )
}

export interface PortStopRow {
  mmsi: number
  portId: number
  kind: StopKind
  startedAt: number
  lastAt: number
  endedAt: number | null
  shipType: number | null
}

/** Stops in port areas (anchorage or berth) still open or ended at or after `since`, with the vessel's AIS ship type. */
export async function portStopsSince(db: AnyDb, since: number): Promise<PortStopRow[]> {
  return hotRows<PortStopRow>(
    db,
    `SELECT s.mmsi, s.port_id AS "portId", s.kind, s.started_at AS "startedAt", s.last_at AS "lastAt", s.ended_at AS "endedAt", v.ship_type AS "shipType"
     FROM vessel_stops s LEFT JOIN vessels v ON v.mmsi = s.mmsi
     WHERE s.port_id IS NOT NULL AND (s.ended_at IS NULL OR s.ended_at >= ?)`,
    [since],
  )
}

export interface LongStopRow {
  mmsi: number
  cell: string
  lat: number
  lon: number
  anchoredReports: number
  mooredReports: number
  shipType: number | null
}

/** Stops begun since `since` that lasted `minMs` or more in a cell no port has yet, with the vessel's AIS ship type. */
export async function longStopsOutsideCells(db: AnyDb, since: number, minMs: number): Promise<LongStopRow[]> {
  return hotRows<LongStopRow>(
    db,
    `SELECT s.mmsi, s.cell, s.lat, s.lon, s.anchored_reports AS "anchoredReports", s.moored_reports AS "mooredReports", v.ship_type AS "shipType"
     FROM vessel_stops s LEFT JOIN vessels v ON v.mmsi = s.mmsi
     WHERE s.started_at >= ? AND coalesce(s.ended_at, s.last_at) - s.started_at >= ?
       AND s.cell NOT IN (SELECT cell FROM port_area_cells)`,
    [since, minMs],
  )
}

/** Deletes stops that ended before `before` (open stops stay); call inside a write transaction. */
export async function deleteStopsEndedBefore(db: AnyDb, before: number): Promise<number> {
  if (db.dialect === 'postgres') return pgExec(db, `DELETE FROM vessel_stops WHERE ended_at < $1`, [before])
  return db.sqlite.prepare(`DELETE FROM vessel_stops WHERE ended_at < ?`).run(before).changes
}
