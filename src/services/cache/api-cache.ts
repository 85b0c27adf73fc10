// The TTL cache of outside answers (api_cache): a fresh entry is served without a call, a stale one when
// the call fails, and only a good answer ever replaces an entry. The entries live in the database
// (db/api-cache.ts); what makes one fresh is decided here.
export {cacheSummary, type CacheEntry, entriesOf, purgeExpired, readCache, writeCache} from '../db/api-cache.js'

import type {CacheEntry} from '../db/api-cache.js'

export function isFresh(entry: Pick<CacheEntry, 'fetchedAt' | 'ttlSeconds'>, now: number): boolean {
  return entry.fetchedAt + entry.ttlSeconds * 1000 > now
}
