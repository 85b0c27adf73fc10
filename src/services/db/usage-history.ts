// What the daily usage report reads: the providers' request counts per window and the job runs started in a
// span of time, on either database.
import {and, gte, lt} from 'drizzle-orm'

import type {JobRun} from './schema.js'
import type {AnyDb} from './transaction.js'

export interface ProviderUsageRow {
  provider: string
  windowStart: number
  requests: number
}

/** Request counts of the windows starting at or after `since`. */
export async function providerUsageSince(db: AnyDb, since: number): Promise<ProviderUsageRow[]> {
  const {providerUsage} = db.t
  return db.orm
    .select({provider: providerUsage.provider, windowStart: providerUsage.windowStart, requests: providerUsage.requests})
    .from(providerUsage)
    .where(gte(providerUsage.windowStart, since))
}

/** Runs started at or after `from` and before `until` (or ever after, without it). */
export async function runsStartedBetween(db: AnyDb, from: number, until?: number): Promise<JobRun[]> {
  const {jobRuns} = db.t
  return db.orm
    .select()
    .from(jobRuns)
    .where(until === undefined ? gte(jobRuns.startedAt, from) : and(gte(jobRuns.startedAt, from), lt(jobRuns.startedAt, until)))
}
