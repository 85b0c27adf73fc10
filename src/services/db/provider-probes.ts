// The health-check job's probe rows (provider_probes) on either database: stored once per run, read back
// for uptime and response times, and deleted past their retention by cleanup.
import {and, asc, gte, lt, sql} from 'drizzle-orm'

import type {Tables} from './client.js'
import {affectedRows, rawRows} from './query.js'
import {type AnyDb, write} from './transaction.js'

export type ProbeRow = Tables['providerProbes']['$inferSelect']
export type NewProbeRow = Tables['providerProbes']['$inferInsert']

/** Stores one run's probes. Joins the open write transaction, if any. */
export async function insertProbes(db: AnyDb, rows: NewProbeRow[]): Promise<void> {
  if (rows.length === 0) return
  await write(db, async () => {
    await db.orm.insert(db.t.providerProbes).values(rows)
  })
}

/** Every probe made at or after `since` (and not after `until`, when given), oldest first. */
export async function probesSince(db: AnyDb, since: number, until?: number): Promise<ProbeRow[]> {
  const {providerProbes} = db.t
  const when = until === undefined ? gte(providerProbes.probedAt, since) : and(gte(providerProbes.probedAt, since), lt(providerProbes.probedAt, until + 1))
  return db.orm.select().from(providerProbes).where(when).orderBy(asc(providerProbes.probedAt), asc(providerProbes.id))
}

/** Probes made before `before`. */
export async function deleteProbesBefore(db: AnyDb, before: number): Promise<number> {
  const {providerProbes} = db.t
  return affectedRows(await db.orm.delete(providerProbes).where(lt(providerProbes.probedAt, before)))
}

/** The database's probe: one round trip (a statement that reads nothing). */
export async function databaseRoundTrip(db: AnyDb): Promise<void> {
  await rawRows(db, sql`SELECT 1`)
}
