// The TTL cache of outside answers (api_cache) on either database: one entry per request key, what a
// provider's entries are and weigh, and the expired ones purged.
import {count, desc, eq, lt, max, sql} from 'drizzle-orm'

import {affectedRows} from './query.js'
import {type AnyDb, write} from './transaction.js'

export interface CacheEntry {
  key: string
  provider: string
  payload: string
  fetchedAt: number
  ttlSeconds: number
}

export async function readCache(db: AnyDb, key: string): Promise<CacheEntry | undefined> {
  const {apiCache} = db.t
  const [row] = await db.orm.select().from(apiCache).where(eq(apiCache.key, key)).limit(1)
  return row ? {key: row.key, provider: row.source, payload: row.payload, fetchedAt: row.fetchedAt, ttlSeconds: row.ttlSeconds} : undefined
}

/** A provider's entries, newest first, with their size (characters) instead of their payload. */
export async function entriesOf(db: AnyDb, provider: string): Promise<Array<Omit<CacheEntry, 'payload'> & {bytes: number}>> {
  const {apiCache} = db.t
  return db.orm
    .select({
      key: apiCache.key,
      provider: apiCache.source,
      fetchedAt: apiCache.fetchedAt,
      ttlSeconds: apiCache.ttlSeconds,
      bytes: sql<number>`length(${apiCache.payload})`.mapWith(Number),
    })
    .from(apiCache)
    .where(eq(apiCache.source, provider))
    .orderBy(desc(apiCache.fetchedAt), apiCache.key)
}

/** Stores an answer under its key, replacing what was there. */
export async function writeCache(db: AnyDb, entry: CacheEntry): Promise<void> {
  const {apiCache} = db.t
  const stored = {source: entry.provider, payload: entry.payload, fetchedAt: entry.fetchedAt, ttlSeconds: entry.ttlSeconds}
  await write(db, async () => {
    await db.orm
      .insert(apiCache)
      .values({key: entry.key, ...stored})
      .onConflictDoUpdate({target: apiCache.key, set: stored})
  })
}

/** Per provider: entries held and when the newest was fetched. */
export async function cacheSummary(db: AnyDb): Promise<Map<string, {entries: number; newestAt: number}>> {
  const {apiCache} = db.t
  const rows = await db.orm
    .select({provider: apiCache.source, entries: count(), newestAt: max(apiCache.fetchedAt)})
    .from(apiCache)
    .groupBy(apiCache.source)
  return new Map(rows.map((r) => [r.provider, {entries: r.entries, newestAt: Number(r.newestAt)}]))
}

/** Deletes entries expired for longer than `graceMs` (stale entries are kept a while as a fallback); returns how many. */
export async function purgeExpired(db: AnyDb, now: number, graceMs: number): Promise<number> {
  const {apiCache} = db.t
  return write(db, async () =>
    affectedRows(await db.orm.delete(apiCache).where(lt(sql`${apiCache.fetchedAt} + ${apiCache.ttlSeconds} * 1000 + ${graceMs}`, now))),
  )
}
