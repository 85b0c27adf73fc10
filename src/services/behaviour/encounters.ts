// Encounters: two vessels within 500 m of each other, both under 2 kn, for 2 h or more, over 10 km from
// any anchorage (Global Fishing Watch's published rule), read from the behaviour pass's window.
//
// Two vessels' reports are never at the same instants, so each vessel's slow stretches are resampled, as
// Global Fishing Watch does, to fixed 10-minute marks (positions interpolated between two reports at most
// an hour apart, both slow, the move between them slow too): two vessels then meet or not at one mark. The
// marks are aligned to the epoch, so every window that holds the reports resamples them alike and an
// encounter keeps its start. Per mark, the positions far from anchorages are sorted by a grid cell of
// 0.005° (over 500 m) and each is compared only with those in its own and the neighbouring cells.
import {openEpisodes} from '../db/behaviour-episodes.js'
import {haversineKm} from '../geo/geometry.js'
import {fartherThan} from './distance-cells.js'
import {coverageStart, EpisodeBook, isFixRow, iso, newestReportAt, sourceBit, worstOfBits} from './episodes.js'
import type {BehaviourEventDraft, Detector, PositionWindow} from './types.js'

export const ENCOUNTER_MAX_KM = 0.5
export const ENCOUNTER_MAX_KNOTS = 2
export const ENCOUNTER_MIN_MS = 2 * 3_600_000
export const ENCOUNTER_MIN_ANCHORAGE_KM = 10
/** The resampling interval (Global Fishing Watch's). */
export const MARK_MS = 10 * 60_000
/** Positions are interpolated between reports at most this far apart. */
export const MAX_INTERPOLATION_MS = 3_600_000
/** Marks apart that still continue one encounter (two missed marks). */
const JOIN_MARKS = 3
const KM_PER_NM = 1.852
/** GPS jitter allowed on top of the slow move between two reports. */
const JITTER_KM = 0.05
const CELL_DEGREES = 0.005
const COLS = 360 / CELL_DEGREES
/** Packed sort keys: cell * 2^21 + the position's index within its mark (one position per vessel per mark). */
const INDEX_BITS = 2 ** 21
const KM_PER_DEGREE = 111.195
/** Distance histogram bins: 10 m each up to 500 m. */
const BIN_M = 10
const BINS = ENCOUNTER_MAX_KM * (1000 / BIN_M) + 1

/** An encounter's running figures: what a later pass that sees it cut off adds to. */
export interface EncounterFigures {
  marks: number
  /** Marks together per 10 m of distance. */
  bins: number[]
  latSum: number
  lonSum: number
  firstLat: number
  firstLon: number
  lastAt: number
  lastLat: number
  lastLon: number
  sources: number
}

/** Slow positions at marks, as growable columns. */
class Marks {
  length = 0
  mark = new Int32Array(1024)
  vessel = new Int32Array(1024)
  lat = new Float64Array(1024)
  lon = new Float64Array(1024)
  sources = new Uint8Array(1024)

  push(mark: number, vessel: number, lat: number, lon: number, sources: number): void {
    if (this.length === this.mark.length) this.grow()
    const i = this.length++
    this.mark[i] = mark
    this.vessel[i] = vessel
    this.lat[i] = lat
    this.lon[i] = lon
    this.sources[i] = sources
  }

  private grow(): void {
    const n = this.mark.length * 2
    const widen = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    this.mark = widen(this.mark, (k) => new Int32Array(k))
    this.vessel = widen(this.vessel, (k) => new Int32Array(k))
    this.lat = widen(this.lat, (k) => new Float64Array(k))
    this.lon = widen(this.lon, (k) => new Float64Array(k))
    this.sources = widen(this.sources, (k) => new Uint8Array(k))
  }
}

