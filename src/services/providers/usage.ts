// Provider usage per quota window and where it stands: at 80 % a warning, at 95 % the dataset switches to its
// fallback when it has one, at 100 % the provider is not called until the window resets. The thresholds live
// here once: the quota monitor stores the verdict they give, and the call path reads that verdict.
import {type Quota, quotasOf} from '../config.js'
import type {Context} from '../context.js'
import {quotaVerdictOf, recordServed} from '../db/provider-state.js'
import {countRequest, requestsIn} from '../db/provider-usage.js'
import type {DataSource, QuotaMonitorState} from '../db/schema.js'

export type QuotaState = QuotaMonitorState | 'unlimited'

/** Each threshold, as a percentage of the quota, and the state it starts: the alert levels of the quota monitor. */
export const QUOTA_THRESHOLDS = [
  {percent: 80, state: 'warn'},
  {percent: 95, state: 'switch'},
  {percent: 100, state: 'blocked'},
] as const satisfies ReadonlyArray<{percent: number; state: QuotaMonitorState}>

export interface QuotaCheck {
  state: QuotaState
  used: number
  limit: number | null
  windowStart: number | null
  resetsAt: number | null
}

/** The share of a quota used, in percent (one decimal). */
export const percentUsed = (used: number, limit: number) => Math.round((used / limit) * 1000) / 10

/** The state `used` calls of `limit` put a provider in: the highest threshold reached. */
export function quotaStateOf(used: number, limit: number): QuotaMonitorState {
  let state: QuotaMonitorState = 'ok'
  for (const t of QUOTA_THRESHOLDS) if (used * 100 >= t.percent * limit) state = t.state
  return state
}

const SEVERITY: Record<QuotaState, number> = {unlimited: 0, ok: 0, warn: 1, switch: 2, blocked: 3}

/** The quota window holding `now`, UTC: [start, end). A month is the calendar month. */
export function quotaWindowOf(window: Quota['window'], now: number): {start: number; end: number} {
  if (window === 'month') {
    const d = new Date(now)
    return {start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)}
  }
  const ms = {minute: 60_000, hour: 3_600_000, day: 86_400_000}[window]
  const start = Math.floor(now / ms) * ms
  return {start, end: start + ms}
}

/** The provider's use of its quota in the current window, counted now. */
export async function checkQuota(ctx: Context, provider: string): Promise<QuotaCheck> {
  const quota = quotasOf(ctx.config).get(provider)
  if (!quota) {
    return {state: 'unlimited', used: await requestsIn(ctx.db, provider, null), limit: null, windowStart: null, resetsAt: null}
  }
  const window = quotaWindowOf(quota.window, ctx.clock.now())
  const used = await requestsIn(ctx.db, provider, window.start)
  return {state: quotaStateOf(used, quota.limit), used, limit: quota.limit, windowStart: window.start, resetsAt: window.end}
}

/**
 * What the call path obeys before a call: the quota monitor's stored verdict while it is about the current
 * window and the same limit, or the count now when that says worse (calls made since the monitor last ran).
 * A verdict about an earlier window is over: the window reset. A provider the monitor blocked is not counted
 * again: within a window its use only grows.
 */
export async function quotaGate(ctx: Context, provider: string): Promise<QuotaCheck> {
  const quota = quotasOf(ctx.config).get(provider)
  if (!quota) return checkQuota(ctx, provider)
  const window = quotaWindowOf(quota.window, ctx.clock.now())
  const stored = await quotaVerdictOf(ctx.db, provider)
  const verdict = stored && stored.windowStart === window.start && stored.limit === quota.limit ? stored : undefined
  if (verdict?.state === 'blocked') return {...verdict, limit: quota.limit}
  const counted = await checkQuota(ctx, provider)
  if (!verdict || SEVERITY[verdict.state] <= SEVERITY[counted.state]) return counted
  return {...verdict, used: Math.max(verdict.used, counted.used)}
}

/** Counts one call against the provider's current window (an hour window when it has no quota). */
export async function recordRequest(ctx: Context, provider: string): Promise<void> {
  const window = quotasOf(ctx.config).get(provider)?.window ?? 'hour'
  await countRequest(ctx.db, provider, quotaWindowOf(window, ctx.clock.now()).start)
}

/** Records how a dataset was served: live success clears the fallback clock, anything else starts it. */
export async function recordOutcome(ctx: Context, provider: string, outcome: {source: DataSource; error?: string}): Promise<void> {
  await recordServed(ctx.db, provider, outcome, ctx.clock.now())
}
