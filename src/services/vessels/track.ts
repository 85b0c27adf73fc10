// The track rule: which position reports become a vessel's track. A fix is checked against the vessel's
// last accepted fix, never against a rejected or dead-reckoned one; a report that jumps is held back, and a
// run of held reports that agree with one another becomes the track (the earlier fix was the bad one), so
// one bad fix can never freeze a vessel. Held reports the track moves past are discarded as teleports (and
// handed back, so intake can keep them as evidence of an MMSI heard in two places).
import type {PositionRow} from '../db/vessel-store.js'
import {haversineKm} from '../geo/geometry.js'

/** A report implying more than this between two fixes is a jump, not a voyage. */
export const MAX_PLAUSIBLE_KNOTS = 50
/** Held reports that agree with one another before the track moves to them. */
export const TRACK_CONFIRM_REPORTS = 3
/** Held reports older than this (before the newest one) are forgotten. */
export const HELD_MAX_AGE_MS = 24 * 3_600_000
/** Below this distance GPS jitter can imply any speed over a few seconds; never call it a jump. */
const JITTER_KM = 0.5
const KM_PER_NM = 1.852

export interface Fix {
  at: number
  lat: number
  lon: number
}

/** Why a reported position cannot be a position at all, or null when it can. */
export function impossibleFix(lat: number | null | undefined, lon: number | null | undefined): string | null {
  if (lat == null || lon == null) return 'position not available'
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return 'position out of range'
  // (0, 0) in the Gulf of Guinea is what receivers without a fix send.
  if (lat === 0 && lon === 0) return 'position (0,0)'
  return null
}

/**
 * Time stamp seconds 62 (dead reckoning) and 63 (positioning inoperative) are estimates: stored, but never
 * judged by speed, never the fix others are judged against, and not counted in congestion.
 */
export function isEstimatedFix(utcSecond: number | null | undefined): boolean {
  return utcSecond === 62 || utcSecond === 63
}

/** Whether a vessel could have gone from `a` to `b` (either order in time). */
export function plausibleMove(a: Fix, b: Fix): boolean {
  return plausibleLeg(haversineKm(a.lat, a.lon, b.lat, b.lon), Math.abs(b.at - a.at))
}

/** Whether a vessel could have covered `km` in `ms` (the same test on a measured move). */
export function plausibleLeg(km: number, ms: number): boolean {
  if (km <= JITTER_KM) return true
  const hours = ms / 3_600_000
  return hours > 0 && km / KM_PER_NM / hours <= MAX_PLAUSIBLE_KNOTS
}

function fixOf(row: PositionRow): Fix {
  return {at: row.observedAt, lat: row.lat, lon: row.lon}
}

const NO_ROWS: readonly PositionRow[] = Object.freeze([])

/** What the store holds of a vessel's track: its newest usable fix, and its held reports (oldest first). */
export interface TrackState {
  fix: Fix | null
  held: PositionRow[]
}

export interface TrackStore {
  /**
   * The track states of these vessels in one read, for a store that cannot answer one vessel at a time
   * cheaply (a database server); without it the keeper asks the three below as it judges.
   */
  trackStates?(mmsis: number[]): Promise<Map<number, TrackState>>
  lastTrackFix(mmsi: number): Fix | undefined
  vesselsWithHeld(): Set<number>
  suspectsOf(mmsi: number): PositionRow[]
}

export interface Verdict {
  /** Reports to store now, oldest first: the report itself, or a confirmed run of held reports. */
  accept: PositionRow[]
  /** Held reports given up, oldest first: the track went on without them (teleports). */
  discarded: readonly PositionRow[]
  /** The track moved to a run of agreeing reports. */
  moved: boolean
}

/**
 * Keeps each vessel's reference fix and held reports across the batches of a run; the held reports of
 * vessels it changed are written back by the caller (`changedHolds`).
 */
export class TrackKeeper {
  private readonly refs = new Map<number, Fix | null>()
  private readonly held = new Map<number, PositionRow[]>()
  private readonly changed = new Set<number>()
  /** Stored held reports found overtaken by the track when read. */
  private overtaken: PositionRow[] = []
  /** Vessels with held reports in the database when the run began (read once). */
  private holders?: Set<number>
  /** Held reports read ahead, not yet taken up by `heldOf`. */
  private readonly storedHeld = new Map<number, PositionRow[]>()

  constructor(private readonly store: TrackStore) {}

  /** Whether the store wants the vessels of a batch named before they are judged (`preload`). */
  get readsAhead(): boolean {
    return this.store.trackStates !== undefined
  }

