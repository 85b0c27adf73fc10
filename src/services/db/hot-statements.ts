// Prepared statements for the per-vessel hot paths of the ports job and event detection
// (drizzle's builder costs more than the work at 200,000 vessels), cached per connection.
import type {Statement} from 'better-sqlite3'

import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import type {DataSource, EventType, SafetyEvent, Severity} from './schema.js'

export interface CurrentPosition {
  mmsi: number
  name: string | null
  lat: number
  lon: number
  sog: number | null
  nav: number | null
  /** AIS time stamp second of the position (62 dead reckoning, 63 positioning inoperative), when known. */
  second: number | null
  at: number
  source: DataSource
}

export interface PositionColumns {
  length: number
  mmsi: Float64Array
  lat: Float64Array
  lon: Float64Array
  /** NaN where the speed is not available. */
  sog: Float64Array
  at: Float64Array
}

export interface EventRow {
  type: EventType
  severity: Severity
  zoneId: number | null
  portId: number | null
  mmsi: number | null
  dedupeKey: string
  title: string
  lat: number | null
  lon: number | null
  source: DataSource
  observedAt: number
  metadata: Record<string, unknown>
}

export interface HotStatements {
  /**
   * Streams each vessel's latest position observed at or after `since` to `visit`, in MMSI order, without
   * an object per vessel kept: `visit` gets the same object for every row (copy what you keep) and must not
   * use the connection (a statement is open on it while it runs). Rows are
   * read `chunk` at a time and `between()` is awaited between chunks, when no statement is open on the
   * connection (timers, signals and other users of the connection get their turn). Returns the rows visited.
   */
  eachCurrentPosition(since: number, visit: (position: Readonly<CurrentPosition>) => void, between: () => Promise<void>, chunk?: number): Promise<number>
  /** Each vessel's latest position observed at or after `since`, as columns (no object per vessel): what rules over every vessel read. */
  positionColumns(since: number): PositionColumns
  /** The same through the index on the position time: for a narrow window (readings fresh enough to judge). */
  freshPositionColumns(since: number): PositionColumns
  /**
   * The same, only the vessels whose speed is at least `atLeast` or at most `atMost`: what rules over every
   * vessel's speed can cross (most vessels cross none, and are not read).
   */
  freshPositionColumnsAtSpeed(since: number, atLeast: number, atMost: number): PositionColumns
  /** The same for the vessels named (by MMSI) only: what rules on one vessel each read. */
  namedPositionColumns(mmsis: number[], since: number): PositionColumns
  /** How many vessels have a latest position observed at or after `since`, and how many of them at or after `alsoSince`, in one pass. */
  countPositionsSince(since: number, alsoSince: number): [number, number]
  /** When the newest stored latest position was observed, or null with none. */
  newestPositionAt(): number | null
  /**
   * Inserts events, each unless one with its dedupe key is open, a hundred rows per statement; returns the
   * stored ones in the order given (of two with the same key, the first). Call inside a write transaction.
   */
  insertEvents(rows: EventRow[], now: number): SafetyEvent[]
}

const EVENT_COLUMNS = 14
/** Rows per INSERT: one statement per hundred events instead of one per event. */
const EVENT_BATCH = 100


type ColumnRow = [number, number, number, number | null, number]

/** `capacity`: the rows expected at most (the columns grow past it if need be). */
function toColumns(rows: Iterable<ColumnRow>, capacity = 1024): PositionColumns {
  const n = Math.max(1, capacity)
  const cols: PositionColumns = {length: 0, mmsi: new Float64Array(n), lat: new Float64Array(n), lon: new Float64Array(n), sog: new Float64Array(n), at: new Float64Array(n)}
  const grow = () => {
    for (const k of ['mmsi', 'lat', 'lon', 'sog', 'at'] as const) {
      const next = new Float64Array(cols[k].length * 2)
      next.set(cols[k])
      cols[k] = next
    }
  }
  for (const r of rows) {
    if (cols.length === cols.mmsi.length) grow()
    const i = cols.length++
    cols.mmsi[i] = r[0]
    cols.lat[i] = r[1]
    cols.lon[i] = r[2]
    cols.sog[i] = r[3] ?? Number.NaN
    cols.at[i] = r[4]
  }
  return cols
}

/** Positions read between two turns of the event loop. */
const POSITION_CHUNK = 20_000

export function hotStatements(db: Db): HotStatements {
  // Per connection: with a read connection beside the write one (serve) the same database has two.
  return preparedOnce(db, 'hot-statements', () => prepareHotStatements(db))
}

