// The outside providers harbormaster calls, what each serves, and its HTTP policy.
import type {Config} from '../config.js'
import type {HttpPolicy} from '../http/client.js'

export interface ProviderInfo {
  name: string
  description: string
  /** Which cache TTL applies to its answers. */
  ttl: 'ais' | 'weather' | 'ports' | 'static'
  /** Caps applied on top of the global settings (a zone outline never needs 15 s). */
  readTimeoutMs?: number
}

export const PROVIDERS: Record<string, ProviderInfo> = {
  nws: {name: 'nws', description: 'NWS active alerts (api.weather.gov)', ttl: 'weather'},
  'nws-zones': {name: 'nws-zones', description: 'NWS marine zone outlines', ttl: 'static', readTimeoutMs: 10_000},
  'open-meteo': {name: 'open-meteo', description: 'Open-Meteo marine wave heights at ports', ttl: 'weather'},
  aishub: {name: 'aishub', description: 'AISHub vessel positions', ttl: 'ais'},
  aisstream: {name: 'aisstream', description: 'aisstream.io vessel position stream', ttl: 'ais'},
  'nmea-tcp': {name: 'nmea-tcp', description: 'NMEA receiver feed over TCP', ttl: 'ais'},
  'nmea-udp': {name: 'nmea-udp', description: 'NMEA receiver datagrams over UDP', ttl: 'ais'},
  'nmea-file': {name: 'nmea-file', description: 'NMEA capture file', ttl: 'ais'},
  webhook: {name: 'webhook', description: "users' notification webhooks", ttl: 'weather', readTimeoutMs: 10_000},
}

/** Zone outlines change a few times a year. */
const STATIC_TTL_SECONDS = 7 * 86_400

export function ttlSeconds(config: Config, provider: string): number {
  const ttl = PROVIDERS[provider]?.ttl ?? 'weather'
  if (ttl === 'ais') return config.cacheTtlAisSeconds
  if (ttl === 'ports') return config.cacheTtlPortsSeconds
  if (ttl === 'static') return STATIC_TTL_SECONDS
  return config.cacheTtlWeatherSeconds
}

export function policyFor(config: Config, provider: string): HttpPolicy {
  const info = PROVIDERS[provider]
  return {
    provider,
    connectTimeoutMs: config.httpConnectTimeoutMs,
    readTimeoutMs: Math.min(config.httpTimeoutMs, info?.readTimeoutMs ?? Infinity),
    retries: config.httpRetries,
    maxBytes: config.httpMaxBytes,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    maxRetryAfterMs: config.httpMaxRetryAfterSeconds * 1000,
    deadlineMs: config.httpDeadlineMs,
  }
}

/** HARBORMASTER_PROBES_DISABLED as a set of provider names: the health-check job does not probe them. */
export function disabledProbes(config: Config): Set<string> {
  return new Set(config.probesDisabled.split(',').filter(Boolean))
}
