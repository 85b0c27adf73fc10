// Loitering: a vessel under 2 kn for 4 h or more, over 20 nm from shore and outside port areas (Global
// Fishing Watch's published rule), read from the behaviour pass's window. Runs of slow reports are found
// by speed alone first; only runs long enough are placed against the shore and the port areas.
import {openEpisodes} from '../db/behaviour-episodes.js'
import {haversineKm} from '../geo/geometry.js'
import {CELL_REACH_KM} from '../ports/port-areas.js'
import {type FartherThan, fartherThan} from './distance-cells.js'
import {coverageStart, EpisodeBook, isFixRow, iso, newestReportAt, sourceBit, touchesFresh, worstOfBits} from './episodes.js'
import type {BehaviourEnv, BehaviourEventDraft, Detector, PositionWindow} from './types.js'

export const LOITERING_MAX_KNOTS = 2
export const LOITERING_MIN_MS = 4 * 3_600_000
export const LOITERING_MIN_SHORE_NM = 20
/** A silence longer than this ends a loitering episode: what the vessel did meanwhile is unknown. */
export const LOITERING_MAX_GAP_MS = 3 * 3_600_000
const KM_PER_NM = 1.852
const MIN_SHORE_KM = LOITERING_MIN_SHORE_NM * KM_PER_NM

/** An episode's running figures: what a later pass that sees it cut off adds to. */
export interface LoiteringFigures {
  reports: number
  sogSum: number
  sogReports: number
  pathKm: number
  /** Sum of latitudes, and of longitudes unwrapped around the first one. */
  latSum: number
  lonSum: number
  firstLat: number
  firstLon: number
  lastAt: number
  lastLat: number
  lastLon: number
  sources: number
}

/** A report's speed: its SOG, or (not given) the speed implied by its neighbour within the gap. */
function knotsAt(w: PositionWindow, i: number, from: number, to: number): number {
  const sog = w.sog[i]
  if (sog === sog) return sog
  const j = i > from ? i - 1 : i + 1 < to ? i + 1 : -1
  if (j < 0) return Number.NaN
  const hours = Math.abs(w.at[i] - w.at[j]) / 3_600_000
  if (hours === 0 || hours * 3_600_000 > LOITERING_MAX_GAP_MS) return Number.NaN
  return haversineKm(w.lat[i], w.lon[i], w.lat[j], w.lon[j]) / KM_PER_NM / hours
}

function addRow(f: LoiteringFigures, w: PositionWindow, i: number): void {
  const lat = w.lat[i]
  let lon = w.lon[i]
  if (f.reports === 0) {
    f.firstLat = lat
    f.firstLon = lon
  } else {
    f.pathKm += haversineKm(f.lastLat, f.lastLon, lat, lon)
    lon += 360 * Math.round((f.firstLon - lon) / 360)
  }
  const sog = w.sog[i]
  if (sog === sog) {
    f.sogSum += sog
    f.sogReports++
  }
  f.reports++
  f.latSum += lat
  f.lonSum += lon
  f.lastAt = w.at[i]
  f.lastLat = w.lat[i]
  f.lastLon = w.lon[i]
  f.sources |= sourceBit(w, i)
}

const emptyFigures = (): LoiteringFigures => ({reports: 0, sogSum: 0, sogReports: 0, pathKm: 0, latSum: 0, lonSum: 0, firstLat: 0, firstLon: 0, lastAt: 0, lastLat: 0, lastLon: 0, sources: 0})

