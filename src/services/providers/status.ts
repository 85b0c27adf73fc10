// `providers status`: for each provider its last success and error, cache age, usage against its quota,
// and whether it is failed over (serving only fallbacks, or kept on them by the quota monitor, and since when).
import type {ProviderProbeFigures, ProviderStatus} from '../../schemas/providers.js'
import {cacheSummary} from '../cache/api-cache.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {failedOverSince, providerStates} from '../db/provider-state.js'
import {zoneOutlineDetails} from '../safety/storms.js'
import {fallbackOf} from './fallbacks.js'
import {type ProbeStats, probeStats, uptimePercent} from './probe-stats.js'
import {disabledProbes, PROVIDERS} from './registry.js'
import {quotaGate} from './usage.js'

export type {ProviderStatus} from '../../schemas/providers.js'

/** A provider's state in one word, worst first: what `providers status` and the report show. */
export type ProviderCondition = 'degraded' | 'failed_over' | 'partly_failing' | 'ok' | 'unused'

export function providerCondition(s: ProviderStatus): ProviderCondition {
  if (s.degraded) return 'degraded'
  if (s.failed_over) return 'failed_over'
  if (s.last_success_at && s.last_error_at && s.last_error_at >= s.last_success_at) return 'partly_failing'
  return s.last_success_at ? 'ok' : 'unused'
}


export async function providerStatuses(ctx: Context): Promise<ProviderStatus[]> {
  const now = ctx.clock.now()
  const states = new Map((await providerStates(ctx.db)).map((s) => [s.provider, s]))
  const caches = await cacheSummary(ctx.db)
  const graceMs = ctx.config.providerFallbackGraceMinutes * 60_000
  const zoneDetails = await zoneOutlineDetails(ctx)
  const probes = await probeStats(ctx)
  const disabled = disabledProbes(ctx.config)
  const statuses: ProviderStatus[] = []
  for (const info of Object.values(PROVIDERS)) {
    const state = states.get(info.name)
    const cache = caches.get(info.name)
    const quota = await quotaGate(ctx, info.name)
    const since = state ? failedOverSince(state.fallbackSince, state.quotaFailoverSince) : null
    const fallback = fallbackOf(since, now, graceMs)
    statuses.push({
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
      probes: probeFigures(probes.get(info.name), !disabled.has(info.name)),
    })
  }
  return statuses
}

function probeFigures(stats: ProbeStats | undefined, enabled: boolean): ProviderProbeFigures {
  return {
    enabled,
    last_probed_at: iso(stats?.last?.probedAt),
    last_status: stats?.last?.status ?? null,
    last_error: stats?.last?.error ?? null,
    probes_24h: stats?.probes24h ?? 0,
    uptime_24h_percent: uptimePercent(stats?.up24h ?? 0, stats?.probes24h ?? 0),
    probes_7d: stats?.probes7d ?? 0,
    uptime_7d_percent: uptimePercent(stats?.up7d ?? 0, stats?.probes7d ?? 0),
    response_ms_p50: stats?.p50Ms ?? null,
    response_ms_p95: stats?.p95Ms ?? null,
  }
}
