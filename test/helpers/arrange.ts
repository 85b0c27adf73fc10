// Arranging database state the way ingest would have left it: vessels at positions, tracks of reports,
// past congestion snapshots.
import type Database from 'better-sqlite3'

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
  /** AIS ship type (70 cargo, 80 tanker, 52 tug, ...); left as stored when not given. */
  shipType?: number
  /** AIS time stamp second (62 dead reckoning, 63 positioning inoperative). */
  utcSecond?: number
}

function store(d: Database.Database, reports: PlacedVessel[]): void {
  const history = d.prepare(
    `INSERT INTO vessel_positions (mmsi, observed_at, lat, lon, sog, nav_status, utc_second, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const latest = d.prepare(
    `INSERT INTO vessels (mmsi, name, ship_type, lat, lon, sog, nav_status, utc_second, position_at, position_source, origin, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ingest', ?, ?)
     ON CONFLICT(mmsi) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, sog = excluded.sog, nav_status = excluded.nav_status,
       utc_second = excluded.utc_second, position_at = excluded.position_at, position_source = excluded.position_source,
       ship_type = coalesce(excluded.ship_type, vessels.ship_type)`,
  )
  d.transaction(() => {
    for (const v of reports) {
      const source = v.source ?? 'live'
      const sog = v.sog ?? 8.5
      history.run(v.mmsi, v.at, v.lat, v.lon, sog, v.navStatus ?? null, v.utcSecond ?? null, source, v.at)
      latest.run(v.mmsi, v.name ?? null, v.shipType ?? null, v.lat, v.lon, sog, v.navStatus ?? null, v.utcSecond ?? null, v.at, source, v.at, v.at)
    }
  })()
}

/** Stores a report in the history and as the vessel's latest position. */
export function placeVessel(db: string, v: PlacedVessel): void {
  withDb(db, (d) => store(d, [v]))
}

/** Stores many reports (in time order per vessel) in one transaction. */
export function placeReports(db: string, reports: PlacedVessel[]): void {
  withDb(db, (d) => store(d, reports))
}

/** A vessel's reports every `everyMs` from `from` to `to` (inclusive) at one spot. */
export function track(v: Omit<PlacedVessel, 'at'>, from: number, to: number, everyMs: number): PlacedVessel[] {
  const out: PlacedVessel[] = []
  for (let at = from; at <= to; at += everyMs) out.push({...v, at})
  return out
}

export interface PlacedSnapshot {
  portId: number
  observedAt: number
  waiting: number
  atBerth?: number
  level?: string
  source?: string
}

/** A congestion snapshot as an earlier ports job run would have stored it. */
export function placeSnapshots(db: string, snapshots: PlacedSnapshot[]): void {
  withDb(db, (d) => {
    const insert = d.prepare(
      `INSERT INTO port_congestion (port_id, observed_at, window_start, vessels_waiting, vessels_at_berth, vessels_in_port, level, baseline_samples, trend, source, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'steady', ?, ?)`,
    )
    d.transaction(() => {
      for (const s of snapshots) {
        const atBerth = s.atBerth ?? 0
        insert.run(s.portId, s.observedAt, s.observedAt - 6 * 3_600_000, s.waiting, atBerth, s.waiting + atBerth, s.level ?? 'normal', s.source ?? 'live', s.observedAt)
      }
    })()
  })
}
