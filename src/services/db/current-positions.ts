// Every vessel's current position as event detection sweeps it, on either database: SQLite's prepared
// statement streamed in MMSI order, PostgreSQL's the same in pages of thousands of rows (never a query per vessel).
import {max, sql} from 'drizzle-orm'

import {type CurrentPosition, hotStatements} from './hot-statements.js'
import {rawRows} from './query.js'
import type {DataSource} from './schema.js'
import type {AnyDb} from './transaction.js'

export type {CurrentPosition}

/** Positions read between two turns of the event loop. */
const PAGE = 20_000

/**
 * Streams each vessel's latest position observed at or after `since` to `visit`, in MMSI order; `visit` gets
 * the same object for every row (copy what you keep) and must not use the database. `between()` is awaited
 * between pages of `page` rows. Returns the rows visited.
 */
export async function eachCurrentPosition(
  db: AnyDb,
  since: number,
  visit: (position: Readonly<CurrentPosition>) => void,
  between: () => Promise<void>,
  page: number = PAGE,
): Promise<number> {
  if (db.dialect === 'sqlite') return hotStatements(db).eachCurrentPosition(since, visit, between, page)
  const p: CurrentPosition = {mmsi: 0, name: null, lat: 0, lon: 0, sog: null, nav: null, second: null, at: 0, source: 'live'}
  let after = -1
  let visited = 0
  for (;;) {
    // Keyset pages on the primary key: each page one index range, however far the sweep has come.
    const rows = await rawRows<{mmsi: number; name: string | null; lat: number; lon: number; sog: number | null; nav_status: number | null; utc_second: number | null; position_at: number; position_source: DataSource}>(
      db,
      sql`SELECT mmsi, name, lat, lon, sog, nav_status, utc_second, position_at, position_source FROM vessels
          WHERE mmsi > ${after} AND position_at >= ${since} AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY mmsi LIMIT ${page}`,
    )
    for (const r of rows) {
      p.mmsi = r.mmsi
      p.name = r.name
      p.lat = r.lat
      p.lon = r.lon
      p.sog = r.sog
      p.nav = r.nav_status
      p.second = r.utc_second
      p.at = r.position_at
      p.source = r.position_source
      visit(p)
    }
    visited += rows.length
    if (rows.length < page) return visited
    after = rows[rows.length - 1].mmsi
    await between()
  }
}

/** When the newest stored current position was observed, or null with none. */
export async function newestCurrentPositionAt(db: AnyDb): Promise<number | null> {
  if (db.dialect === 'sqlite') return hotStatements(db).newestPositionAt()
  const [row] = await db.orm.select({at: max(db.t.vessels.positionAt)}).from(db.t.vessels)
  return row?.at ?? null
}
