// `providers status`: for each provider its last success and error, cache age, usage against its quota,
// and whether it is failed over (serving only fallbacks, and since when).
import type {ProviderStatus} from '../../schemas/providers.js'
import {cacheSummary} from '../cache/api-cache.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {providerState} from '../db/schema.js'
import {zoneOutlineDetails} from '../safety/storms.js'
import {fallbackOf} from './fallbacks.js'
import {PROVIDERS} from './registry.js'
import {checkQuota} from './usage.js'

export type {ProviderStatus} from '../../schemas/providers.js'


export async function providerStatuses(ctx: Context): Promise<ProviderStatus[]> {
  const now = ctx.clock.now()
  const states = new Map(ctx.db.orm.select().from(providerState).all().map((s) => [s.provider, s]))
  const caches = cacheSummary(ctx.db)
  const graceMs = ctx.config.providerFallbackGraceMinutes * 60_000
  const zoneDetails = await zoneOutlineDetails(ctx)
  return Object.values(PROVIDERS).map((info) => {
    const state = states.get(info.name)
    const cache = caches.get(info.name)
    const quota = checkQuota(ctx, info.name)
    const since = state?.fallbackSince ?? null
    const fallback = fallbackOf(since, now, graceMs)
    return {
      provider: info.name,
      description: info.description,
      last_success_at: iso(state?.lastSuccessAt),
      last_error_at: iso(state?.lastErrorAt),
      last_error: state?.lastError ?? null,
      last_source: state?.lastSource ?? null,
      cache_entries: cache?.entries ?? 0,
      cache_age_seconds: cache ? Math.round((now - cache.newestAt) / 1000) : null,
      usage: {used: quota.used, limit: quota.limit, window_resets_at: iso(quota.resetsAt), state: quota.state},
      failed_over: fallback.failed_over,
      failed_over_since: iso(since),
      degraded: fallback.degraded,
      ...(info.name === 'nws-zones' ? {details: zoneDetails} : {}),
    }
  })
}
