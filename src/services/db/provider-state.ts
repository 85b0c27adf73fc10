// Provider state (provider_state), on either database: since when each provider has served only fallbacks
// (what health reads), each provider's last success and failure, and how a dataset was last served.
import {eq, sql} from 'drizzle-orm'

import type {Tables} from './client.js'
import type {DataSource, QuotaMonitorState} from './schema.js'
import {preparedOnce} from './prepared.js'
import {type AnyDb, write} from './transaction.js'

export type ProviderState = Tables['providerState']['$inferSelect']

/**
 * Per provider with a state row: when it started serving only fallbacks, after a failed call or kept there by
 * the quota monitor, whichever began first (null: it is not failed over).
 */
export async function fallbackSinceByProvider(db: AnyDb): Promise<Map<string, number | null>> {
  const {providerState} = db.t
  const query = () =>
    db.orm.select({provider: providerState.provider, since: providerState.fallbackSince, quotaSince: providerState.quotaFailoverSince}).from(providerState)
  // Health asks on every check: on SQLite the statement is built once per connection.
  const rows = db.dialect === 'sqlite' ? preparedOnce(db, 'provider-state:fallback-since', () => query().prepare()).all() : await query()
  return new Map(rows.map((r) => [r.provider, failedOverSince(r.since, r.quotaSince)]))
}

/** The earlier of the two failover clocks, either of which may be stopped (null). */
export function failedOverSince(fallbackSince: number | null, quotaFailoverSince: number | null): number | null {
  if (fallbackSince === null) return quotaFailoverSince
  return quotaFailoverSince === null ? fallbackSince : Math.min(fallbackSince, quotaFailoverSince)
}

/** Every provider's state row. */
export async function providerStates(db: AnyDb): Promise<ProviderState[]> {
  return db.orm.select().from(db.t.providerState)
}

export interface ServedOutcome {
  source: DataSource
  error?: string
}

/**
 * Records how `provider` served a dataset at `now`: a live answer is its last success and clears the fallback
 * clock; any other starts the clock unless it runs already; an error is its last error. One statement, so
 * concurrent recorders (several hosts) never undo each other's clock.
 */
export async function recordServed(db: AnyDb, provider: string, outcome: ServedOutcome, now: number): Promise<void> {
  const {providerState} = db.t
  const live = outcome.source === 'live'
  const error = outcome.error ? {lastErrorAt: now, lastError: outcome.error} : {}
  await write(db, async () => {
    await db.orm
      .insert(providerState)
      .values({
        provider,
        lastSuccessAt: live ? now : null,
        lastErrorAt: null,
        lastError: null,
        ...error,
        fallbackSince: live ? null : now,
        lastSource: outcome.source,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: providerState.provider,
        set: {
          ...(live ? {lastSuccessAt: now, fallbackSince: null} : {fallbackSince: sql`coalesce(${providerState.fallbackSince}, ${now})`}),
          ...error,
          lastSource: outcome.source,
          updatedAt: now,
        },
      })
  })
}

/** The quota monitor's verdict on a provider's current window. */
export interface QuotaVerdict {
  state: QuotaMonitorState
  windowStart: number
  resetsAt: number
  used: number
  limit: number
}

/** The quota monitor's stored verdict on each provider it has judged. */
export async function quotaVerdicts(db: AnyDb): Promise<Map<string, QuotaVerdict>> {
  const {providerState: p} = db.t
  const rows = await db.orm
    .select({provider: p.provider, state: p.quotaState, windowStart: p.quotaWindowStart, resetsAt: p.quotaResetsAt, used: p.quotaUsed, limit: p.quotaLimit})
    .from(p)
  const out = new Map<string, QuotaVerdict>()
  for (const r of rows) {
    if (r.state === null || r.windowStart === null || r.resetsAt === null || r.used === null || r.limit === null) continue
    out.set(r.provider, {state: r.state, windowStart: r.windowStart, resetsAt: r.resetsAt, used: r.used, limit: r.limit})
  }
  return out
}

/** The stored verdict on one provider (what the call path reads before each call), or undefined. */
export async function quotaVerdictOf(db: AnyDb, provider: string): Promise<QuotaVerdict | undefined> {
  const {providerState: p} = db.t
  const [r] = await db.orm
    .select({state: p.quotaState, windowStart: p.quotaWindowStart, resetsAt: p.quotaResetsAt, used: p.quotaUsed, limit: p.quotaLimit})
    .from(p)
    .where(eq(p.provider, provider))
  if (!r || r.state === null || r.windowStart === null || r.resetsAt === null || r.used === null || r.limit === null) return undefined
  return {state: r.state, windowStart: r.windowStart, resetsAt: r.resetsAt, used: r.used, limit: r.limit}
}

const onFallback = (state: QuotaMonitorState) => state === 'switch' || state === 'blocked'

/**
 * Stores the monitor's verdict on `provider` at `now`. On the fallback (switch, blocked) the quota failover
 * clock starts unless it runs already. Off it, the failover is lifted: its clock stops, and so does the
 * fallback clock when that started with or after the quota failover (those fallbacks were the quota's doing;
 * a clock started earlier by a failing call runs on until a live answer). One statement, like recordServed.
 */
export async function recordQuotaVerdict(db: AnyDb, provider: string, verdict: QuotaVerdict | null, now: number): Promise<void> {
  const {providerState: p} = db.t
  const values = verdict
    ? {quotaState: verdict.state, quotaWindowStart: verdict.windowStart, quotaResetsAt: verdict.resetsAt, quotaUsed: verdict.used, quotaLimit: verdict.limit}
    : {quotaState: null, quotaWindowStart: null, quotaResetsAt: null, quotaUsed: null, quotaLimit: null}
  const failover = verdict !== null && onFallback(verdict.state)
  const lifted = sql`case when ${p.quotaFailoverSince} is not null and ${p.fallbackSince} >= ${p.quotaFailoverSince} then null else ${p.fallbackSince} end`
  await write(db, async () => {
    await db.orm
      .insert(p)
      .values({provider, ...values, quotaFailoverSince: failover ? now : null, updatedAt: now})
      .onConflictDoUpdate({
        target: p.provider,
        set: failover
          ? {...values, quotaFailoverSince: sql`coalesce(${p.quotaFailoverSince}, ${now})`, updatedAt: now}
          : {...values, fallbackSince: lifted, quotaFailoverSince: null, updatedAt: now},
      })
  })
}
