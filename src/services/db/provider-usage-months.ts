// Each provider's calls per calendar month (provider_usage_months), on either database: recorded once when
// the month is closed, kept after the per-window counts are gone.
import {desc, gte, max} from 'drizzle-orm'

import type {Tables} from './client.js'
import {type AnyDb, write} from './transaction.js'

export type ProviderUsageMonth = Tables['providerUsageMonths']['$inferSelect']

/** The start of the latest month closed for any provider (null: none closed yet). */
export async function latestClosedMonth(db: AnyDb): Promise<number | null> {
  const {providerUsageMonths: m} = db.t
  const [row] = await db.orm.select({start: max(m.monthStart)}).from(m)
  return row?.start === null || row?.start === undefined ? null : Number(row.start)
}

/**
 * Records months' totals; a provider's month recorded already is kept as it was (a second close finds the
 * same or, after cleanup, fewer counted windows). Returns how many were new.
 */
export async function recordMonthTotals(db: AnyDb, rows: ProviderUsageMonth[]): Promise<number> {
  if (rows.length === 0) return 0
  const {providerUsageMonths: m} = db.t
  return write(db, async () => {
    const inserted = await db.orm.insert(m).values(rows).onConflictDoNothing({target: [m.provider, m.monthStart]}).returning({provider: m.provider})
    return inserted.length
  })
}

/** The months closed since `since` (a month start), newest first, then by provider. */
export async function monthTotalsSince(db: AnyDb, since: number): Promise<ProviderUsageMonth[]> {
  const {providerUsageMonths: m} = db.t
  return db.orm.select().from(m).where(gte(m.monthStart, since)).orderBy(desc(m.monthStart), m.provider)
}
