// Every vessel's current position as columns (no object per vessel), as alert rules read them, on either
// database: SQLite's prepared statements (hot-statements.ts), PostgreSQL's rows read back as arrays.
import {type PositionColumns, hotStatements} from './hot-statements.js'
import {int8Array, pgArrays} from './pg-batch.js'
import type {PostgresDb} from './pg-client.js'
import type {AnyDb} from './transaction.js'

export type {PositionColumns}

type ColumnRow = [number, number, number, number | null, number]

const CURRENT = `lat IS NOT NULL AND lon IS NOT NULL`

async function columnsOf(db: PostgresDb, text: string, values: unknown[]): Promise<PositionColumns> {
  const rows = await pgArrays<ColumnRow>(db, text, values)
  const n = rows.length
  const cols: PositionColumns = {length: n, mmsi: new Float64Array(n), lat: new Float64Array(n), lon: new Float64Array(n), sog: new Float64Array(n), at: new Float64Array(n)}
  for (let i = 0; i < n; i++) {
    const r = rows[i]
    cols.mmsi[i] = r[0]
    cols.lat[i] = r[1]
    cols.lon[i] = r[2]
    cols.sog[i] = r[3] ?? Number.NaN
    cols.at[i] = r[4]
  }
  return cols
}

/** Each vessel's latest position observed at or after `since`: what rules over every vessel read. */
export async function positionColumns(db: AnyDb, since: number): Promise<PositionColumns> {
  if (db.dialect === 'sqlite') return hotStatements(db).positionColumns(since)
  return columnsOf(db, `SELECT mmsi, lat, lon, sog, position_at FROM vessels WHERE position_at >= $1 AND ${CURRENT}`, [since])
}

/** The same through the index on the position time: for a narrow window (readings fresh enough to judge). */
export async function freshPositionColumns(db: AnyDb, since: number): Promise<PositionColumns> {
  if (db.dialect === 'sqlite') return hotStatements(db).freshPositionColumns(since)
  // PostgreSQL's planner picks the index or the scan by the window's width itself.
  return positionColumns(db, since)
}

/** The same for the vessels named (by MMSI) only: what rules on one vessel each read. */
export async function namedPositionColumns(db: AnyDb, mmsis: number[], since: number): Promise<PositionColumns> {
  if (db.dialect === 'sqlite') return hotStatements(db).namedPositionColumns(mmsis, since)
  return columnsOf(
    db,
    `SELECT mmsi, lat, lon, sog, position_at FROM vessels WHERE mmsi = ANY($1::bigint[]) AND position_at >= $2 AND ${CURRENT} ORDER BY mmsi`,
    [int8Array(mmsis), since],
  )
}

/** How many vessels have a latest position observed at or after `since`. */
export async function countPositionsSince(db: AnyDb, since: number): Promise<number> {
  if (db.dialect === 'sqlite') return hotStatements(db).countPositionsSince(since)
  const [[n]] = await pgArrays<[number]>(db, `SELECT count(*) FROM vessels WHERE position_at >= $1 AND ${CURRENT}`, [since])
  return n
}