/** One pair's encounter as the marks are swept in time order. */
interface Meeting {
  a: number
  b: number
  firstMark: number
  lastMark: number
  figures: EncounterFigures
  startedAt: number
  /** Marks up to this time are in the stored figures already. */
  countedUntil: number
  /** Cut off by the window and continuing no stored encounter: not reported. */
  orphan: boolean
}

const slowSog = (sog: number) => !(sog >= ENCOUNTER_MAX_KNOTS)

/** Each vessel's slow stretches resampled at the marks, far from anchorages only. */
export function resample(w: PositionWindow, farFromAnchorage: (lat: number, lon: number) => boolean): Marks {
  const marks = new Marks()
  for (let v = 0; v < w.vessels; v++) {
    const to = w.vesselStart[v + 1]
    let prev = -1
    for (let i = w.vesselStart[v]; i < to; i++) {
      if (!isFixRow(w, i)) continue
      const j = prev
      prev = i
      if (j < 0) continue
      const t0 = w.at[j]
      const dt = w.at[i] - t0
      if (dt <= 0 || dt > MAX_INTERPOLATION_MS || !slowSog(w.sog[j]) || !slowSog(w.sog[i])) continue
      let t = Math.ceil(t0 / MARK_MS) * MARK_MS
      if (t >= w.at[i]) continue
      const lat0 = w.lat[j]
      const lon0 = w.lon[j]
      const dLat = w.lat[i] - lat0
      let dLon = w.lon[i] - lon0
      if (dLon > 180) dLon -= 360
      else if (dLon < -180) dLon += 360
      // The move between the two reports slow too (the L1 bound in degrees first: never shorter than the great circle).
      const allowedKm = (ENCOUNTER_MAX_KNOTS * KM_PER_NM * dt) / 3_600_000 + JITTER_KM
      if ((Math.abs(dLat) + Math.abs(dLon)) * KM_PER_DEGREE > allowedKm && haversineKm(lat0, lon0, w.lat[i], w.lon[i]) > allowedKm) continue
      const sources = sourceBit(w, j) | sourceBit(w, i)
      for (; t < w.at[i]; t += MARK_MS) {
        const f = (t - t0) / dt
        const lat = lat0 + f * dLat
        let lon = lon0 + f * dLon
        if (lon > 180) lon -= 360
        else if (lon < -180) lon += 360
        if (farFromAnchorage(lat, lon)) marks.push(t / MARK_MS, v, lat, lon, sources)
      }
    }
  }
  return marks
}

function medianMetres(bins: number[], total: number): number {
  let seen = 0
  for (let b = 0; b < bins.length; b++) {
    seen += bins[b]
    if (seen * 2 >= total) return Math.min(ENCOUNTER_MAX_KM * 1000, b * BIN_M + BIN_M / 2)
  }
  return ENCOUNTER_MAX_KM * 1000
}

function draftOf(mmsi: number, other: number, startedAt: number, f: EncounterFigures, endedAt: number | null): BehaviourEventDraft {
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d
  const hours = (f.lastAt - startedAt) / 3_600_000
  const lat = f.latSum / f.marks
  const lon = ((((f.lonSum / f.marks + 180) % 360) + 360) % 360) - 180
  const median = medianMetres(f.bins, f.marks)
  return {
    type: 'encounter',
    mmsi,
    dedupeKey: `encounter:${mmsi}:${other}:${startedAt}`,
    severity: 'medium',
    title: `MMSI ${mmsi} and MMSI ${other} met at sea for ${round(hours, 1)} h${endedAt === null ? ' so far' : ''}, about ${median} m apart`,
    lat,
    lon,
    source: worstOfBits(f.sources),
    startedAt,
    endedAt,
    metadata: {
      other_mmsi: other,
      started_at: iso(startedAt),
      ended_at: endedAt === null ? null : iso(endedAt),
      duration_hours: round(hours, 2),
      median_distance_m: median,
      lat: round(lat, 5),
      lon: round(lon, 5),
      start_lat: round(f.firstLat, 5),
      start_lon: round(f.firstLon, 5),
      end_lat: round(f.lastLat, 5),
      end_lon: round(f.lastLon, 5),
      interval_minutes: MARK_MS / 60_000,
      intervals_together: f.marks,
    },
  }
}

