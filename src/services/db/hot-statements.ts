// Prepared statements for the per-vessel hot paths of the ports job and event detection
// (drizzle's builder costs more than the work at 200,000 vessels), cached per connection.
import type {Statement} from 'better-sqlite3'

import type {Db} from './client.js'
import type {AlertEvent, AlertOperator, DataSource, EventType, SafetyEvent, Severity} from './schema.js'

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
  /** Each vessel's latest position observed at or after `since`. */
  currentPositions(since: number): CurrentPosition[]
  /** The same positions as columns (no object per vessel): what rules over every vessel read. */
  positionColumns(since: number): PositionColumns
  /** When the newest stored latest position was observed, or null with none. */
  newestPositionAt(): number | null
  /** Each vessel's latest position observed at or after `since`, as rows [lat, lon, AIS time stamp second, source] (no object per vessel). */
  latestPlaces(since: number): Array<[number, number, number | null, DataSource]>
  /** Inserts an event unless one with its dedupe key is open; returns the stored row or undefined. */
  insertEvent(row: EventRow, now: number): SafetyEvent | undefined
  /** Opens an alert event unless one is open for the rule and target; returns it or undefined. */
  insertAlertEvent(row: AlertEventRow, now: number): AlertEvent | undefined
}

export interface AlertEventRow {
  alertId: number
  target: string
  currentValue: number
  thresholdValue: number
  operator: AlertOperator
  metric: string
  metadata: Record<string, unknown>
}

const cache = new WeakMap<Db, HotStatements>()

export function hotStatements(db: Db): HotStatements {
  const existing = cache.get(db)
  if (existing) return existing
  const s = db.sqlite
  // `+position_at` keeps SQLite off the index: most vessels are current, and a table scan reads them
  // in order instead of a lookup per row.
  const positions: Statement = s
    .prepare(
      `SELECT mmsi, name, lat, lon, sog, nav_status, utc_second, position_at, position_source FROM vessels
       WHERE +position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`,
    )
    .raw()
  const columns: Statement = s.prepare(`SELECT mmsi, lat, lon, sog, position_at FROM vessels WHERE +position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`).raw()
  const newest: Statement = s.prepare(`SELECT max(position_at) FROM vessels`).pluck()
  const places: Statement = s
    .prepare(`SELECT lat, lon, utc_second, position_source FROM vessels WHERE +position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`)
    .raw()
  const event: Statement = s.prepare(
    `INSERT INTO safety_events (type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at,
       last_seen_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING id`,
  )
  const alertEvent: Statement = s.prepare(
    `INSERT INTO alert_events (alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, metadata)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING RETURNING id`,
  )
  const statements: HotStatements = {
    insertAlertEvent(r, now) {
      const inserted = alertEvent.get(r.alertId, r.target, now, r.currentValue, r.thresholdValue, r.operator, r.metric, JSON.stringify(r.metadata)) as
        | {id: number}
        | undefined
      if (!inserted) return undefined
      return {...r, id: inserted.id, triggeredAt: now, isResolved: false, resolvedAt: null, resolutionValue: null}
    },
    currentPositions(since) {
      const rows = positions.all(since) as Array<[number, string | null, number, number, number | null, number | null, number | null, number, DataSource]>
      const out: CurrentPosition[] = new Array(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]
        out[i] = {mmsi: r[0], name: r[1], lat: r[2], lon: r[3], sog: r[4], nav: r[5], second: r[6], at: r[7], source: r[8]}
      }
      return out
    },
    positionColumns(since) {
      const cols: PositionColumns = {length: 0, mmsi: new Float64Array(1024), lat: new Float64Array(1024), lon: new Float64Array(1024), sog: new Float64Array(1024), at: new Float64Array(1024)}
      const grow = () => {
        for (const k of ['mmsi', 'lat', 'lon', 'sog', 'at'] as const) {
          const next = new Float64Array(cols[k].length * 2)
          next.set(cols[k])
          cols[k] = next
        }
      }
      for (const r of columns.iterate(since) as Iterable<[number, number, number, number | null, number]>) {
        if (cols.length === cols.mmsi.length) grow()
        const i = cols.length++
        cols.mmsi[i] = r[0]
        cols.lat[i] = r[1]
        cols.lon[i] = r[2]
        cols.sog[i] = r[3] ?? Number.NaN
        cols.at[i] = r[4]
      }
      return cols
    },
    newestPositionAt: () => (newest.get() as number | null) ?? null,
    latestPlaces: (since) => places.all(since) as Array<[number, number, number | null, DataSource]>,
    insertEvent(r, now) {
      const metadata = JSON.stringify(r.metadata)
      const inserted = event.get(r.type, r.severity, r.zoneId, r.portId, r.mmsi, r.dedupeKey, r.title, r.lat, r.lon, r.source, r.observedAt, now, now, metadata) as
        | {id: number}
        | undefined
      if (!inserted) return undefined
      return {...r, id: inserted.id, createdAt: now, lastSeenAt: now, resolvedAt: null}
    },
  }
  cache.set(db, statements)
  return statements
}
