// What the health-check probes add up to, per target: uptime over 24 h and 7 d (probes that answered of
// those made; skipped ones count in neither), response-time percentiles, and the last probe.
import type {Context} from '../context.js'
import {type ProbeRow, probesSince} from '../db/provider-probes.js'

const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS

export interface ProbeStats {
  probes24h: number
  up24h: number
  probes7d: number
  up7d: number
  /** Response times of the probes that answered in the last 24 h, ms. */
  p50Ms: number | null
  p95Ms: number | null
  last: ProbeRow | null
}

/** The nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]
}

/** Uptime in percent with one decimal; null when nothing was probed. */
export function uptimePercent(up: number, probes: number): number | null {
  return probes === 0 ? null : Math.round((up / probes) * 1000) / 10
}

/** Each probed target's figures over the last 7 days. */
export async function probeStats(ctx: Context): Promise<Map<string, ProbeStats>> {
  const now = ctx.clock.now()
  const rows = await probesSince(ctx.db, now - WEEK_MS, now)
  const byTarget = new Map<string, {stats: ProbeStats; times: number[]}>()
  for (const row of rows) {
    let entry = byTarget.get(row.target)
    if (!entry) byTarget.set(row.target, (entry = {stats: {probes24h: 0, up24h: 0, probes7d: 0, up7d: 0, p50Ms: null, p95Ms: null, last: null}, times: []}))
    const s = entry.stats
    s.last = row
    if (row.status === 'skipped') continue
    const up = row.status === 'up'
    s.probes7d++
    if (up) s.up7d++
    // The last 24 h: a probe exactly a day old no longer counts.
    if (row.probedAt > now - DAY_MS) {
      s.probes24h++
      if (up) {
        s.up24h++
        if (row.responseMs !== null) entry.times.push(row.responseMs)
      }
    }
  }
  const out = new Map<string, ProbeStats>()
  for (const [target, {stats, times}] of byTarget) {
    times.sort((a, b) => a - b)
    const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10)
    out.set(target, {...stats, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), last: stats.last})
  }
  return out
}

/** Each target's last probe that was made (not skipped) in the last day. */
export async function lastProbes(ctx: Context): Promise<Map<string, ProbeRow>> {
  const now = ctx.clock.now()
  const out = new Map<string, ProbeRow>()
  for (const row of await probesSince(ctx.db, now - DAY_MS, now)) if (row.status !== 'skipped') out.set(row.target, row)
  return out
}
