// Calls made to each outside provider per quota window (provider_usage), on either database.
import {and, eq, sql} from 'drizzle-orm'

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
