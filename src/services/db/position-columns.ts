// Vessels' latest positions as the alert cycle reads them, on either database: as columns (no object per
// vessel) for the vessels named and for every vessel seen since a time, and how many were seen. SQLite runs
// the prepared hot-path statements; PostgreSQL one query per read, never one per vessel.
import {sql} from 'drizzle-orm'

import {hotStatements, type PositionColumns} from './hot-statements.js'
import {rawRows} from './query.js'
import type {AnyDb} from './transaction.js'

export type {PositionColumns} from './hot-statements.js'

/** The most of the database file an alert cycle's connection maps into memory. */
const MAPPED_BYTES = 1024 ** 3
const mapped = new WeakSet<object>()

/**
 * The alert cycle reads the vessels table whole, every cycle: on SQLite its connection maps the file into
 * memory for reading from then on, instead of a read() into the page cache per page (a cold pass over 200,000
 * vessels cost four times as much CPU that way). Only the processes that run cycles (the alert worker, `serve`
 * answering alert views) map: their memory then counts the pages they touched, which jobs' memory checks
 * never see. Writes go through the WAL as before. PostgreSQL: nothing to do.
 */
export function mapForCycles(db: AnyDb): void {
  if (db.dialect !== 'sqlite' || mapped.has(db.sqlite)) return
  db.sqlite.pragma(`mmap_size = ${MAPPED_BYTES}`)
  mapped.add(db.sqlite)
}

interface PositionRow {
  mmsi: number
  lat: number
  lon: number
  sog: number | null
  position_at: number
}

function columnsOf(rows: PositionRow[]): PositionColumns {
  const n = rows.length
  const columns: PositionColumns = {length: n, mmsi: new Float64Array(n), lat: new Float64Array(n), lon: new Float64Array(n), sog: new Float64Array(n), at: new Float64Array(n)}
  for (let i = 0; i < n; i++) {
    const r = rows[i]
    columns.mmsi[i] = Number(r.mmsi)
    columns.lat[i] = r.lat
    columns.lon[i] = r.lon
    columns.sog[i] = r.sog ?? Number.NaN
    columns.at[i] = Number(r.position_at)
  }
  return columns
}

/**
 * Each vessel's latest position observed at or after `since`. `narrow`: few vessels are expected (a short
 * window), and the index on the position time is the way to them; else most of the table is read in order.
 */
export async function positionColumnsSince(db: AnyDb, since: number, narrow: boolean): Promise<PositionColumns> {
  if (db.dialect === 'sqlite') return narrow ? hotStatements(db).freshPositionColumns(since) : hotStatements(db).positionColumns(since)
  return columnsOf(
    await rawRows<PositionRow>(db, sql`SELECT mmsi, lat, lon, sog, position_at FROM vessels WHERE position_at >= ${since} AND lat IS NOT NULL AND lon IS NOT NULL`),
  )
}

/**
 * The same, only the vessels whose speed is at least `atLeast` or at most `atMost` (either may be infinite),
 * through the index on the position time: the readings rules over every vessel's speed can cross.
 */
export async function positionColumnsAtSpeedSince(db: AnyDb, since: number, atLeast: number, atMost: number): Promise<PositionColumns> {
  if (db.dialect === 'sqlite') return hotStatements(db).freshPositionColumnsAtSpeed(since, atLeast, atMost)
  return columnsOf(
    await rawRows<PositionRow>(
      db,
      sql`SELECT mmsi, lat, lon, sog, position_at FROM vessels
          WHERE position_at >= ${since} AND lat IS NOT NULL AND lon IS NOT NULL AND (sog >= ${atLeast}::float8 OR sog <= ${atMost}::float8)`,
    ),
  )
}

/** The same for the vessels named (by MMSI) only, in MMSI order. */
export async function namedPositionColumns(db: AnyDb, mmsis: number[], since: number): Promise<PositionColumns> {
  if (db.dialect === 'sqlite') return hotStatements(db).namedPositionColumns(mmsis, since)
  return columnsOf(
    await rawRows<PositionRow>(
      db,
      sql`SELECT mmsi, lat, lon, sog, position_at FROM vessels
          WHERE mmsi = ANY(${sql.param(mmsis)}::bigint[]) AND position_at >= ${since} AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY mmsi`,
    ),
  )
}

/**
 * How many vessels have a latest position observed at or after `since`, and how many of them at or after
 * `alsoSince`: one pass over the index on the position time (a latest position always has its coordinates).
 */
export async function countPositionsSince(db: AnyDb, since: number, alsoSince: number): Promise<[number, number]> {
  if (db.dialect === 'sqlite') return hotStatements(db).countPositionsSince(since, alsoSince)
  const [row] = await rawRows<{n: number; also: number}>(
    db,
    sql`SELECT count(*)::int AS n, (count(*) FILTER (WHERE position_at >= ${alsoSince}))::int AS also FROM vessels WHERE position_at >= ${since}`,
  )
  return [Number(row.n), Number(row.also)]
}
