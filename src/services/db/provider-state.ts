// Provider state as health reads it: since when each provider has served only fallbacks.
import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import {providerState} from './schema.js'

/** Per provider with a state row: when it started serving only fallbacks (null: it is not failed over). */
export function fallbackSinceByProvider(db: Db): Map<string, number | null> {
  const rows = preparedOnce(db, 'provider-state:fallback-since', () =>
    db.orm.select({provider: providerState.provider, since: providerState.fallbackSince}).from(providerState).prepare(),
  ).all()
  return new Map(rows.map((r) => [r.provider, r.since]))
}
