// Identity: one MMSI heard in two places no ship could link (spoofing, or two ships sharing an MMSI), one
// event per episode, read from the behaviour pass's window together with the reports intake kept off the
// track.
//
// Where the evidence is: the track rule (vessels/track.ts) holds back a report that jumps over 50 kn from
// the vessel's track and discards it when the track goes on, so while a second transmitter interleaves
// with the first, its reports mostly never reach the positions (they are held, then discarded; a run of
// three of them in a row moves the track instead, and then the first transmitter's are held). Intake keeps
// the discarded ones (discarded_positions) and the held ones wait in position_suspects: the detector reads
// both for the window's span and merges them with the window's rows in time order.
//
// A vessel's reports are split into tracks a ship could sail (each report joins the track it can be
// reached from, the nearest; else it starts one). A conflict is a report on a track of three reports or
// more while another such track, which went on reporting after the first began (they interleave: one
// ship that moved for good is one track with a jump), was heard within two hours and cannot be reached
// from it. Conflicts less than six hours apart are one episode; six hours without one end it.
import {openEpisodes} from '../db/behaviour-episodes.js'
import {offTrackReports, type OffTrackColumns} from '../db/off-track-positions.js'
import {haversineKm} from '../geo/geometry.js'
import {MAX_PLAUSIBLE_KNOTS, plausibleLeg, TRACK_CONFIRM_REPORTS} from '../vessels/track.js'
import {coverageStart, EpisodeBook, iso, newestReportAt, touchesFresh, worstOfBits} from './episodes.js'
import type {BehaviourEventDraft, Detector, PositionWindow} from './types.js'

/** Six hours without a conflict end an episode; the next conflict starts another. */
export const IDENTITY_QUIET_MS = 6 * 3_600_000
/** The other track must have been heard this recently for a report to conflict with it: both keep reporting. */
export const IDENTITY_CONCURRENT_MS = 2 * 3_600_000
/** A track is self-consistent, not one stray fix, from this many reports (as the track rule confirms a run). */
const MIN_TRACK_REPORTS = TRACK_CONFIRM_REPORTS
/** Tracks followed at once per vessel; a new one replaces the longest silent. */
const MAX_TRACKS = 4
const KM_PER_NM = 1.852
const KM_PER_DEGREE = 111.195

/** An episode's running figures: what a later pass that sees it cut off adds to. */
export interface IdentityFigures {
  conflicts: number
  /** The first conflict: the report and the other track's last report before it. */
  firstAt: number
  firstLat: number
  firstLon: number
  otherAt: number
  otherLat: number
  otherLon: number
  firstKm: number
  maxKm: number
  lastAt: number
  /** Reports read off the track (held back or discarded) during the episode. */
  offTrack: number
  sources: number
}

/** One vessel's reports, window rows and off-track ones merged in time order, in reused columns. */
class MergedReports {
  length = 0
  at = new Float64Array(256)
  lat = new Float64Array(256)
  lon = new Float64Array(256)
  fresh = new Uint8Array(256)
  offTrack = new Uint8Array(256)
  sources = new Uint8Array(256)

  reset(size: number): void {
    this.length = 0
    if (size > this.at.length) {
      const n = Math.max(size, this.at.length * 2)
      this.at = new Float64Array(n)
      this.lat = new Float64Array(n)
      this.lon = new Float64Array(n)
      this.fresh = new Uint8Array(n)
      this.offTrack = new Uint8Array(n)
      this.sources = new Uint8Array(n)
    }
  }

  push(at: number, lat: number, lon: number, fresh: number, offTrack: number, sources: number): void {
    const i = this.length++
    this.at[i] = at
    this.lat[i] = lat
    this.lon[i] = lon
    this.fresh[i] = fresh
    this.offTrack[i] = offTrack
    this.sources[i] = sources
  }
}

/** A move no ship could make, tested cheaply first: the L1 bound in degrees is never shorter than the great circle. */
function implausible(at1: number, lat1: number, lon1: number, at2: number, lat2: number, lon2: number): boolean {
  let dLon = Math.abs(lon2 - lon1)
  if (dLon > 180) dLon = 360 - dLon
  const bound = (Math.abs(lat2 - lat1) + dLon) * KM_PER_DEGREE
  const ms = Math.abs(at2 - at1)
  if (bound <= 0.5 || bound <= ((MAX_PLAUSIBLE_KNOTS * KM_PER_NM) * ms) / 3_600_000) return false
  return !plausibleLeg(haversineKm(lat1, lon1, lat2, lon2), ms)
}

/** The first off-track row of a vessel (rows are in MMSI order), or -1. */
function firstOffTrack(off: OffTrackColumns, mmsi: number): number {
  let lo = 0
  let hi = off.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (off.mmsi[mid] < mmsi) lo = mid + 1
    else hi = mid
  }
  return lo < off.length && off.mmsi[lo] === mmsi ? lo : -1
}

