// `providers status`: each outside provider's last success and error, cache, usage and failover.
import {z} from 'zod'

import {PROBE_STATUSES, QUOTA_MONITOR_STATES, STORM_ALERT_STATES} from '../services/db/schema.js'
import {count, dataSource, utcTime} from './common.js'

export const QUOTA_STATES = [...QUOTA_MONITOR_STATES, 'unlimited'] as const

export const zoneOutlineDetails = z.object({
  alerts_waiting: count,
  alerts_unplaceable: count,
  warnings_without_outline: z.array(
    z.object({
      event: z.string(),
      alert_id: z.string(),
      area: z.string().nullable(),
      state: z.enum(STORM_ALERT_STATES),
      zones_missing: count,
      zones_named: count,
      reason: z.string().nullable(),
      waiting_since: utcTime.nullable(),
      valid_to: utcTime.nullable(),
    }),
  ),
})
export type ZoneOutlineDetails = z.infer<typeof zoneOutlineDetails>

export const providerProbeFigures = z.object({
  enabled: z.boolean().describe('false when HARBORMASTER_PROBES_DISABLED names it'),
  last_probed_at: utcTime.nullable(),
  last_status: z.enum(PROBE_STATUSES).nullable(),
  last_error: z.string().nullable(),
  probes_24h: count.describe('probes made (not skipped) in the last 24 h'),
  uptime_24h_percent: z.number().min(0).max(100).nullable().describe('of the probes made in the last 24 h, the share that answered; null when none was made'),
  probes_7d: count,
  uptime_7d_percent: z.number().min(0).max(100).nullable(),
  response_ms_p50: z.number().nonnegative().nullable().describe('median response time of the probes that answered in the last 24 h'),
  response_ms_p95: z.number().nonnegative().nullable(),
})
export type ProviderProbeFigures = z.infer<typeof providerProbeFigures>

export const providerStatus = z.object({
  provider: z.string(),
  description: z.string(),
  last_success_at: utcTime.nullable(),
  last_error_at: utcTime.nullable(),
  last_error: z.string().nullable(),
  last_source: dataSource.nullable(),
  cache_entries: count,
  cache_age_seconds: count.nullable(),
  usage: z.object({used: count, limit: count.nullable(), window_resets_at: utcTime.nullable(), state: z.enum(QUOTA_STATES)}),
  failed_over: z.boolean().describe('its last answer was not live: it served the cache, the database or shipped data'),
  failed_over_since: utcTime.nullable(),
  degraded: z.boolean().describe('failed over for longer than HARBORMASTER_PROVIDER_FALLBACK_GRACE_MINUTES'),
  details: zoneOutlineDetails.optional().describe('nws-zones: the marine alerts waiting for zone outlines'),
  probes: providerProbeFigures.describe("the health-check job's probes of it (providers it cannot probe have none made)"),
})
export type ProviderStatus = z.infer<typeof providerStatus>
export const providerStatusList = z.object({providers: z.array(providerStatus)})

const month = z.string().regex(/^\d{4}-\d{2}$/).describe('a calendar month, UTC (YYYY-MM)')

/** `providers usage`: calls per provider and month, the closed months as quota-reset recorded them. */
export const providerUsageMonths = z.object({
  first_month: month.describe('the first month shown'),
  totals: z.array(
    z.object({
      month,
      provider: z.string(),
      requests: count,
      windows: count.describe('quota windows that counted calls in the month'),
      peak_window_requests: count.describe('the most calls in one of those windows'),
      quota: z.string().nullable().describe('the quota that applied (`N/minute|hour|day|month`), if any'),
      closed: z.boolean().describe('false: the month under way, counted so far'),
      closed_at: utcTime.nullable().describe('when quota-reset recorded the month'),
    }),
  ),
})
export type ProviderUsageMonths = z.infer<typeof providerUsageMonths>
