// Provider state (provider_state), on either database: since when each provider has served only fallbacks
// (what health reads), each provider's last success and failure, and how a dataset was last served.
import {sql} from 'drizzle-orm'

import type {Tables} from './client.js'
import type {DataSource} from './schema.js'
import {preparedOnce} from './prepared.js'
import {type AnyDb, write} from './transaction.js'

export type ProviderState = Tables['providerState']['$inferSelect']

/** Per provider with a state row: when it started serving only fallbacks (null: it is not failed over). */
export async function fallbackSinceByProvider(db: AnyDb): Promise<Map<string, number | null>> {
  const {providerState} = db.t
  const query = () => db.orm.select({provider: providerState.provider, since: providerState.fallbackSince}).from(providerState)
  // Health asks on every check: on SQLite the statement is built once per connection.
  const rows = db.dialect === 'sqlite' ? preparedOnce(db, 'provider-state:fallback-since', () => query().prepare()).all() : await query()
  return new Map(rows.map((r) => [r.provider, r.since]))
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