function draftOf(env: BehaviourEnv, mmsi: number, startedAt: number, f: LoiteringFigures, endedAt: number | null): BehaviourEventDraft {
  const hours = (f.lastAt - startedAt) / 3_600_000
  const lat = f.latSum / f.reports
  const lon = ((((f.lonSum / f.reports + 180) % 360) + 360) % 360) - 180
  const meanKnots = f.sogReports > 0 ? f.sogSum / f.sogReports : hours > 0 ? f.pathKm / KM_PER_NM / hours : 0
  const shoreNm = env.land.distanceToShoreKm(lon, lat) / KM_PER_NM
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d
  return {
    type: 'loitering',
    mmsi,
    dedupeKey: `loitering:${mmsi}:${startedAt}`,
    severity: 'low',
    title: `MMSI ${mmsi} loitering ${round(shoreNm, 0)} nm offshore for ${round(hours, 1)} h${endedAt === null ? ' so far' : ''}`,
    lat,
    lon,
    source: worstOfBits(f.sources),
    startedAt,
    endedAt,
    metadata: {
      started_at: iso(startedAt),
      ended_at: endedAt === null ? null : iso(endedAt),
      last_report_at: iso(f.lastAt),
      start_lat: f.firstLat,
      start_lon: f.firstLon,
      end_lat: f.lastLat,
      end_lon: f.lastLon,
      lat: round(lat, 5),
      lon: round(lon, 5),
      duration_hours: round(hours, 2),
      mean_speed_knots: round(meanKnots, 2),
      distance_from_shore_nm: round(shoreNm, 1),
      reports: f.reports,
    },
  }
}

/** One pass of the rule over a window: vessel by vessel, no object per report. */
class LoiteringScan {
  readonly events: BehaviourEventDraft[] = []
  candidates = 0
  cutOff = 0
  private readonly offshore: FartherThan
  private readonly beyondPorts: FartherThan
  /** The vessel scanned: its rows [from, to), its first and last fix, and from when the window surely holds its reports. */
  private from = 0
  private to = 0
  private firstFix = -1
  private lastFix = -1
  private coverage = 0

  constructor(
    private readonly env: BehaviourEnv,
    private readonly w: PositionWindow,
    private readonly book: EpisodeBook<LoiteringFigures>,
  ) {
    this.offshore = fartherThan(env.land, MIN_SHORE_KM, (lat, lon, maxKm) => env.land.distanceToShoreKm(lon, lat, maxKm))
    // Beyond the widest reach of any port area from its port or cells, no port area can hold a position.
    const reach = env.areas.ports.reduce((max, p) => Math.max(max, p.radiusKm), CELL_REACH_KM)
    this.beyondPorts = fartherThan(env.areas, reach, (lat, lon, maxKm) => env.areas.nearestPort(lat, lon, maxKm)?.distanceKm ?? Infinity)
  }

  /** At sea far out: over 20 nm from shore, not on land, in no port area. */
  private farAtSea(lat: number, lon: number): boolean {
    const {env} = this
    if (!this.offshore.test(lat, lon) || env.land.isOnLand(lon, lat)) return false
    return this.beyondPorts.test(lat, lon) || env.areas.locate(lat, lon) === null
  }

  get shoreMeasures(): number {
    return this.offshore.measures
  }

  /** Phase 1, by speed alone: runs of slow fixes with no silence over the gap; those long enough (or cut off) go on. */
  vessel(v: number): void {
    const w = this.w
    const from = (this.from = w.vesselStart[v])
    const to = (this.to = w.vesselStart[v + 1])
    // A vessel looked back on only has nothing new to tell (a stored episode of it lapses by itself).
    if (!touchesFresh(w, from, to - 1)) return
    this.coverage = coverageStart(w, v, loitering.lookbackMs)
    this.firstFix = -1
    for (let i = from; i < to; i++) {
      if (!isFixRow(w, i)) continue
      if (this.firstFix < 0) this.firstFix = i
      this.lastFix = i
    }
    let runStart = -1
    let runLast = -1
    for (let i = from; i < to; i++) {
      if (!isFixRow(w, i)) continue
      const slow = knotsAt(w, i, from, to) < LOITERING_MAX_KNOTS
      if (runStart >= 0 && (!slow || w.at[i] - w.at[runLast] > LOITERING_MAX_GAP_MS)) {
        this.run(v, runStart, runLast)
        runStart = -1
      }
      if (!slow) continue
      if (runStart < 0) runStart = i
      runLast = i
    }
    if (runStart >= 0) this.run(v, runStart, runLast)
  }

