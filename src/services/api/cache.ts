// GET /api/cache/<source>/: what the TTL cache holds for a provider, how old and how big (never the payloads).
import {z} from 'zod'

import {entriesOf, isFresh} from '../cache/api-cache.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {PROVIDERS} from '../providers/registry.js'
import {requireRole} from './auth.js'
import type {ResourceRoutes} from './plugin.js'
import {utcTime} from './schemas.js'

export const cacheEntriesSchema = z.object({
  source: z.string(),
  entries: z.array(
    z.object({
      key: z.string(),
      fetched_at: utcTime,
      ttl_seconds: z.number().int(),
      age_seconds: z.number().int(),
      fresh: z.boolean(),
      bytes: z.number().int(),
    }),
  ),
})
export type CacheEntries = z.infer<typeof cacheEntriesSchema>

export async function cacheEntries(ctx: Context, provider: string): Promise<CacheEntries> {
  const now = ctx.clock.now()
  return {
    source: provider,
    entries: (await entriesOf(ctx.db, provider)).map((e) => ({
      key: e.key,
      fetched_at: iso(e.fetchedAt) as string,
      ttl_seconds: e.ttlSeconds,
      age_seconds: Math.round((now - e.fetchedAt) / 1000),
      fresh: isFresh(e, now),
      bytes: e.bytes,
    })),
  }
}

export const cacheRoutes: ResourceRoutes = async (api, {ctx}) => {
  const params = z.object({source: z.enum(Object.keys(PROVIDERS) as [string, ...string[]])})
  api.get('/api/cache/:source/', {preHandler: requireRole(ctx, 'VIEWER'), schema: {params, response: {200: cacheEntriesSchema}}}, async (req) =>
    cacheEntries(ctx, req.params.source),
  )
}
