// Provider usage per quota window and provider state: at 80 % of a quota a warning, at 95 % the dataset
// switches to its fallback when it has one, at 100 % the provider is not called until the window resets.
import {and, eq, sql} from 'drizzle-orm'

import {type Quota, quotasOf} from '../config.js'
import type {Context} from '../context.js'
import {writeTransaction} from '../db/client.js'
import {type DataSource, providerState, providerUsage} from '../db/schema.js'

export type QuotaState = 'ok' | 'warn' | 'switch' | 'blocked' | 'unlimited'

export interface QuotaCheck {
  state: QuotaState
  used: number
  limit: number | null
  windowStart: number | null
  resetsAt: number | null
}

const windowOf = (quota: Quota, now: number) => Math.floor(now / quota.windowMs) * quota.windowMs

export function checkQuota(ctx: Context, provider: string): QuotaCheck {
  const quota = quotasOf(ctx.config).get(provider)
  const now = ctx.clock.now()
  if (!quota) {
    return {state: 'unlimited', used: usedIn(ctx, provider, null), limit: null, windowStart: null, resetsAt: null}
  }
  const windowStart = windowOf(quota, now)
  const used = usedIn(ctx, provider, windowStart)
  const share = used / quota.limit
  const state: QuotaState = share >= 1 ? 'blocked' : share >= 0.95 ? 'switch' : share >= 0.8 ? 'warn' : 'ok'
  return {state, used, limit: quota.limit, windowStart, resetsAt: windowStart + quota.windowMs}
}

function usedIn(ctx: Context, provider: string, windowStart: number | null): number {
  const row = ctx.db.orm
    .select({requests: sql<number>`coalesce(sum(${providerUsage.requests}), 0)`})
    .from(providerUsage)
    .where(windowStart === null ? eq(providerUsage.provider, provider) : and(eq(providerUsage.provider, provider), eq(providerUsage.windowStart, windowStart)))
    .get()
  return row?.requests ?? 0
}

/** Counts one call against the provider's current window (an hour window when it has no quota). */
export function recordRequest(ctx: Context, provider: string): void {
  const quota = quotasOf(ctx.config).get(provider) ?? {limit: Infinity, windowMs: 3_600_000}
  const windowStart = windowOf(quota, ctx.clock.now())
  writeTransaction(ctx.db, () => {
    ctx.db.orm
      .insert(providerUsage)
      .values({provider, windowStart, requests: 1})
      .onConflictDoUpdate({target: [providerUsage.provider, providerUsage.windowStart], set: {requests: sql`${providerUsage.requests} + 1`}})
      .run()
  })
}

/** Records how a dataset was served: live success clears the fallback clock, anything else starts it. */
export function recordOutcome(ctx: Context, provider: string, outcome: {source: DataSource; error?: string}): void {
  const now = ctx.clock.now()
  writeTransaction(ctx.db, () => {
    const existing = ctx.db.orm.select().from(providerState).where(eq(providerState.provider, provider)).get()
    const live = outcome.source === 'live'
    const next = {
      provider,
      lastSuccessAt: live ? now : (existing?.lastSuccessAt ?? null),
      lastErrorAt: outcome.error ? now : (existing?.lastErrorAt ?? null),
      lastError: outcome.error ?? existing?.lastError ?? null,
      fallbackSince: live ? null : (existing?.fallbackSince ?? now),
      lastSource: outcome.source,
      updatedAt: now,
    }
    ctx.db.orm.insert(providerState).values(next).onConflictDoUpdate({target: providerState.provider, set: next}).run()
  })
}
