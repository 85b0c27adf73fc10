// Reports of a time span that are not on any vessel's track, as columns: those the track rule holds back
// now (position_suspects) and those it discarded (discarded_positions); the identity detector reads them
// beside the track to find one MMSI heard in two places. On either database, one query.
import {hotRows} from './pg-batch.js'
import {DATA_SOURCES, type DataSource} from './schema.js'
import type {AnyDb} from './transaction.js'

/** Rows grouped by vessel (ascending MMSI), oldest first within a vessel. */
export interface OffTrackColumns {
  length: number
  mmsi: Float64Array
  at: Float64Array
  lat: Float64Array
  lon: Float64Array
  /** AIS time stamp second; 255 when none. */
  second: Uint8Array
  /** 1: still held back (it may yet become the track); 0: discarded. */
  held: Uint8Array
  /** Index into DATA_SOURCES. */
  source: Uint8Array
}

interface OffTrackRow {
  mmsi: number
  at: number
  lat: number
  lon: number
  second: number | null
  held: number
  source: DataSource
}

const OFF_TRACK = `SELECT mmsi, observed_at AS at, lat, lon, utc_second AS second, 1 AS held, source FROM position_suspects WHERE observed_at >= ? AND observed_at <= ?
  UNION ALL
  SELECT mmsi, observed_at AS at, lat, lon, utc_second AS second, 0 AS held, source FROM discarded_positions WHERE observed_at >= ? AND observed_at <= ?
  ORDER BY mmsi, at`

/** Off-track reports observed in [since, until]. */
export async function offTrackReports(db: AnyDb, since: number, until: number): Promise<OffTrackColumns> {
  const rows = since > until ? [] : await hotRows<OffTrackRow>(db, OFF_TRACK, [since, until, since, until])
  const n = rows.length
  const out: OffTrackColumns = {
    length: n,
    mmsi: new Float64Array(n),
    at: new Float64Array(n),
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    second: new Uint8Array(n),
    held: new Uint8Array(n),
    source: new Uint8Array(n),
  }
  for (let i = 0; i < n; i++) {
    const r = rows[i]
    out.mmsi[i] = r.mmsi
    out.at[i] = r.at
    out.lat[i] = r.lat
    out.lon[i] = r.lon
    out.second[i] = r.second ?? 255
    out.held[i] = r.held
    out.source[i] = Math.max(0, DATA_SOURCES.indexOf(r.source))
  }
  return out
}
