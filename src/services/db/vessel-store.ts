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
  latestOf(mmsi: number): {positionAt: number; lat: number; lon: number} | undefined
}

const cache = new WeakMap<Db, VesselStore>()

export function vesselStore(db: Db): VesselStore {
  const existing = cache.get(db)
  if (existing) return existing
  const s = db.sqlite
  const insertPosition: Statement = s.prepare(
    `INSERT OR IGNORE INTO vessel_positions (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, source, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const upsertLatest: Statement = s.prepare(
    `INSERT INTO vessels (mmsi, flag, lat, lon, sog, cog, heading, nav_status, position_at, position_source, origin, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(mmsi) DO UPDATE SET
       lat = excluded.lat, lon = excluded.lon, sog = excluded.sog, cog = excluded.cog, heading = excluded.heading,
       nav_status = excluded.nav_status, position_at = excluded.position_at, position_source = excluded.position_source,
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
  const latestOf: Statement = s.prepare(`SELECT position_at AS positionAt, lat, lon FROM vessels WHERE mmsi = ? AND position_at IS NOT NULL`)

  const store: VesselStore = {
    insertPosition: (r) =>
      insertPosition.run(r.mmsi, r.observedAt, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.source, r.receivedAt).changes > 0,
    upsertLatest: (r, flag, origin, now) =>
      upsertLatest.run(r.mmsi, flag, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.observedAt, r.source, origin, now, now)
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
    latestOf: (mmsi) => latestOf.get(mmsi) as {positionAt: number; lat: number; lon: number} | undefined,
  }
  cache.set(db, store)
  return store
}
