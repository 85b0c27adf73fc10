// AIS gaps ("going dark"), as Global Fishing Watch counts them: a vessel silent for 12 h or more whose last
// position before the silence lies over 50 nm from shore, reported only when other vessels were heard within
// 50 nm of that position during the silence, so that a hole in reception is not called a vessel going dark.
//
// Why 50 nm for "nearby": other ships that close share the vessel's reception: the same satellite passes
// (Global Fishing Watch measures satellite reception on one-degree cells, 60 nm across) and, that far out,
// the same lack of shore stations (a shore receiver hears ships to about 40 nm). Wider, a busy lane far away
// would vouch for an empty stretch of sea; narrower, open-ocean traffic is too sparse to vouch for anything.
// "During the silence" is its last day (all of it when shorter): what every window that sees the silence end
// holds, so whichever pass finds it judges it alike.
//
// A silence still going on (12 h or more before the newest report in the window, others heard since) is an
// open event; the pass that sees the vessel again ends it (same key: the time of the last report before it).
import {haversineKm} from '../geo/geometry.js'
import {worstSource} from '../provenance.js'
import type {BehaviourEnv, BehaviourEventDraft, Detector, DetectorResult, PositionWindow} from './types.js'
import {sourceAt} from './window.js'

const HOUR_MS = 3_600_000
export const GAP_MIN_MS = 12 * HOUR_MS
const KM_PER_NM = 1.852
/** 50 nm: the last position before the silence must be farther than this from shore. */
export const OFFSHORE_KM = 50 * KM_PER_NM
/** 50 nm: others heard this close to that position vouch for reception there. */
export const HEARD_RADIUS_KM = 50 * KM_PER_NM
/** The part of a silence looked at for others heard: its last day. */
export const HEARD_WITHIN_MS = 24 * HOUR_MS

const KM_PER_DEGREE = 111.195
const round1 = (x: number) => Math.round(x * 10) / 10
const iso = (ms: number) => new Date(ms).toISOString()

interface Silence {
  vessel: number
  /** The last report before the silence. */
  start: number
  /** The first report after it; -1 while it goes on. */
  end: number
  shoreKm: number
}

/** The one-degree cells (latitude rows, longitude columns) within `km` of a position. */
function cellsNear(lat: number, lon: number, km: number, visit: (cell: number) => void): void {
  const dLat = km / KM_PER_DEGREE
  const row0 = Math.max(0, Math.floor(lat - dLat + 90))
  const row1 = Math.min(179, Math.floor(lat + dLat + 90))
  for (let row = row0; row <= row1; row++) {
    // The row's edge nearest a pole is where a degree of longitude is shortest.
    const poleward = Math.min(89.9, Math.max(Math.abs(row - 90), Math.abs(row - 89)))
    const dLon = km / (KM_PER_DEGREE * Math.cos((poleward * Math.PI) / 180))
    const wide = dLon >= 180
    const col0 = wide ? 0 : Math.floor(lon - dLon + 180)
    const col1 = wide ? 359 : Math.floor(lon + dLon + 180)
    for (let col = col0; col <= col1; col++) visit(row * 360 + (((col % 360) + 360) % 360))
  }
}

/**
 * The window's reports in the one-degree cells around the silences, by cell: who was heard near a position
 * is found without looking at every report (nor indexing those far from any silence).
 */
class CellIndex {
  private readonly cellStart = new Int32Array(180 * 360 + 1)
  private readonly rows: Int32Array
  readonly vesselOf: Int32Array

