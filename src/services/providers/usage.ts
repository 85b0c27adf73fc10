// Provider usage per quota window and provider state: at 80 % of a quota a warning, at 95 % the dataset
// switches to its fallback when it has one, at 100 % the provider is not called until the window resets.
import {type Quota, quotasOf} from '../config.js'
import type {Context} from '../context.js'
import {recordServed} from '../db/provider-state.js'
import {countRequest, requestsIn} from '../db/provider-usage.js'
import type {DataSource} from '../db/schema.js'

export type QuotaState = 'ok' | 'warn' | 'switch' | 'blocked' | 'unlimited'

export interface QuotaCheck {
  state: QuotaState
  used: number
  limit: number | null
  windowStart: number | null
  resetsAt: number | null
}

const windowOf = (quota: Quota, now: number) => Math.floor(now / quota.windowMs) * quota.windowMs

export async function checkQuota(ctx: Context, provider: string): Promise<QuotaCheck> {
  const quota = quotasOf(ctx.config).get(provider)
  const now = ctx.clock.now()
  if (!quota) {
    return {state: 'unlimited', used: await requestsIn(ctx.db, provider, null), limit: null, windowStart: null, resetsAt: null}
  }
  const windowStart = windowOf(quota, now)
  const used = await requestsIn(ctx.db, provider, windowStart)
  const share = used / quota.limit
  const state: QuotaState = share >= 1 ? 'blocked' : share >= 0.95 ? 'switch' : share >= 0.8 ? 'warn' : 'ok'
  return {state, used, limit: quota.limit, windowStart, resetsAt: windowStart + quota.windowMs}
}

/** Counts one call against the provider's current window (an hour window when it has no quota). */
export async function recordRequest(ctx: Context, provider: string): Promise<void> {
  const quota = quotasOf(ctx.config).get(provider) ?? {limit: Infinity, windowMs: 3_600_000}
  await countRequest(ctx.db, provider, windowOf(quota, ctx.clock.now()))
}

/** Records how a dataset was served: live success clears the fallback clock, anything else starts it. */
export async function recordOutcome(ctx: Context, provider: string, outcome: {source: DataSource; error?: string}): Promise<void> {
  await recordServed(ctx.db, provider, outcome, ctx.clock.now())
}