/** One pass of the rule over a window. */
class EncounterScan {
  readonly events: BehaviourEventDraft[] = []
  pairsClose = 0
  cutOff = 0
  comparisons = 0
  private readonly meetings = new Map<number, Meeting>()
  private readonly coverage = new Map<number, number>()
  private readonly firstFresh = new Map<number, number>()

  constructor(
    private readonly w: PositionWindow,
    private readonly book: EpisodeBook<EncounterFigures>,
  ) {}

  /** Sweeps the marks in time order: within each, the positions by cell, each against its neighbours. */
  sweep(marks: Marks): void {
    const n = marks.length
    if (n === 0) return
    let first = Infinity
    let last = -Infinity
    for (let i = 0; i < n; i++) {
      if (marks.mark[i] < first) first = marks.mark[i]
      if (marks.mark[i] > last) last = marks.mark[i]
    }
    // Counting sort by mark.
    const span = last - first + 1
    const starts = new Int32Array(span + 1)
    for (let i = 0; i < n; i++) starts[marks.mark[i] - first + 1]++
    for (let k = 0; k < span; k++) starts[k + 1] += starts[k]
    const order = new Int32Array(n)
    const fill = starts.slice(0, span)
    for (let i = 0; i < n; i++) order[fill[marks.mark[i] - first]++] = i
    let widest = 0
    for (let k = 0; k < span; k++) widest = Math.max(widest, starts[k + 1] - starts[k])
    const keys = new Float64Array(widest)
    for (let k = 0; k < span; k++) {
      const from = starts[k]
      const count = starts[k + 1] - from
      if (count < 2) continue
      const sorted = keys.subarray(0, count)
      for (let j = 0; j < count; j++) {
        const p = order[from + j]
        sorted[j] = cellOf(marks.lat[p], marks.lon[p]) * INDEX_BITS + j
      }
      sorted.sort()
      for (let s = 0; s < count; s++) {
        const p = order[from + (sorted[s] % INDEX_BITS)]
        this.neighbours(marks, p, sorted, order, from, first + k)
      }
    }
    for (const m of this.meetings.values()) this.finish(m)
    this.meetings.clear()
  }

  /** The positions of the same mark within 500 m of p, from vessels after p's (each pair once). */
  private neighbours(marks: Marks, p: number, sorted: Float64Array, order: Int32Array, from: number, mark: number): void {
    const lat = marks.lat[p]
    const lon = marks.lon[p]
    const row = Math.floor((lat + 90) / CELL_DEGREES)
    const col = Math.floor((lon + 180) / CELL_DEGREES) % COLS
    // Columns either side that 500 m can reach at this latitude (all of them near a pole).
    const cos = Math.cos((Math.min(89.99, Math.abs(lat) + CELL_DEGREES) * Math.PI) / 180)
    const reach = Math.min(COLS / 2, Math.ceil((ENCOUNTER_MAX_KM / (KM_PER_DEGREE * cos)) / CELL_DEGREES))
    const vp = marks.vessel[p]
    for (let r = row - 1; r <= row + 1; r++) {
      if (r < 0 || r >= 180 / CELL_DEGREES) continue
      const c0 = col - reach
      const c1 = col + reach
      // Across the antimeridian the columns wrap.
      if (c0 < 0) {
        this.cells(marks, p, vp, sorted, order, from, mark, r * COLS + c0 + COLS, r * COLS + COLS - 1)
        this.cells(marks, p, vp, sorted, order, from, mark, r * COLS, r * COLS + Math.min(c1, COLS - 1))
      } else if (c1 >= COLS) {
        this.cells(marks, p, vp, sorted, order, from, mark, r * COLS + c0, r * COLS + COLS - 1)
        this.cells(marks, p, vp, sorted, order, from, mark, r * COLS, r * COLS + c1 - COLS)
      } else this.cells(marks, p, vp, sorted, order, from, mark, r * COLS + c0, r * COLS + c1)
    }
  }

