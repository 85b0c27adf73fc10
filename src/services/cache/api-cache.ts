// The TTL cache of outside answers (api_cache): a fresh entry is served without a call, a stale one when
// the call fails, and only a good answer ever replaces an entry.
import {desc, eq, lt, sql} from 'drizzle-orm'

import {type Db, writeTransaction} from '../db/client.js'
import {apiCache} from '../db/schema.js'

export interface CacheEntry {
  key: string
  provider: string
  payload: string
  fetchedAt: number
  ttlSeconds: number
}

export function readCache(db: Db, key: string): CacheEntry | undefined {
  const row = db.orm.select().from(apiCache).where(eq(apiCache.key, key)).get()
  return row ? {key: row.key, provider: row.source, payload: row.payload, fetchedAt: row.fetchedAt, ttlSeconds: row.ttlSeconds} : undefined
}

/** A provider's entries, newest first, with their size instead of their payload. */
export function entriesOf(db: Db, provider: string): Array<Omit<CacheEntry, 'payload'> & {bytes: number}> {
  return db.orm
    .select({key: apiCache.key, provider: apiCache.source, fetchedAt: apiCache.fetchedAt, ttlSeconds: apiCache.ttlSeconds, bytes: sql<number>`length(${apiCache.payload})`})
    .from(apiCache)
    .where(eq(apiCache.source, provider))
    .orderBy(desc(apiCache.fetchedAt))
    .all()
}

export function isFresh(entry: Pick<CacheEntry, 'fetchedAt' | 'ttlSeconds'>, now: number): boolean {
  return entry.fetchedAt + entry.ttlSeconds * 1000 > now
}

export function writeCache(db: Db, entry: CacheEntry): void {
  writeTransaction(db, () => {
    db.orm
      .insert(apiCache)
      .values({key: entry.key, source: entry.provider, payload: entry.payload, fetchedAt: entry.fetchedAt, ttlSeconds: entry.ttlSeconds})
      .onConflictDoUpdate({
        target: apiCache.key,
        set: {source: entry.provider, payload: entry.payload, fetchedAt: entry.fetchedAt, ttlSeconds: entry.ttlSeconds},
      })
      .run()
  })
}

/** Per provider: entries held and the age of the newest, for `providers status`. */
export function cacheSummary(db: Db): Map<string, {entries: number; newestAt: number}> {
  const rows = db.orm
    .select({provider: apiCache.source, entries: sql<number>`count(*)`, newestAt: sql<number>`max(${apiCache.fetchedAt})`})
    .from(apiCache)
    .groupBy(apiCache.source)
    .all()
  return new Map(rows.map((r) => [r.provider, {entries: r.entries, newestAt: r.newestAt}]))
}

/** Deletes entries expired for longer than `graceMs` (stale entries are kept a while as a fallback). */
export function purgeExpired(db: Db, now: number, graceMs: number): number {
  return writeTransaction(db, () => db.orm.delete(apiCache).where(lt(sql`${apiCache.fetchedAt} + ${apiCache.ttlSeconds} * 1000 + ${graceMs}`, now)).run().changes)
}
