// Which providers are failed over (serving only fallbacks) and which for longer than the grace: what
// health reports, from the provider state alone.
import type {Context} from '../context.js'
import {fallbackSinceByProvider} from '../db/provider-state.js'
import {PROVIDERS} from './registry.js'

export interface ProviderFallback {
  provider: string
  failed_over: boolean
  /** Serving only fallbacks for longer than the grace. */
  degraded: boolean
}

export function fallbackOf(since: number | null, now: number, graceMs: number): Omit<ProviderFallback, 'provider'> {
  return {failed_over: since !== null, degraded: since !== null && now - since > graceMs}
}

export async function providerFallbacks(ctx: Context): Promise<ProviderFallback[]> {
  const now = ctx.clock.now()
  const states = await fallbackSinceByProvider(ctx.db)
  const graceMs = ctx.config.providerFallbackGraceMinutes * 60_000
  return Object.values(PROVIDERS).map((info) => ({provider: info.name, ...fallbackOf(states.get(info.name) ?? null, now, graceMs)}))
}
