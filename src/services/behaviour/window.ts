// A position window built from reports in memory: what the pass builds from the database's rows, and what
// tests build from a track they describe. Reports are grouped by vessel (ascending MMSI) and sorted by time.
import {DATA_SOURCES, type DataSource} from '../db/schema.js'
import {NOT_AVAILABLE, type PositionWindow} from './types.js'

export interface WindowReport {
  mmsi: number
  at: number
  lat: number
  lon: number
  sog?: number | null
  nav?: number | null
  second?: number | null
  source?: DataSource
  /** Default true. */
  fresh?: boolean
}

const SOURCE_INDEX = new Map(DATA_SOURCES.map((s, i) => [s as string, i]))

/** A window of `n` rows, every column zeroed, for its builder to fill; no time range until rows are placed. */
export function emptyWindow(n: number, vesselMmsi: Float64Array, vesselStart: Int32Array): PositionWindow {
  return {
    length: n,
    at: new Float64Array(n),
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    sog: new Float32Array(n),
    nav: new Uint8Array(n),
    second: new Uint8Array(n),
    source: new Uint8Array(n),
    fresh: new Uint8Array(n),
    vessels: vesselMmsi.length,
    vesselMmsi,
    vesselStart,
    since: Infinity,
    until: -Infinity,
  }
}

/** The window holding these reports (any order; a vessel's reports at the same time: the first kept). */
export function windowOf(reports: readonly WindowReport[]): PositionWindow {
  const order = reports.map((_, i) => i).sort((a, b) => reports[a].mmsi - reports[b].mmsi || reports[a].at - reports[b].at || a - b)
  const kept = order.filter((i, k) => k === 0 || reports[order[k - 1]].mmsi !== reports[i].mmsi || reports[order[k - 1]].at !== reports[i].at)
  const n = kept.length
  const w = emptyWindow(n, new Float64Array(0), new Int32Array(1))
  const mmsis: number[] = []
  const starts: number[] = []
  kept.forEach((i, row) => {
    const r = reports[i]
    if (mmsis.length === 0 || mmsis.at(-1) !== r.mmsi) {
      mmsis.push(r.mmsi)
      starts.push(row)
    }
    w.at[row] = r.at
    w.lat[row] = r.lat
    w.lon[row] = r.lon
    w.sog[row] = r.sog ?? Number.NaN
    w.nav[row] = r.nav ?? NOT_AVAILABLE
    w.second[row] = r.second ?? NOT_AVAILABLE
    w.source[row] = SOURCE_INDEX.get(r.source ?? 'live') ?? 0
    w.fresh[row] = r.fresh === false ? 0 : 1
    if (r.at < w.since) w.since = r.at
    if (r.at > w.until) w.until = r.at
  })
  starts.push(n)
  w.vessels = mmsis.length
  w.vesselMmsi = Float64Array.from(mmsis)
  w.vesselStart = Int32Array.from(starts)
  return w
}

/** The source of row i. */
export function sourceAt(w: PositionWindow, i: number): DataSource {
  return DATA_SOURCES[w.source[i]]
}
