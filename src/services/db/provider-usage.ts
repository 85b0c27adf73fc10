// Calls made to each outside provider per quota window (provider_usage), on either database.
import {and, eq, gte, lt, sql} from 'drizzle-orm'

import {type AnyDb, write} from './transaction.js'

/** Calls counted for `provider` in the window starting at `windowStart`, or in every window (null). */
export async function requestsIn(db: AnyDb, provider: string, windowStart: number | null): Promise<number> {
  const {providerUsage} = db.t
  const [row] = await db.orm
    .select({requests: sql<number>`coalesce(sum(${providerUsage.requests}), 0)`.mapWith(Number)})
    .from(providerUsage)
    .where(windowStart === null ? eq(providerUsage.provider, provider) : and(eq(providerUsage.provider, provider), eq(providerUsage.windowStart, windowStart)))
  return row?.requests ?? 0
}

/** Counts one call in `provider`'s window starting at `windowStart` (one statement: concurrent callers add up). */
export async function countRequest(db: AnyDb, provider: string, windowStart: number): Promise<void> {
  const {providerUsage} = db.t
  await write(db, async () => {
    await db.orm
      .insert(providerUsage)
      .values({provider, windowStart, requests: 1})
      .onConflictDoUpdate({target: [providerUsage.provider, providerUsage.windowStart], set: {requests: sql`${providerUsage.requests} + 1`}})
  })
}

export interface UsageWindow {
  provider: string
  windowStart: number
  requests: number
}

/** The counted windows starting at or after `from` and before `until`. */
export async function usageWindowsBetween(db: AnyDb, from: number, until: number): Promise<UsageWindow[]> {
  const {providerUsage} = db.t
  return db.orm
    .select({provider: providerUsage.provider, windowStart: providerUsage.windowStart, requests: providerUsage.requests})
    .from(providerUsage)
    .where(and(gte(providerUsage.windowStart, from), lt(providerUsage.windowStart, until)))
}

/** When the earliest counted window starts (null: nothing counted). */
export async function earliestUsageWindow(db: AnyDb): Promise<number | null> {
  const {providerUsage} = db.t
  const [row] = await db.orm.select({start: sql<number | null>`min(${providerUsage.windowStart})`.mapWith(Number)}).from(providerUsage)
  return row?.start ?? null
}