  constructor(
    private readonly w: PositionWindow,
    wanted: Uint8Array,
  ) {
    const n = w.length
    this.vesselOf = new Int32Array(n)
    for (let v = 0; v < w.vessels; v++) this.vesselOf.fill(v, w.vesselStart[v], w.vesselStart[v + 1])
    const cells = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const c = cellOf(w.lat[i], w.lon[i])
      cells[i] = wanted[c] ? c : -1
      if (wanted[c]) this.cellStart[c + 1]++
    }
    for (let c = 0; c < 180 * 360; c++) this.cellStart[c + 1] += this.cellStart[c]
    const next = this.cellStart.slice(0, 180 * 360)
    this.rows = new Int32Array(this.cellStart[180 * 360])
    for (let i = 0; i < n; i++) if (cells[i] >= 0) this.rows[next[cells[i]]++] = i
  }

  /**
   * Vessels other than `vessel` heard within `km` of the position at times in (after, through], and their
   * reports. `seen` is scratch space over vessels, `mark` a number not used in it before.
   */
  heardNear(vessel: number, lat: number, lon: number, km: number, after: number, through: number, seen: Int32Array, mark: number): {vessels: number; reports: number} {
    const w = this.w
    let vessels = 0
    let reports = 0
    cellsNear(lat, lon, km, (c) => {
      for (let k = this.cellStart[c]; k < this.cellStart[c + 1]; k++) {
        const i = this.rows[k]
        const at = w.at[i]
        if (at <= after || at > through) continue
        const v = this.vesselOf[i]
        if (v === vessel) continue
        if (haversineKm(lat, lon, w.lat[i], w.lon[i]) > km) continue
        reports++
        if (seen[v] !== mark) {
          seen[v] = mark
          vessels++
        }
      }
    })
    return {vessels, reports}
  }
}

function cellOf(lat: number, lon: number): number {
  const row = Math.min(179, Math.max(0, Math.floor(lat + 90)))
  const col = (((Math.floor(lon + 180) % 360) + 360) % 360)
  return row * 360 + col
}

/**
 * Silences of 12 h or more in the window: those ended by a fresh report, and those still going on; and the
 * silences a report stored late has cut short (under 12 h after all: an open gap stored for it is withdrawn).
 */
function silencesIn(w: PositionWindow): {silences: Silence[]; cutShort: Silence[]} {
  const silences: Silence[] = []
  const cutShort: Silence[] = []
  // An earlier pass saw a silence going on only if it held a report 12 h or more after the silence began.
  let newestAnalysed = -Infinity
  for (let i = 0; i < w.length; i++) if (w.fresh[i] === 0 && w.at[i] > newestAnalysed) newestAnalysed = w.at[i]
  for (let v = 0; v < w.vessels; v++) {
    const s = w.vesselStart[v]
    const e = w.vesselStart[v + 1]
    let first = true
    for (let i = s + 1; i < e; i++) {
      if (w.fresh[i] === 0) continue
      if (w.at[i] - w.at[i - 1] >= GAP_MIN_MS) silences.push({vessel: v, start: i - 1, end: i, shoreKm: 0})
      else if (first && w.fresh[i - 1] === 0 && newestAnalysed - w.at[i - 1] >= GAP_MIN_MS) cutShort.push({vessel: v, start: i - 1, end: i, shoreKm: 0})
      first = false
    }
    if (e > s && w.until - w.at[e - 1] >= GAP_MIN_MS) silences.push({vessel: v, start: e - 1, end: -1, shoreKm: 0})
  }
  return {silences, cutShort}
}

export async function detectAisGaps(env: BehaviourEnv, w: PositionWindow): Promise<DetectorResult> {
  const counts = {silences: 0, offshore: 0, reception_holes: 0, open: 0}
  const {silences, cutShort} = silencesIn(w)
  counts.silences = silences.length
  // Each vessel's first fresh report after the ones analysed before: when it came in late, the silence an
  // earlier pass saw going on is shorter than 12 h after all, and its open gap (if stored) is withdrawn.
  const events: BehaviourEventDraft[] = cutShort.map((g) => withdrawal(w, g))
  const offshore = silences.filter((g) => {
    const lat = w.lat[g.start]
    const lon = w.lon[g.start]
    if (env.land.isOnLand(lon, lat)) return false
    g.shoreKm = env.land.distanceToShoreKm(lon, lat)
    return g.shoreKm > OFFSHORE_KM
  })
  counts.offshore = offshore.length
  if (offshore.length === 0) return {events, counts}

  const wanted = new Uint8Array(180 * 360)
  for (const g of offshore) cellsNear(w.lat[g.start], w.lon[g.start], HEARD_RADIUS_KM, (c) => (wanted[c] = 1))
  const index = new CellIndex(w, wanted)
  const seen = new Int32Array(w.vessels)
  offshore.forEach((g, n) => {
    const startAt = w.at[g.start]
    const endAt = g.end >= 0 ? w.at[g.end] : w.until
    const lat = w.lat[g.start]
    const lon = w.lon[g.start]
    const after = Math.max(startAt, endAt - HEARD_WITHIN_MS)
    // An ended silence: reports before the one that ended it; one going on: up to the newest in the window.
    const through = g.end >= 0 ? endAt - 1 : endAt
    const heard = index.heardNear(g.vessel, lat, lon, HEARD_RADIUS_KM, after, through, seen, n + 1)
    if (heard.vessels === 0) {
      counts.reception_holes++
      // Nobody heard meanwhile: not news on its own, but it still ends an open event an earlier pass stored.
      if (g.end < 0) return
    } else if (g.end < 0) counts.open++
    events.push(gapEvent(w, g, heard, after, heard.vessels === 0))
  })
  return {events, counts}
}