  /**
   * Reads ahead, in one go, the track state of the vessels about to be judged that the keeper does not know
   * yet, when the store answers only that way; otherwise nothing (the store is asked as they are judged).
   */
  async preload(mmsis: Iterable<number>): Promise<void> {
    const store = this.store
    if (!store.trackStates) return
    const unknown: number[] = []
    for (const mmsi of mmsis) if (!this.refs.has(mmsi)) unknown.push(mmsi)
    if (unknown.length === 0) return
    for (const [mmsi, state] of await store.trackStates(unknown)) {
      this.refs.set(mmsi, state.fix)
      if (!this.held.has(mmsi)) this.storedHeld.set(mmsi, state.held)
    }
  }

  /** Judges one usable report (a real fix, not an estimate). */
  judge(row: PositionRow): Verdict {
    const fix = fixOf(row)
    const ref = this.reference(row.mmsi)
    // Reports older than the reference fill in history; the track is judged forward in time.
    if (!ref || row.observedAt <= ref.at) {
      if (!ref) this.refs.set(row.mmsi, fix)
      return {accept: [row], discarded: NO_ROWS, moved: false}
    }
    let held = this.heldOf(row.mmsi, ref)
    let discarded: readonly PositionRow[] = NO_ROWS
    if (this.overtaken.length > 0) {
      discarded = this.overtaken
      this.overtaken = []
    }
    if (plausibleMove(ref, fix)) {
      this.refs.set(row.mmsi, fix)
      // Held reports this fix overtakes were teleports; newer ones still wait.
      const waiting = held.filter((h) => h.observedAt > row.observedAt)
      if (waiting.length !== held.length) {
        discarded = discarded.concat(held.filter((h) => h.observedAt <= row.observedAt))
        this.setHeld(row.mmsi, waiting)
      }
      return {accept: [row], discarded, moved: false}
    }
    const last = held.at(-1)
    if (last && row.observedAt === last.observedAt) return {accept: [], discarded, moved: false}
    if (last && (row.observedAt - last.observedAt > HELD_MAX_AGE_MS || !plausibleMove(fixOf(last), fix))) {
      discarded = discarded.concat(held)
      held = []
    }
    held = [...held, row].sort((a, b) => a.observedAt - b.observedAt)
    if (held.length >= TRACK_CONFIRM_REPORTS) {
      this.refs.set(row.mmsi, fixOf(held[held.length - 1]))
      this.setHeld(row.mmsi, [])
      return {accept: held, discarded, moved: true}
    }
    this.setHeld(row.mmsi, held)
    return {accept: [], discarded, moved: false}
  }

  /** Vessels whose held reports changed since the last call, with what they hold now. */
  takeChangedHolds(): Array<[number, PositionRow[]]> {
    const out: Array<[number, PositionRow[]]> = []
    for (const mmsi of this.changed) out.push([mmsi, this.held.get(mmsi) ?? []])
    this.changed.clear()
    return out
  }

  /** Forgets what the keeper read from the database (after a rolled-back batch). */
  reset(): void {
    this.refs.clear()
    this.held.clear()
    this.storedHeld.clear()
    this.holders = undefined
    this.changed.clear()
    this.overtaken = []
  }

  private reference(mmsi: number): Fix | null {
    let ref = this.refs.get(mmsi)
    if (ref === undefined) {
      ref = this.store.lastTrackFix(mmsi) ?? null
      this.refs.set(mmsi, ref)
    }
    return ref
  }

  /** Held reports newer than the reference (older ones were overtaken by the track and are dropped). */
  private heldOf(mmsi: number, ref: Fix): PositionRow[] {
    let held = this.held.get(mmsi)
    if (held === undefined) {
      let stored = this.storedHeld.get(mmsi)
      if (stored) this.storedHeld.delete(mmsi)
      else {
        this.holders ??= this.store.vesselsWithHeld()
        stored = this.holders.has(mmsi) ? this.store.suspectsOf(mmsi) : []
      }
      held = stored.filter((r) => r.observedAt > ref.at)
      this.held.set(mmsi, held)
      if (held.length !== stored.length) {
        for (const r of stored) if (r.observedAt <= ref.at) this.overtaken.push(r)
        this.changed.add(mmsi)
      }
    }
    return held
  }

  private setHeld(mmsi: number, rows: PositionRow[]): void {
    this.held.set(mmsi, rows)
    this.changed.add(mmsi)
  }
}