function draftOf(mmsi: number, startedAt: number, f: IdentityFigures, endedAt: number | null): BehaviourEventDraft {
  const hours = Math.max(f.firstAt - f.otherAt, 1000) / 3_600_000
  const knots = Math.round(f.firstKm / KM_PER_NM / hours)
  const km = Math.round(f.firstKm * 10) / 10
  return {
    type: 'identity',
    mmsi,
    dedupeKey: `identity:${mmsi}:${startedAt}`,
    severity: 'high',
    title: `MMSI ${mmsi} heard in two places at once: ${km} km apart (${knots} kn to link them)`,
    lat: f.firstLat,
    lon: f.firstLon,
    source: worstOfBits(f.sources),
    startedAt,
    endedAt,
    metadata: {
      started_at: iso(startedAt),
      ended_at: endedAt === null ? null : iso(endedAt),
      last_conflict_at: iso(f.lastAt),
      conflicts: f.conflicts,
      distance_km: km,
      implied_knots: knots,
      max_distance_km: Math.round(f.maxKm * 10) / 10,
      positions: [
        {lat: f.otherLat, lon: f.otherLon, at: iso(f.otherAt)},
        {lat: f.firstLat, lon: f.firstLon, at: iso(f.firstAt)},
      ],
      off_track_reports: f.offTrack,
    },
  }
}

/** One pass of the rule over a window. */
class IdentityScan {
  readonly events: BehaviourEventDraft[] = []
  vesselsSplit = 0
  cutOff = 0
  private readonly merged = new MergedReports()
  // The tracks of the vessel scanned.
  private readonly tailAt = new Float64Array(MAX_TRACKS)
  private readonly tailLat = new Float64Array(MAX_TRACKS)
  private readonly tailLon = new Float64Array(MAX_TRACKS)
  private readonly tailSources = new Uint8Array(MAX_TRACKS)
  private readonly firstAt = new Float64Array(MAX_TRACKS)
  private readonly reports = new Int32Array(MAX_TRACKS)

  constructor(
    private readonly w: PositionWindow,
    private readonly off: OffTrackColumns,
    private readonly book: EpisodeBook<IdentityFigures>,
  ) {}

  vessel(v: number): void {
    const {w, off} = this
    const from = w.vesselStart[v]
    const to = w.vesselStart[v + 1]
    // A vessel looked back on only has nothing new to tell (a stored episode of it lapses by itself).
    if (!touchesFresh(w, from, to - 1)) return
    const mmsi = w.vesselMmsi[v]
    const o0 = firstOffTrack(off, mmsi)
    if (o0 < 0 && !this.jumps(from, to)) return
    this.vesselsSplit++
    let o1 = o0
    if (o0 >= 0) while (o1 < off.length && off.mmsi[o1] === mmsi) o1++
    this.merge(from, to, o0, o1)
    this.split(v)
  }

  /** Whether the vessel's own track jumps anywhere (a track move stores both places). */
  private jumps(from: number, to: number): boolean {
    const w = this.w
    let prev = -1
    for (let i = from; i < to; i++) {
      if (w.second[i] === 62 || w.second[i] === 63) continue
      if (prev >= 0 && implausible(w.at[prev], w.lat[prev], w.lon[prev], w.at[i], w.lat[i], w.lon[i])) return true
      prev = i
    }
    return false
  }

  private merge(from: number, to: number, o0: number, o1: number): void {
    const {w, off, merged} = this
    merged.reset(to - from + Math.max(0, o1 - o0))
    let i = from
    let o = o0 < 0 ? o1 : o0
    while (i < to || o < o1) {
      const takeWindow = o >= o1 || (i < to && w.at[i] <= off.at[o])
      if (takeWindow) {
        // The same report stored and kept off the track (a later duplicate): the stored one counts.
        if (o < o1 && off.at[o] === w.at[i]) o++
        const s = w.second[i]
        if (s !== 62 && s !== 63) merged.push(w.at[i], w.lat[i], w.lon[i], w.fresh[i], 0, 1 << w.source[i])
        i++
      } else {
        const s = off.second[o]
        if (s !== 62 && s !== 63) merged.push(off.at[o], off.lat[o], off.lon[o], 0, 1, 1 << off.source[o])
        o++
      }
    }
  }