  private cells(marks: Marks, p: number, vp: number, sorted: Float64Array, order: Int32Array, from: number, mark: number, cell0: number, cell1: number): void {
    const low = cell0 * INDEX_BITS
    const high = (cell1 + 1) * INDEX_BITS
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid] < low) lo = mid + 1
      else hi = mid
    }
    for (let s = lo; s < sorted.length && sorted[s] < high; s++) {
      const q = order[from + (sorted[s] % INDEX_BITS)]
      const vq = marks.vessel[q]
      if (vq <= vp) continue
      this.comparisons++
      const km = haversineKm(marks.lat[p], marks.lon[p], marks.lat[q], marks.lon[q])
      if (km <= ENCOUNTER_MAX_KM) this.together(marks, p, q, vp, vq, mark, km)
    }
  }

  /** Vessels a < b (window indexes) within 500 m at a mark. */
  private together(marks: Marks, p: number, q: number, a: number, b: number, mark: number, km: number): void {
    this.pairsClose++
    const key = a * this.w.vessels + b
    let m = this.meetings.get(key)
    if (m && mark - m.lastMark > JOIN_MARKS) {
      this.finish(m)
      m = undefined
    }
    if (!m) {
      m = this.begin(a, b, mark)
      this.meetings.set(key, m)
    }
    m.lastMark = mark
    const at = mark * MARK_MS
    if (m.orphan || at <= m.countedUntil) return
    const f = m.figures
    const lat = (marks.lat[p] + marks.lat[q]) / 2
    let lon = marks.lon[p] + (((((marks.lon[q] - marks.lon[p] + 180) % 360) + 360) % 360) - 180) / 2
    if (f.marks === 0) {
      f.firstLat = lat
      f.firstLon = lon
    } else lon += 360 * Math.round((f.firstLon - lon) / 360)
    f.marks++
    f.bins[Math.min(BINS - 1, Math.floor((km * 1000) / BIN_M))]++
    f.latSum += lat
    f.lonSum += lon
    f.lastAt = at
    f.lastLat = lat
    f.lastLon = ((((lon + 180) % 360) + 360) % 360) - 180
    f.sources |= marks.sources[p] | marks.sources[q]
  }

  private begin(a: number, b: number, mark: number): Meeting {
    const {w} = this
    const startedAt = mark * MARK_MS
    const m: Meeting = {a, b, firstMark: mark, lastMark: mark, startedAt, countedUntil: -Infinity, orphan: false, figures: emptyFigures()}
    // The marks that could have joined this one from before are all in the window when both vessels' reports are.
    const cut = (mark - JOIN_MARKS) * MARK_MS - MAX_INTERPOLATION_MS < Math.max(this.coverageOf(a), this.coverageOf(b))
    if (cut) {
      const stored = this.book.continued(w.vesselMmsi[a], w.vesselMmsi[b], startedAt, JOIN_MARKS * MARK_MS)
      if (stored) {
        m.startedAt = stored.startedAt
        m.countedUntil = stored.lastAt
        m.figures = {...stored.state, bins: [...stored.state.bins]}
      } else m.orphan = true
    }
    return m
  }

  private finish(m: Meeting): void {
    const {w, book} = this
    if (m.orphan) {
      this.cutOff++
      return
    }
    const f = m.figures
    if (f.marks === 0 || f.lastAt - m.startedAt < ENCOUNTER_MIN_MS) return
    const mmsi = w.vesselMmsi[m.a]
    const other = w.vesselMmsi[m.b]
    // Going on: a mark that could still join lies past one vessel's reports, and they are not silent too long.
    const reach = (m.lastMark + JOIN_MARKS) * MARK_MS
    const open = reach >= Math.min(lastFixAt(w, m.a), lastFixAt(w, m.b)) && w.until - f.lastAt <= JOIN_MARKS * MARK_MS + MAX_INTERPOLATION_MS
    const wasOpen = book.wasOpen(mmsi, other, m.startedAt)
    book.saw(mmsi, other, m.startedAt, f.lastAt, open ? f : null)
    // New to this pass: a fresh report of either vessel that could have shaped it, or an end the last pass did not know.
    if (Math.min(this.firstFreshOf(m.a), this.firstFreshOf(m.b)) <= reach + MAX_INTERPOLATION_MS || (wasOpen && !open)) {
      this.events.push(draftOf(mmsi, other, m.startedAt, f, open ? null : f.lastAt))
    }
  }

  private coverageOf(v: number): number {
    let c = this.coverage.get(v)
    if (c === undefined) this.coverage.set(v, (c = coverageStart(this.w, v, encounters.lookbackMs)))
    return c
  }

  private firstFreshOf(v: number): number {
    let f = this.firstFresh.get(v)
    if (f === undefined) {
      f = Infinity
      for (let i = this.w.vesselStart[v]; i < this.w.vesselStart[v + 1]; i++) {
        if (this.w.fresh[i] === 1) {
          f = this.w.at[i]
          break
        }
      }
      this.firstFresh.set(v, f)
    }
    return f
  }
}