  /** Phase 2: the run split where a fix is near shore, on land or in a port area. */
  private run(v: number, r0: number, r1: number): void {
    const {w} = this
    // Cut off: the run begins the vessel's fixes in the window, and the window may not reach the report before.
    const cut = r0 === this.firstFix && w.at[r0] - this.coverage <= LOITERING_MAX_GAP_MS
    if (!cut && w.at[r1] - w.at[r0] < LOITERING_MIN_MS) return
    this.candidates++
    let s = -1
    let last = -1
    for (let i = r0; i <= r1; i++) {
      if (!isFixRow(w, i)) continue
      const lat = w.lat[i]
      const lon = w.lon[i]
      if (this.farAtSea(lat, lon)) {
        if (s < 0) s = i
        last = i
      } else if (s >= 0) {
        this.episode(v, s, last, cut && s === r0)
        s = -1
      }
    }
    if (s >= 0) this.episode(v, s, last, cut && s === r0)
  }

  /** Rows [i0, i1] of vessel v at sea, far out and slow: an episode when long enough. */
  private episode(v: number, i0: number, i1: number, cut: boolean): void {
    const {w, env, book} = this
    const mmsi = w.vesselMmsi[v]
    let startedAt = w.at[i0]
    let figures = emptyFigures()
    let from = i0
    if (cut) {
      const stored = book.continued(mmsi, 0, w.at[i0], LOITERING_MAX_GAP_MS)
      if (!stored) {
        this.cutOff++
        return
      }
      startedAt = stored.startedAt
      figures = {...stored.state}
      // What the stored figures hold already.
      while (from <= i1 && w.at[from] <= stored.lastAt) from++
    } else if (w.at[i1] - w.at[i0] < LOITERING_MIN_MS) return
    for (let i = from; i <= i1; i++) if (isFixRow(w, i)) addRow(figures, w, i)
    if (figures.lastAt - startedAt < LOITERING_MIN_MS) return
    const open = i1 === this.lastFix && w.until - figures.lastAt <= LOITERING_MAX_GAP_MS
    const wasOpen = book.wasOpen(mmsi, 0, startedAt)
    book.saw(mmsi, 0, startedAt, figures.lastAt, open ? figures : null)
    // New to this pass: a fresh report in it, or the one after it that ended it; or an end the last pass did not know.
    if (touchesFresh(w, i0, Math.min(i1 + 1, this.to - 1)) || (wasOpen && !open)) {
      this.events.push(draftOf(env, mmsi, startedAt, figures, open ? null : figures.lastAt))
    }
  }
}

export const loitering: Detector = {
  name: 'loitering',
  // A run long enough to count has its start, and the report before it, in the window.
  lookbackMs: LOITERING_MIN_MS + LOITERING_MAX_GAP_MS + 3_600_000,
  async detect(env, w) {
    const book = new EpisodeBook<LoiteringFigures>('loitering', await openEpisodes(env.ctx.db, 'loitering'))
    const scan = new LoiteringScan(env, w, book)
    for (let v = 0; v < w.vessels; v++) scan.vessel(v)
    const events = scan.events
    for (const e of book.lapsed(w.until, LOITERING_MAX_GAP_MS, (mmsi) => newestReportAt(w, mmsi))) {
      events.push(draftOf(env, e.mmsi, e.startedAt, e.state, e.lastAt))
    }
    return {
      events,
      commit: (db) => book.commit(db),
      counts: {open: book.openCount, candidate_runs: scan.candidates, cut_off_unmatched: scan.cutOff, shore_measures: scan.shoreMeasures},
    }
  },
}
