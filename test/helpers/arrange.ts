// Arranging database state the way ingest would have left it: vessels at positions, past congestion snapshots.
import {withDb} from './cli.js'

export interface PlacedVessel {
  mmsi: number
  lat: number
  lon: number
  at: number
  name?: string
  source?: string
  sog?: number
  navStatus?: number
}

/** Stores a report in the history and as the vessel's latest position. */
export function placeVessel(db: string, v: PlacedVessel): void {
  withDb(db, (d) => {
    const source = v.source ?? 'live'
    const sog = v.sog ?? 8.5
    d.prepare(`INSERT INTO vessel_positions (mmsi, observed_at, lat, lon, sog, nav_status, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
      v.mmsi,
      v.at,
      v.lat,
      v.lon,
      sog,
      v.navStatus ?? null,
      source,
      v.at,
    )
    d.prepare(
      `INSERT INTO vessels (mmsi, name, lat, lon, sog, nav_status, position_at, position_source, origin, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ingest', ?, ?)
       ON CONFLICT(mmsi) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, sog = excluded.sog, nav_status = excluded.nav_status,
         position_at = excluded.position_at, position_source = excluded.position_source`,
    ).run(v.mmsi, v.name ?? null, v.lat, v.lon, sog, v.navStatus ?? null, v.at, source, v.at, v.at)
  })
}