function prepareHotStatements(db: Db): HotStatements {
  const s = db.sqlite
  // `+position_at` keeps SQLite off the index: most vessels are current, and a scan of the table in MMSI
  // (rowid) order reads them in order instead of a lookup per row.
  const positions: Statement = s
    .prepare(
      `SELECT mmsi, name, lat, lon, sog, nav_status, utc_second, position_at, position_source FROM vessels
       WHERE mmsi > ? AND +position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY mmsi LIMIT ?`,
    )
    .raw()
  const columns: Statement = s.prepare(`SELECT mmsi, lat, lon, sog, position_at FROM vessels WHERE +position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`).raw()
  const fresh: Statement = s.prepare(`SELECT mmsi, lat, lon, sog, position_at FROM vessels WHERE position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`).raw()
  const freshAtSpeed: Statement = s
    .prepare(`SELECT mmsi, lat, lon, sog, position_at FROM vessels WHERE position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL AND (sog >= ? OR sog <= ?)`)
    .raw()
  // A handful of vessels out of hundreds of thousands: a lookup by MMSI each, in one statement.
  const named: Statement = s
    .prepare(
      `SELECT mmsi, lat, lon, sog, position_at FROM vessels
       WHERE mmsi IN (SELECT value FROM json_each(?)) AND position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY mmsi`,
    )
    .raw()
  // Counted in the index on the position time alone, never the table: a latest position is always stored with
  // its coordinates (the vessel store writes them together), so every vessel with a time has one.
  // Two plain counts of a range each: a FILTER on one count reads every entry's time (six times the cost).
  const count: Statement = s
    .prepare(`SELECT (SELECT count(*) FROM vessels WHERE position_at >= ?), (SELECT count(*) FROM vessels WHERE position_at >= ?)`)
    .raw()
  const newest: Statement = s.prepare(`SELECT max(position_at) FROM vessels`).pluck()
  // One statement per batch size (a full batch and the last, shorter one), prepared once per connection.
  const insertOf = (count: number): Statement =>
    preparedOnce(db, `safety-events:insert:${count}`, () => {
      const values = Array.from({length: count}, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')
      return s
        .prepare(
          `INSERT INTO safety_events (type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at,
             last_seen_at, metadata) VALUES ${values} ON CONFLICT DO NOTHING RETURNING id, dedupe_key`,
        )
        .raw()
    })
  const statements: HotStatements = {
    async eachCurrentPosition(since, visit, between, chunk = POSITION_CHUNK) {
      // Streamed, not collected: 200,000 rows held at once cost more in garbage collection than in reading.
      const p: CurrentPosition = {mmsi: 0, name: null, lat: 0, lon: 0, sog: null, nav: null, second: null, at: 0, source: 'live'}
      let after = -1
      let visited = 0
      for (;;) {
        let read = 0
        for (const r of positions.iterate(after, since, chunk) as Iterable<[number, string | null, number, number, number | null, number | null, number | null, number, DataSource]>) {
          p.mmsi = r[0]
          p.name = r[1]
          p.lat = r[2]
          p.lon = r[3]
          p.sog = r[4]
          p.nav = r[5]
          p.second = r[6]
          p.at = r[7]
          p.source = r[8]
          after = p.mmsi
          read++
          visit(p)
        }
        visited += read
        if (read < chunk) return visited
        await between()
      }
    },
    positionColumns: (since) => toColumns(columns.iterate(since) as Iterable<ColumnRow>),
    freshPositionColumns: (since) => toColumns(fresh.iterate(since) as Iterable<ColumnRow>),
    freshPositionColumnsAtSpeed: (since, atLeast, atMost) => toColumns(freshAtSpeed.iterate(since, atLeast, atMost) as Iterable<ColumnRow>),
    namedPositionColumns: (mmsis, since) => toColumns(named.iterate(JSON.stringify(mmsis), since) as Iterable<ColumnRow>, mmsis.length),
    countPositionsSince: (since, alsoSince) => count.get(since, alsoSince) as [number, number],
    newestPositionAt: () => (newest.get() as number | null) ?? null,
    insertEvents(rows, now) {
      const stored: SafetyEvent[] = []
      for (let start = 0; start < rows.length; start += EVENT_BATCH) {
        const end = Math.min(rows.length, start + EVENT_BATCH)
        const params = new Array((end - start) * EVENT_COLUMNS)
        for (let k = start, o = 0; k < end; k++, o += EVENT_COLUMNS) {
          const r = rows[k]
          params[o] = r.type
          params[o + 1] = r.severity
          params[o + 2] = r.zoneId
          params[o + 3] = r.portId
          params[o + 4] = r.mmsi
          params[o + 5] = r.dedupeKey
          params[o + 6] = r.title
          params[o + 7] = r.lat
          params[o + 8] = r.lon
          params[o + 9] = r.source
          params[o + 10] = r.observedAt
          params[o + 11] = now
          params[o + 12] = now
          params[o + 13] = JSON.stringify(r.metadata)
        }
        // RETURNING gives no order: rows are matched by dedupe key, unique among open events.
        const ids = new Map<string, number>()
        for (const [id, key] of insertOf(end - start).all(params) as Array<[number, string]>) ids.set(key, id)
        for (let k = start; k < end; k++) {
          const r = rows[k]
          const id = ids.get(r.dedupeKey)
          if (id === undefined) continue
          ids.delete(r.dedupeKey)
          stored.push(storedEvent(r, id, now))
        }
      }
      return stored
    },
  }
  return statements
}

/** An event row as stored just now with this id: open, first and last seen now. */
export function storedEvent(r: EventRow, id: number, now: number): SafetyEvent {
  return {
    id,
    type: r.type,
    severity: r.severity,
    zoneId: r.zoneId,
    portId: r.portId,
    mmsi: r.mmsi,
    dedupeKey: r.dedupeKey,
    title: r.title,
    lat: r.lat,
    lon: r.lon,
    source: r.source,
    observedAt: r.observedAt,
    createdAt: now,
    lastSeenAt: now,
    resolvedAt: null,
    metadata: r.metadata,
  }
}
