// Sea episodes across behaviour passes: how far back a window surely holds a vessel's reports, and the book
// of episodes still going on, so an episode keeps the dedupe key of its start whatever window finds it.
//
// A window reaches a detector's look-back before each vessel's oldest fresh report, so an episode that
// began before that (a tanker loitering for a week, an MMSI shared for a month) is seen cut off: its
// start, and so its key, cannot be read from the window. Each detector therefore keeps the episodes still
// going on at the end of a pass in behaviour_episodes (written in the pass's transaction with the events):
// an episode seen cut off takes the start and the running figures of the stored episode it continues; one
// seen cut off that continues none is not reported (it is the tail of an episode already reported and
// ended, or one that began before analysis reached it). An episode whose start the window holds is read
// whole from the window. A stored episode whose vessel falls silent is ended by a later pass at its last
// report.
//
// Whether an episode is still going on is judged against the newest report the window holds (the window
// holds every vessel's reports up to it), not against the clock: a pass that reads a backlog in slices, or
// one after the feed stopped, never ends an episode the data does not show ended.
import {type StoredEpisode, saveEpisodes} from '../db/behaviour-episodes.js'
import {DATA_SOURCES, type BehaviourEventType, type DataSource} from '../db/schema.js'
import type {AnyDb} from '../db/transaction.js'
import {worstSource} from '../provenance.js'
import type {PositionWindow} from './types.js'

export const iso = (ms: number): string => new Date(ms).toISOString()

/** Time stamp seconds 62 (dead reckoning) and 63 (positioning inoperative): estimates, not fixes. */
export function isFixRow(w: PositionWindow, i: number): boolean {
  const s = w.second[i]
  return s !== 62 && s !== 63
}

/**
 * From when the window surely holds every report of vessel v: its look-back before the vessel's oldest
 * fresh report; for a vessel with no fresh report, its oldest report (nothing is known before it).
 */
export function coverageStart(w: PositionWindow, v: number, lookbackMs: number): number {
  const from = w.vesselStart[v]
  const to = w.vesselStart[v + 1]
  for (let i = from; i < to; i++) if (w.fresh[i] === 1) return Math.min(w.at[from], w.at[i] - lookbackMs)
  return from < to ? w.at[from] : Infinity
}

/** Whether any row of vessel v in [from, to] (indexes) is fresh. */
export function touchesFresh(w: PositionWindow, from: number, to: number): boolean {
  // From the newest: fresh rows are mostly a vessel's last ones.
  for (let i = to; i >= from; i--) if (w.fresh[i] === 1) return true
  return false
}

/** The newest report time of a vessel in the window (vessels are in MMSI order), or -Infinity when it has none. */
export function newestReportAt(w: PositionWindow, mmsi: number): number {
  let lo = 0
  let hi = w.vessels - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const m = w.vesselMmsi[mid]
    if (m === mmsi) return w.vesselStart[mid + 1] > w.vesselStart[mid] ? w.at[w.vesselStart[mid + 1] - 1] : -Infinity
    if (m < mmsi) lo = mid + 1
    else hi = mid - 1
  }
  return -Infinity
}

/** Sources as a bit set (one bit per DATA_SOURCES index): collected per row without allocating. */
export const sourceBit = (w: PositionWindow, i: number): number => 1 << w.source[i]

/** The least trustworthy source of a bit set. */
export function worstOfBits(bits: number): DataSource {
  const sources: DataSource[] = []
  for (let k = 0; k < DATA_SOURCES.length; k++) if (bits & (1 << k)) sources.push(DATA_SOURCES[k])
  return worstSource(sources)
}

const subjectKey = (mmsi: number, otherMmsi: number) => `${mmsi}:${otherMmsi}`

export interface LapsedEpisode<S> {
  mmsi: number
  otherMmsi: number
  startedAt: number
  lastAt: number
  state: S
}

/**
 * The stored episodes of one kind, read before a pass; what the pass changes of them is written by
 * `commit` in the pass's transaction. `S` is the detector's running figures (JSON).
 */
export class EpisodeBook<S extends object> {
  private readonly stored = new Map<string, StoredEpisode>()
  /** Subjects whose episodes this pass saw, each with the latest start seen. */
  private readonly seen = new Map<string, number>()
  private readonly open: StoredEpisode[] = []
  private readonly gone: Array<{mmsi: number; otherMmsi: number}> = []

  constructor(
    readonly kind: BehaviourEventType,
    stored: StoredEpisode[],
  ) {
    for (const e of stored) this.stored.set(subjectKey(e.mmsi, e.otherMmsi), e)
  }

  /**
   * The stored episode that a run first seen at `firstAt` (cut off by the window) continues: one that began
   * no later and reached to within `maxGapMs` before it.
   */
  continued(mmsi: number, otherMmsi: number, firstAt: number, maxGapMs: number): {startedAt: number; lastAt: number; state: S} | undefined {
    const e = this.stored.get(subjectKey(mmsi, otherMmsi))
    if (!e || e.startedAt > firstAt || e.lastAt < firstAt - maxGapMs) return undefined
    return {startedAt: e.startedAt, lastAt: e.lastAt, state: e.state as S}
  }

  /** Whether the episode that began at `startedAt` was going on when the last pass looked. */
  wasOpen(mmsi: number, otherMmsi: number, startedAt: number): boolean {
    return this.stored.get(subjectKey(mmsi, otherMmsi))?.startedAt === startedAt
  }

  /** This pass saw the subject's episode that began at `startedAt`: going on at its end (`state`), or over (null). */
  saw(mmsi: number, otherMmsi: number, startedAt: number, lastAt: number, state: S | null): void {
    const key = subjectKey(mmsi, otherMmsi)
    if (!this.seen.has(key) && this.stored.has(key)) this.gone.push({mmsi, otherMmsi})
    this.seen.set(key, Math.max(startedAt, this.seen.get(key) ?? -Infinity))
    if (state) this.open.push({kind: this.kind, mmsi, otherMmsi, startedAt, lastAt, state: state as Record<string, unknown>})
  }

  /**
   * Stored episodes this pass did not see that are over: their subject silent past `maxGapMs` before the
   * window's newest report (`until`), seen going on without them past it (`seenUntil`: the subject's newest
   * report in the window), or in a later episode. Each ended at its last report.
   */
  lapsed(until: number, maxGapMs: number, seenUntil: (mmsi: number, otherMmsi: number) => number): Array<LapsedEpisode<S>> {
    const out: Array<LapsedEpisode<S>> = []
    for (const [key, e] of this.stored) {
      const latest = this.seen.get(key)
      if (latest === e.startedAt) continue
      const later = latest !== undefined && latest > e.startedAt
      if (!later && until - e.lastAt <= maxGapMs && seenUntil(e.mmsi, e.otherMmsi) - e.lastAt <= maxGapMs) continue
      if (latest === undefined) this.gone.push({mmsi: e.mmsi, otherMmsi: e.otherMmsi})
      out.push({mmsi: e.mmsi, otherMmsi: e.otherMmsi, startedAt: e.startedAt, lastAt: e.lastAt, state: e.state as S})
    }
    return out
  }

  get openCount(): number {
    return this.open.length
  }

  /** Writes what changed (the subjects' stored episodes replaced by those going on); inside the pass's write transaction. */
  commit(db: AnyDb): Promise<void> {
    return saveEpisodes(db, this.kind, this.open, this.gone)
  }
}
