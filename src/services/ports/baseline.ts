// A port's own baseline of vessels waiting, which a persistent queue does not absorb: the median of its
// daily medians over the 28 days before the current spell above normal (the episode) began. Days spent
// mostly in earlier episodes stay out while enough normal days remain; an episode older than 28 days
// becomes, day by day, the new normal.
import {type CongestionLevel, dailyCoverage, type DailyMedian, type DayOfWaiting, storeDailyMedians, waitingBetween} from '../db/port-congestion.js'
import {type AnyDb, write} from '../db/transaction.js'
import {median} from './statistics.js'

export const DAY_MS = 86_400_000
export const BASELINE_DAYS = 28
/** Fewer daily medians than this make no baseline: the level is insufficient_history. */
export const BASELINE_MIN_DAYS = 3

export const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS

export interface Baseline {
  waiting: number | null
  /** Daily medians it is made of. */
  days: number
}

export function baselineOf(days: DayOfWaiting[], observedAt: number, episodeStartedAt: number | null): Baseline {
  const cutoff = dayStart(Math.max(episodeStartedAt ?? observedAt, observedAt - BASELINE_DAYS * DAY_MS))
  const inWindow = days.filter((d) => d.day < cutoff && d.day >= cutoff - BASELINE_DAYS * DAY_MS)
  const normal = inWindow.filter((d) => !d.episode)
  const chosen = normal.length >= BASELINE_MIN_DAYS ? normal : inWindow
  if (chosen.length < BASELINE_MIN_DAYS) return {waiting: null, days: chosen.length}
  return {waiting: median(chosen.map((d) => d.median)), days: chosen.length}
}

/** Where a count stands against its baseline; no baseline, no verdict. */
export function congestionLevel(waiting: number, baseline: number | null): CongestionLevel {
  if (baseline === null) return 'insufficient_history'
  const base = Math.max(baseline, 1)
  const ratio = waiting / base
  const excess = waiting - base
  if (ratio >= 3 && excess >= 5) return 'severe'
  if (ratio >= 2 && excess >= 3) return 'high'
  if (ratio >= 1.5 && excess >= 2) return 'elevated'
  return 'normal'
}

export const ABOVE_NORMAL: ReadonlySet<CongestionLevel> = new Set(['elevated', 'high', 'severe'])

/**
 * Computes the daily medians of the days that have ended since each port's last one (at most two baseline
 * windows back), from its snapshots with data; once per port and day with data.
 */
export async function updateDailyMedians(db: AnyDb, portIds: number[], observedAt: number): Promise<number> {
  const coverage = await dailyCoverage(db)
  const today = dayStart(observedAt)
  const earliest = today - 2 * BASELINE_DAYS * DAY_MS
  const rows: DailyMedian[] = []
  const fromByPort = new Map<number, number>()
  for (const portId of portIds) {
    const from = Math.max(earliest, (coverage.get(portId) ?? -Infinity) + DAY_MS)
    if (from < today) fromByPort.set(portId, from)
  }
  const samples = await waitingBetween(db, fromByPort, today)
  for (const portId of fromByPort.keys()) {
    const byDay = new Map<number, {waiting: number[]; episode: number}>()
    for (const s of samples.get(portId) ?? []) {
      const day = dayStart(s.observedAt)
      let entry = byDay.get(day)
      if (!entry) byDay.set(day, (entry = {waiting: [], episode: 0}))
      entry.waiting.push(s.waiting)
      entry.episode += s.inEpisode
    }
    // Only days with data are stored: a day without is looked for again next run, one indexed query that finds nothing.
    for (const [day, entry] of byDay) rows.push({portId, day, medianWaiting: median(entry.waiting), snapshots: entry.waiting.length, episodeSnapshots: entry.episode})
  }
  if (rows.length > 0) await write(db, () => storeDailyMedians(db, rows))
  return rows.length
}
