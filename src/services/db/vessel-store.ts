// Hot-path statements for vessel intake, prepared once per connection: position history with dedupe on
// (mmsi, observed_at), the latest position per vessel moved only by a newer report, static data merged.
import type {Statement} from 'better-sqlite3'

import type {DataSource, Origin} from './schema.js'
import type {Db} from './client.js'

export interface PositionRow {
  mmsi: number
  observedAt: number
  lat: number
  lon: number
  sog: number | null
  cog: number | null
  heading: number | null
  navStatus: number | null
  /** AIS time stamp second: 0-59, 61 manual, 62 dead reckoning, 63 positioning inoperative; null when not available. */
  utcSecond: number | null
  source: DataSource
  receivedAt: number
}

export interface StaticRow {
  mmsi: number
  imo: number | null
  name: string | null
  callsign: string | null
  shipType: number | null
  lengthM: number | null
  beamM: number | null
  draughtM: number | null
  destination: string | null
}

export interface VesselStore {
  /** Stores a position; false when (mmsi, observed_at) was already stored. */
  insertPosition(row: PositionRow): boolean
  /** Moves the vessel's latest position when `row` is newer (creating the vessel); true when it moved. */
  upsertLatest(row: PositionRow, flag: string | null, origin: Origin, now: number): boolean
  /** Merges static data (non-null fields win); true when anything changed. */
  mergeStatic(row: StaticRow, flag: string | null, origin: Origin, now: number): boolean
  /** The vessel's newest stored fix that speed checks may use (not dead-reckoned, positioning not inoperative). */
  lastTrackFix(mmsi: number): {at: number; lat: number; lon: number} | undefined
  /** Reports held back by the track rule, oldest first. */
  suspectsOf(mmsi: number): PositionRow[]
  /** Vessels with reports held back. */
  vesselsWithHeld(): Set<number>
  /** Reports held back across all vessels. */
  heldTotal(): number
  /** Replaces the vessel's held reports. */
  replaceSuspects(mmsi: number, rows: PositionRow[]): void
}

// Per connection: with a read connection beside the write one (serve) the same database has two.
const cache = new WeakMap<object, VesselStore>()

export function vesselStore(db: Db): VesselStore {
  const existing = cache.get(db.sqlite)
  if (existing) return existing
  const s = db.sqlite
  const insertPosition: Statement = s.prepare(
    `INSERT OR IGNORE INTO vessel_positions (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const upsertLatest: Statement = s.prepare(
    `INSERT INTO vessels (mmsi, flag, lat, lon, sog, cog, heading, nav_status, utc_second, position_at, position_source, origin, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(mmsi) DO UPDATE SET
       lat = excluded.lat, lon = excluded.lon, sog = excluded.sog, cog = excluded.cog, heading = excluded.heading,
       nav_status = excluded.nav_status, utc_second = excluded.utc_second, position_at = excluded.position_at,
       position_source = excluded.position_source,
       flag = coalesce(vessels.flag, excluded.flag),
       origin = CASE WHEN vessels.origin = 'fallback' THEN excluded.origin ELSE vessels.origin END,
       updated_at = excluded.updated_at
     WHERE vessels.position_at IS NULL OR excluded.position_at > vessels.position_at`,
  )
  const mergeStatic: Statement = s.prepare(
    `INSERT INTO vessels (mmsi, flag, imo, name, callsign, ship_type, length_m, beam_m, draught_m, destination, origin, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(mmsi) DO UPDATE SET
       imo = coalesce(excluded.imo, vessels.imo), name = coalesce(excluded.name, vessels.name),
       callsign = coalesce(excluded.callsign, vessels.callsign), ship_type = coalesce(excluded.ship_type, vessels.ship_type),
       length_m = coalesce(excluded.length_m, vessels.length_m), beam_m = coalesce(excluded.beam_m, vessels.beam_m),
       draught_m = coalesce(excluded.draught_m, vessels.draught_m), destination = coalesce(excluded.destination, vessels.destination),
       updated_at = excluded.updated_at
     WHERE (excluded.imo IS NOT NULL AND excluded.imo IS NOT vessels.imo)
        OR (excluded.name IS NOT NULL AND excluded.name IS NOT vessels.name)
        OR (excluded.callsign IS NOT NULL AND excluded.callsign IS NOT vessels.callsign)
        OR (excluded.ship_type IS NOT NULL AND excluded.ship_type IS NOT vessels.ship_type)
        OR (excluded.length_m IS NOT NULL AND excluded.length_m IS NOT vessels.length_m)
        OR (excluded.beam_m IS NOT NULL AND excluded.beam_m IS NOT vessels.beam_m)
        OR (excluded.draught_m IS NOT NULL AND excluded.draught_m IS NOT vessels.draught_m)
        OR (excluded.destination IS NOT NULL AND excluded.destination IS NOT vessels.destination)`,
  )
  const lastTrackFix: Statement = s.prepare(
    `SELECT observed_at AS at, lat, lon FROM vessel_positions
     WHERE mmsi = ? AND (utc_second IS NULL OR utc_second < 62) ORDER BY observed_at DESC LIMIT 1`,
  )
  const suspectsOf: Statement = s.prepare(
    `SELECT mmsi, observed_at AS observedAt, lat, lon, sog, cog, heading, nav_status AS navStatus, utc_second AS utcSecond,
       source, received_at AS receivedAt FROM position_suspects WHERE mmsi = ? ORDER BY observed_at`,
  )
  const holders: Statement = s.prepare(`SELECT DISTINCT mmsi FROM position_suspects`).pluck()
  const heldTotal: Statement = s.prepare(`SELECT count(*) FROM position_suspects`).pluck()
  const deleteSuspects: Statement = s.prepare(`DELETE FROM position_suspects WHERE mmsi = ?`)
  const insertSuspect: Statement = s.prepare(
    `INSERT OR REPLACE INTO position_suspects (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )

  const store: VesselStore = {
    insertPosition: (r) =>
      insertPosition.run(r.mmsi, r.observedAt, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.utcSecond, r.source, r.receivedAt).changes > 0,
    upsertLatest: (r, flag, origin, now) =>
      upsertLatest.run(r.mmsi, flag, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.utcSecond, r.observedAt, r.source, origin, now, now)
        .changes > 0,
    mergeStatic: (r, flag, origin, now) =>
      mergeStatic.run(
        r.mmsi,
        flag,
        r.imo,
        r.name,
        r.callsign,
        r.shipType,
        r.lengthM,
        r.beamM,
        r.draughtM,
        r.destination,
        origin,
        now,
        now,
      ).changes > 0,
    lastTrackFix: (mmsi) => lastTrackFix.get(mmsi) as {at: number; lat: number; lon: number} | undefined,
    suspectsOf: (mmsi) => suspectsOf.all(mmsi) as PositionRow[],
    heldTotal: () => heldTotal.get() as number,
    vesselsWithHeld: () => new Set(holders.all() as number[]),
    replaceSuspects(mmsi, rows) {
      deleteSuspects.run(mmsi)
      for (const r of rows) {
        insertSuspect.run(r.mmsi, r.observedAt, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.utcSecond, r.source, r.receivedAt)
      }
    },
  }
  cache.set(db.sqlite, store)
  return store
}