  /** Splits the merged reports into tracks and gathers the conflicts into episodes. */
  private split(v: number): void {
    const {merged: m, tailAt, tailLat, tailLon, tailSources, firstAt, reports} = this
    reports.fill(0)
    const coverage = coverageStart(this.w, v, identity.lookbackMs)
    let episode: {startedAt: number; figures: IdentityFigures; countedUntil: number; orphan: boolean; fresh: boolean} | null = null
    for (let r = 0; r < m.length; r++) {
      const at = m.at[r]
      const lat = m.lat[r]
      const lon = m.lon[r]
      let best = -1
      let bestKm = Infinity
      let free = -1
      for (let t = 0; t < MAX_TRACKS; t++) {
        if (reports[t] > 0 && at - tailAt[t] > IDENTITY_QUIET_MS) reports[t] = 0
        if (reports[t] === 0) {
          if (free < 0) free = t
          continue
        }
        if (implausible(tailAt[t], tailLat[t], tailLon[t], at, lat, lon)) continue
        const km = haversineKm(tailLat[t], tailLon[t], lat, lon)
        if (km < bestKm) {
          best = t
          bestKm = km
        }
      }
      if (best < 0) {
        if (free < 0) {
          free = 0
          for (let t = 1; t < MAX_TRACKS; t++) if (tailAt[t] < tailAt[free]) free = t
        }
        best = free
        reports[best] = 0
        firstAt[best] = at
      }
      reports[best]++
      // The other track this report conflicts with, the farthest if several.
      let other = -1
      let otherKm = 0
      if (reports[best] >= MIN_TRACK_REPORTS) {
        for (let u = 0; u < MAX_TRACKS; u++) {
          if (u === best || reports[u] < MIN_TRACK_REPORTS || at - tailAt[u] > IDENTITY_CONCURRENT_MS || tailAt[u] < firstAt[best]) continue
          if (!implausible(tailAt[u], tailLat[u], tailLon[u], at, lat, lon)) continue
          const km = haversineKm(tailLat[u], tailLon[u], lat, lon)
          if (km > otherKm) {
            other = u
            otherKm = km
          }
        }
      }
      if (other >= 0) {
        if (episode && at - episode.figures.lastAt > IDENTITY_QUIET_MS) {
          this.finish(v, episode, r)
          episode = null
        }
        if (!episode) {
          const figures: IdentityFigures = {
            conflicts: 0,
            firstAt: at,
            firstLat: lat,
            firstLon: lon,
            otherAt: tailAt[other],
            otherLat: tailLat[other],
            otherLon: tailLon[other],
            firstKm: otherKm,
            maxKm: 0,
            lastAt: at,
            offTrack: 0,
            sources: 0,
          }
          episode = {startedAt: at, figures, countedUntil: -Infinity, orphan: false, fresh: false}
          // Cut off: the quiet stretch before the conflict is not all in the window.
          if (at - coverage <= IDENTITY_QUIET_MS) {
            const stored = this.book.continued(this.w.vesselMmsi[v], 0, at, IDENTITY_QUIET_MS)
            if (stored) {
              episode.startedAt = stored.startedAt
              episode.figures = {...stored.state}
              episode.countedUntil = stored.lastAt
            } else episode.orphan = true
          }
        }
        const f = episode.figures
        if (at > episode.countedUntil) {
          f.conflicts++
          if (otherKm > f.maxKm) f.maxKm = otherKm
          f.sources |= m.sources[r] | tailSources[other]
        }
        f.lastAt = Math.max(f.lastAt, at)
      }
      if (episode) {
        if (m.offTrack[r] === 1 && at > episode.countedUntil && at - episode.figures.lastAt <= IDENTITY_QUIET_MS) episode.figures.offTrack++
        if (m.fresh[r] === 1) episode.fresh = true
      }
      tailAt[best] = at
      tailLat[best] = lat
      tailLon[best] = lon
      tailSources[best] = m.sources[r]
    }
    if (episode) this.finish(v, episode, m.length)
  }

  /** An episode whose last conflict is behind report index `next` (the first report after it, or the end). */
  private finish(v: number, e: {startedAt: number; figures: IdentityFigures; orphan: boolean; fresh: boolean}, next: number): void {
    if (e.orphan) {
      this.cutOff++
      return
    }
    const {book, merged} = this
    const mmsi = this.w.vesselMmsi[v]
    const f = e.figures
    const newest = merged.at[merged.length - 1]
    const open = next >= merged.length && newest - f.lastAt <= IDENTITY_QUIET_MS && this.w.until - f.lastAt <= IDENTITY_QUIET_MS
    const wasOpen = book.wasOpen(mmsi, 0, e.startedAt)
    book.saw(mmsi, 0, e.startedAt, f.lastAt, open ? f : null)
    if (e.fresh || (wasOpen && !open)) this.events.push(draftOf(mmsi, e.startedAt, f, open ? null : f.lastAt))
  }
}

export const identity: Detector = {
  name: 'identity',
  // A conflict has the quiet stretch before it in the window.
  lookbackMs: 2 * IDENTITY_QUIET_MS,
  async detect(env, w) {
    const book = new EpisodeBook<IdentityFigures>('identity', await openEpisodes(env.ctx.db, 'identity'))
    const off = await offTrackReports(env.ctx.db, w.since, w.until)
    const scan = new IdentityScan(w, off, book)
    for (let v = 0; v < w.vessels; v++) scan.vessel(v)
    const events = scan.events
    for (const e of book.lapsed(w.until, IDENTITY_QUIET_MS, (mmsi) => newestReportAt(w, mmsi))) {
      events.push(draftOf(e.mmsi, e.startedAt, e.state, e.lastAt))
    }
    return {
      events,
      commit: (db) => book.commit(db),
      counts: {open: book.openCount, off_track_reports: off.length, vessels_split: scan.vesselsSplit, cut_off_unmatched: scan.cutOff},
    }
  },
}