function gapEvent(w: PositionWindow, g: Silence, heard: {vessels: number; reports: number}, heardAfter: number, onlyIfKnown: boolean): BehaviourEventDraft {
  const mmsi = w.vesselMmsi[g.vessel]
  const startAt = w.at[g.start]
  const ended = g.end >= 0
  const endAt = ended ? w.at[g.end] : w.until
  const hours = (endAt - startAt) / HOUR_MS
  const distanceNm = ended ? haversineKm(w.lat[g.start], w.lon[g.start], w.lat[g.end], w.lon[g.end]) / KM_PER_NM : null
  const shoreNm = Number.isFinite(g.shoreKm) ? round1(g.shoreKm / KM_PER_NM) : null
  const offshoreText = shoreNm === null ? 'far offshore' : `${Math.round(shoreNm)} nm offshore`
  return {
    type: 'ais_gap',
    mmsi,
    dedupeKey: `ais_gap:${mmsi}:${startAt}`,
    severity: 'medium',
    title: `AIS gap: MMSI ${mmsi} silent ${round1(hours).toFixed(1)} h${ended ? '' : ' so far'}, ${offshoreText}`,
    lat: w.lat[g.start],
    lon: w.lon[g.start],
    source: worstSource(ended ? [sourceAt(w, g.start), sourceAt(w, g.end)] : [sourceAt(w, g.start)]),
    startedAt: startAt,
    endedAt: ended ? endAt : null,
    onlyIfKnown: onlyIfKnown || undefined,
    metadata: {
      started_at: iso(startAt),
      ended_at: ended ? iso(endAt) : null,
      start_lat: w.lat[g.start],
      start_lon: w.lon[g.start],
      end_lat: ended ? w.lat[g.end] : null,
      end_lon: ended ? w.lon[g.end] : null,
      duration_hours: round1(hours),
      // Going on: silent until at least the newest report in the window.
      silent_through: ended ? null : iso(endAt),
      distance_nm: distanceNm === null ? null : round1(distanceNm),
      implied_speed_kn: distanceNm === null || hours === 0 ? null : round1(distanceNm / hours),
      distance_to_shore_nm: shoreNm,
      vessels_heard_nearby: heard.vessels,
      reports_heard_nearby: heard.reports,
      heard_radius_nm: HEARD_RADIUS_KM / KM_PER_NM,
      heard_since: iso(heardAfter),
    },
  }
}

/** The end of an open gap that reports stored late showed to be no gap: only ever applied to a stored open event. */
function withdrawal(w: PositionWindow, g: Silence): BehaviourEventDraft {
  const mmsi = w.vesselMmsi[g.vessel]
  const startAt = w.at[g.start]
  const endAt = w.at[g.end]
  const hours = round1((endAt - startAt) / HOUR_MS)
  return {
    type: 'ais_gap',
    mmsi,
    dedupeKey: `ais_gap:${mmsi}:${startAt}`,
    severity: 'medium',
    title: `AIS gap withdrawn: MMSI ${mmsi} was heard ${hours.toFixed(1)} h after (reports stored late)`,
    lat: w.lat[g.start],
    lon: w.lon[g.start],
    source: worstSource([sourceAt(w, g.start), sourceAt(w, g.end)]),
    startedAt: startAt,
    endedAt: endAt,
    onlyIfKnown: true,
    metadata: {
      withdrawn: true,
      started_at: iso(startAt),
      ended_at: iso(endAt),
      start_lat: w.lat[g.start],
      start_lon: w.lon[g.start],
      end_lat: w.lat[g.end],
      end_lon: w.lon[g.end],
      duration_hours: hours,
    },
  }
}

export const aisGapDetector: Detector = {
  name: 'ais_gaps',
  // The silence's last day is where others heard are looked for.
  lookbackMs: HEARD_WITHIN_MS,
  detect: detectAisGaps,
}