function cellOf(lat: number, lon: number): number {
  return Math.floor((lat + 90) / CELL_DEGREES) * COLS + (Math.floor((lon + 180) / CELL_DEGREES) % COLS)
}

function lastFixAt(w: PositionWindow, v: number): number {
  for (let i = w.vesselStart[v + 1] - 1; i >= w.vesselStart[v]; i--) if (isFixRow(w, i)) return w.at[i]
  return -Infinity
}

const emptyFigures = (): EncounterFigures => ({marks: 0, bins: new Array<number>(BINS).fill(0), latSum: 0, lonSum: 0, firstLat: 0, firstLon: 0, lastAt: 0, lastLat: 0, lastLon: 0, sources: 0})

/** The newest report of either vessel of a stored pair. */
function pairSeenUntil(w: PositionWindow, mmsi: number, other: number): number {
  return Math.max(newestReportAt(w, mmsi), newestReportAt(w, other))
}

export const encounters: Detector = {
  name: 'encounters',
  // An encounter long enough to count has its start, and the marks that could have joined it from before, in the window.
  lookbackMs: ENCOUNTER_MIN_MS + MAX_INTERPOLATION_MS + JOIN_MARKS * MARK_MS + 2 * MAX_INTERPOLATION_MS,
  async detect(env, w) {
    const book = new EpisodeBook<EncounterFigures>('encounter', await openEpisodes(env.ctx.db, 'encounter'))
    const far = fartherThan(env.areas, ENCOUNTER_MIN_ANCHORAGE_KM, (lat, lon, maxKm) => env.areas.nearestPort(lat, lon, maxKm)?.distanceKm ?? Infinity)
    const marks = resample(w, (lat, lon) => far.test(lat, lon))
    const scan = new EncounterScan(w, book)
    scan.sweep(marks)
    const events = scan.events
    for (const e of book.lapsed(w.until, JOIN_MARKS * MARK_MS + MAX_INTERPOLATION_MS, (mmsi, other) => pairSeenUntil(w, mmsi, other))) {
      events.push(draftOf(e.mmsi, e.otherMmsi, e.startedAt, e.state, e.lastAt))
    }
    return {
      events,
      commit: (db) => book.commit(db),
      counts: {
        open: book.openCount,
        slow_positions: marks.length,
        comparisons: scan.comparisons,
        close_pairs: scan.pairsClose,
        cut_off_unmatched: scan.cutOff,
        anchorage_measures: far.measures,
      },
    }
  },
}
