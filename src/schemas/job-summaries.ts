// Each job's summary as its own type: what the job returns, what job_runs stores, what run-background-jobs,
// `jobs run`, `jobs history` and the HTTP API show. The services return these types; nothing erases them.
import {z} from 'zod'

import {BEHAVIOUR_EVENT_TYPES, CONGESTION_LEVELS, PROBE_STATUSES, SEVERITIES} from '../services/db/schema.js'
import type {RecordedJobName} from '../services/jobs/names.js'
import {EXCLUSION_REASONS, PIRACY_TYPES} from '../services/piracy/incident-types.js'
import {count, countsByName, dataSource, utcTime} from './common.js'
import {maintenanceStep} from './maintenance.js'
import {QUOTA_STATES} from './providers.js'

/** An object with a count under each of `keys`. */
function tally<const K extends readonly string[]>(keys: K) {
  return z.object(Object.fromEntries(keys.map((k) => [k, count]))) as unknown as z.ZodObject<{[P in K[number]]: typeof count}>
}

/** What every job's summary has: `success`, and `stopped` when it ended early on a stop request. */
const jobSummaryBase = z.object({
  success: z.boolean(),
  stopped: z.literal(true).optional().describe('the job ended early on its stop request (timeout, signal, pause); the counters say what it did by then'),
})

export const vesselsJobSummary = jobSummaryBase.extend({
  vessels_updated: count,
  errors_count: count,
  source: dataSource,
  provider: z.string().describe('the AIS source that served: sample, nmea-file, nmea-tcp, nmea-udp, aisstream, aishub, or database'),
  observed_at: utcTime.nullable(),
  positions_stored: count,
  duplicates: count,
  messages: count,
  rejected_by_reason: countsByName,
  positions_held: count.describe('reports held back by the track rule until reports that agree with them arrive'),
  track_moves: count.describe('vessels whose track moved to a run of agreeing reports'),
  estimated_positions: count.describe('dead-reckoned or positioning-inoperative reports (time stamp 62/63)'),
  distress: tally(['raised', 'ongoing', 'tests', 'notifications']),
  fallback_reason: z.string().optional(),
})
export type VesselsJobSummary = z.infer<typeof vesselsJobSummary>

export const stopTrackingSummary = tally(['positions_new', 'positions_read', 'positions_not_fixes', 'positions_out_of_order', 'stops_started', 'stops_ended', 'stops_open'])
export type StopTrackingSummary = z.infer<typeof stopTrackingSummary>

export const learnedCells = z.object({
  ran: z.boolean().describe('false when the last learning was less than a day ago'),
  cells_learned: count,
  cells_without_port: count,
})
export type LearnedCells = z.infer<typeof learnedCells>

export const portsJobSummary = jobSummaryBase.extend({
  ports_updated: count,
  errors_count: count,
  ports_with_data: count,
  ports_no_data: count,
  vessels_in_ports: count,
  source: dataSource,
  observed_at: utcTime.nullable(),
  levels: tally(CONGESTION_LEVELS),
  stops: stopTrackingSummary.optional(),
  area_cells: z.object({shipped: count, learned: count, learned_this_run: learnedCells}).optional(),
  timings_ms: z.record(z.string(), z.number().nonnegative()).optional().describe('where the run spent its time, by phase'),
})
export type PortsJobSummary = z.infer<typeof portsJobSummary>

export const zoneWrite = tally(['created', 'updated', 'unchanged', 'deactivated', 'untouched'])
export type ZoneWrite = z.infer<typeof zoneWrite>

const zoneRefreshBase = zoneWrite.extend({
  source: dataSource,
  observed_at: utcTime.nullable(),
  fallback_reason: z.string().optional(),
})

export const outlineStats = z.object({
  named: count.describe('distinct zones named by the alerts that needed outlines'),
  from_cache: count.describe('outlines the cache held within their time to live: no request'),
  fetched: count,
  stale: count.describe('outlines past their time to live, served from the cache because the call failed or the budget was spent'),
  failed: count.describe('zones whose call failed (a stale outline may still have served)'),
  deferred: count.describe('zones not asked this run: the budget was spent (or the run was stopped)'),
  requests: count.describe('network requests made, retries included: what the budget counts'),
  budget: count,
})
export type OutlineStats = z.infer<typeof outlineStats>

export const pendingAlertCounts = tally(['waiting', 'unplaceable', 'completed', 'expired', 'withdrawn'])

export const stormRefresh = zoneRefreshBase.extend({
  age_seconds: count.optional().describe('age of the NWS answer served (0 when live)'),
  attempts: count,
  retries: count,
  held: count.optional().describe('storm zones kept from the last good answer (fallback)'),
  with_polygon: count,
  outlined_from_zones: count,
  without_geometry: count.describe('alerts in force with no outline at all this run (waiting or unplaceable)'),
  upcoming: count.describe('stored with an onset still to come: no vessel events until it begins'),
  ended: count.describe('alerts whose end has passed: not zones; their zones made inactive'),
  zone_outlines: outlineStats,
  pending_alerts: pendingAlertCounts,
  warnings_without_geometry: z
    .array(z.object({event: z.string(), alerts: count}))
    .describe('warning-level alerts in force without their outline (or part of it), by event, most severe first'),
  marine_alerts: count,
  rejected: count.describe('alerts that could not be read (wrong shape, unreadable times or geometry)'),
})
export type StormRefresh = z.infer<typeof stormRefresh>

export const piracyBuildSummary = z.object({
  incidents: count,
  incidents_rejected: count,
  duplicates: count,
  piracy_incidents: count,
  piracy_by_type: tally(PIRACY_TYPES),
  excluded: count,
  excluded_by_reason: tally(EXCLUSION_REASONS),
  newest_incident_at: utcTime.nullable(),
  zones: count,
  zones_by_severity: tally(SEVERITIES),
  area_km2: z.number().nonnegative(),
  buffer_km: z.number().nonnegative(),
  incidents_in_zones: count,
})
export type PiracyBuildSummary = z.infer<typeof piracyBuildSummary>

export const piracyRefresh = zoneRefreshBase.extend(piracyBuildSummary.shape).extend({
  data_age_days: count.nullable(),
  built_from: z.enum(['data', 'cache']),
  build_ms: count,
})
export type PiracyRefresh = z.infer<typeof piracyRefresh>

export const congestionZonesRefresh = zoneRefreshBase
export type CongestionZonesRefresh = z.infer<typeof congestionZonesRefresh>

export const STORM_RISKS = ['low', 'moderate', 'high', 'severe', 'unknown'] as const

export const portWeatherSummary = z.object({
  ports: count,
  updated: count,
  source: z.union([dataSource, z.literal('no_data')]),
  observed_at: utcTime.nullable(),
  risk: tally(STORM_RISKS),
  fallback_reason: z.string().optional(),
})
export type PortWeatherSummary = z.infer<typeof portWeatherSummary>

/**
 * Webhook copies this run: attempted once each (sent, or failed for good after their last attempt); queued:
 * handed to notify:deliver, whose retries and dead letter take over; pending: left for the next run (the
 * queue could not take them).
 */
export const webhookDelivery = tally(['attempted', 'sent', 'failed', 'pending', 'queued'])
export type WebhookDelivery = z.infer<typeof webhookDelivery>

export const safetyJobSummary = jobSummaryBase.extend({
  total_events_created: count,
  total_notifications_created: count,
  source: dataSource.describe('the least trustworthy source among the zones the events were detected against'),
  events_resolved: count,
  events_open: count,
  errors_count: count,
  zones: z.object({storm: stormRefresh, piracy: piracyRefresh, congestion: congestionZonesRefresh}),
  port_weather: portWeatherSummary,
  webhooks: webhookDelivery,
})
export type SafetyJobSummary = z.infer<typeof safetyJobSummary>

export const backupJobSummary = jobSummaryBase.extend({
  file: z.string(),
  bytes: count,
  integrity: z.literal('ok'),
  deleted: z.array(z.string()).describe('backups deleted as older than the retention'),
  kept: count,
})
export type BackupJobSummary = z.infer<typeof backupJobSummary>

export const maintainJobSummary = jobSummaryBase.extend({
  integrity: z.literal('ok'),
  steps: z.array(maintenanceStep).describe('each upkeep step in the order it ran, with its time and the database size before and after it'),
  bytes_before: count,
  bytes_after: count,
  reclaimed_bytes: z.number().int(),
  integrity_note: z.string().optional().describe('PostgreSQL: what the integrity verdict rests on there'),
  tables: z
    .array(z.object({table: z.string(), bytes: count.describe('the table with its indexes and TOAST data (pg_total_relation_size)')}))
    .optional()
    .describe('PostgreSQL: the size of each table after the upkeep, largest first'),
})
export type MaintainJobSummary = z.infer<typeof maintainJobSummary>

export const CLEANED_TABLES = [
  'api_cache',
  'vessel_positions',
  'discarded_positions',
  'vessel_stops',
  'port_congestion',
  'port_congestion_daily',
  'notifications',
  'safety_events',
  'alert_events',
  'job_runs',
  'provider_probes',
  'provider_usage',
] as const

export const cleanupJobSummary = jobSummaryBase.extend({
  deleted: tally(CLEANED_TABLES).describe('rows deleted, by table'),
})
export type CleanupJobSummary = z.infer<typeof cleanupJobSummary>

export const usageReportJobSummary = jobSummaryBase.extend({
  since: utcTime,
  until: utcTime,
  providers: z.array(z.object({provider: z.string(), requests: count, quota: z.string().nullable(), failed_over: z.boolean()})),
  jobs: z.array(
    z.object({
      job: z.string(),
      runs: count,
      failed: count,
      skipped: count,
      avg_seconds: z.number().nonnegative().nullable(),
      max_seconds: z.number().nonnegative().nullable(),
      median_week_seconds: z.number().nonnegative().nullable(),
    }),
  ),
  anomalies: z.array(z.string()),
})
export type UsageReportJobSummary = z.infer<typeof usageReportJobSummary>

/**
 * The behaviour pass (the `behaviour` job, and vessel:analyze after its per-vessel steps): positions read
 * after the watermark in slices, each slice's events and the watermark committed together.
 */
export const behaviourJobSummary = jobSummaryBase.extend({
  positions_fresh: count.describe('positions not analysed before (stored after the watermark)'),
  positions_read: count.describe('positions read from the database: the fresh ones, those looked back on, and the last report before each window of vessels silent longer'),
  positions_carried: count.describe("positions looked back on that the slice before had read already (taken from its window, not read again)"),
  vessels: count.describe('vessels with fresh positions'),
  slices: count.describe('slices the fresh positions were read in (each committed whole)'),
  events_new: count,
  events_updated: count.describe('episodes already stored and still open, found again (ended now, or going on)'),
  events_ended: count.describe('of the new and updated events, those whose episode has ended'),
  new_by_type: tally(BEHAVIOUR_EVENT_TYPES),
  notifications: count,
  webhooks: webhookDelivery,
  detectors: z.record(z.string(), countsByName).describe("each detector's events found and its own counters"),
  watermark_before: count.nullable().describe('the last position id analysed before this pass; null before the first pass'),
  watermark_after: count.nullable(),
  first_pass_since: utcTime.nullable().describe('a first pass over a database reads the 7 days before the newest position: from this time'),
  errors_count: count,
  timings_ms: z.record(z.string(), z.number().nonnegative()).optional().describe('where the pass spent its time, by phase'),
})
export type BehaviourJobSummary = z.infer<typeof behaviourJobSummary>

/** What check-events records as its run's summary (the command prints more, see EventCheckResult). */
export const checkEventsJobSummary = jobSummaryBase.extend({
  events_created: count,
  events_resolved: count,
  notifications_created: count,
})
export type CheckEventsJobSummary = z.infer<typeof checkEventsJobSummary>

/** The health-check job: each probe's outcome, the providers not probed, and the transitions it alerted. */
export const healthCheckJobSummary = jobSummaryBase.extend({
  probes: z.array(
    z.object({
      target: z.string().describe('a provider (nws, open-meteo, aishub, aisstream, nmea-tcp), or database or disk'),
      status: z.enum(PROBE_STATUSES).describe('skipped: not called, its quota is spent or nearly so (95 %)'),
      response_ms: z.number().nonnegative().nullable(),
      detail: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
  up: count,
  down: count,
  skipped: count,
  disabled: z.array(z.string()).describe('providers not probed: HARBORMASTER_PROBES_DISABLED'),
  not_configured: z.array(z.string()).describe('providers without the settings to call them (no key, not the AIS source)'),
  transitions: z.array(z.object({provider: z.string(), transition: z.enum(['down', 'up']), alert_event_id: count, error: z.string().nullable()})),
  notifications: count,
  webhooks: webhookDelivery,
})
export type HealthCheckJobSummary = z.infer<typeof healthCheckJobSummary>
export const profileRefreshJobSummary = jobSummaryBase.extend({
  computed_at: utcTime,
  window_since: utcTime.describe('activity and events are counted from this time (30 days back)'),
  vessels: count.describe('vessels stored'),
  profiles_written: count,
  vessels_heard_30d: count,
  vessels_with_calls: count,
  vessels_with_events_30d: count,
  chunks: count.describe('chunks of vessels computed and written together'),
})
export type ProfileRefreshJobSummary = z.infer<typeof profileRefreshJobSummary>
/** One provider with a quota (or a failover left over from one) as the quota monitor judged it. */
export const QUOTA_MONITOR_ACTIONS = ['unchanged', 'switched', 'blocked', 'lifted'] as const
export const quotaMonitorJobSummary = jobSummaryBase.extend({
  providers: z.array(
    z.object({
      provider: z.string(),
      used: count.describe('calls counted in the current window'),
      limit: count.nullable().describe('the quota; null: the provider no longer has one (its failover was lifted)'),
      percent: z.number().nonnegative().nullable(),
      state: z.enum(QUOTA_STATES).describe('ok, warn (80 %), switch (95 %: its fallback serves), blocked (100 %: not called), unlimited'),
      window_start: utcTime.nullable(),
      window_resets_at: utcTime.nullable(),
      action: z.enum(QUOTA_MONITOR_ACTIONS).describe('what this run changed: switched to the fallback, blocked, the failover lifted (the window reset), or nothing'),
    }),
  ),
  failovers_started: count.describe('providers switched to their fallback or blocked by this run'),
  failovers_lifted: count,
  alerts_opened: count.describe('alert events raised: one per threshold (80, 95, 100 %) crossed per quota window'),
  alerts_resolved: count.describe("alert events of a window that is over, or of a threshold no longer crossed"),
  notifications: count.describe('notifications to ADMINs of the events raised'),
})
export type QuotaMonitorJobSummary = z.infer<typeof quotaMonitorJobSummary>

/** quota-reset: the months closed, each provider's total kept. */
export const quotaResetJobSummary = jobSummaryBase.extend({
  months_closed: z.array(z.string().regex(/^\d{4}-\d{2}$/)).describe('the months (YYYY-MM, UTC) whose totals this run recorded'),
  totals_recorded: count.describe('provider-month totals recorded'),
  totals: z.array(
    z.object({
      month: z.string().regex(/^\d{4}-\d{2}$/),
      provider: z.string(),
      requests: count,
      quota: z.string().nullable().describe('the monthly quota that applied (`N/month`), if any'),
    }),
  ),
  failovers_lifted: count.describe('monthly quota failovers lifted as the month closed'),
})
export type QuotaResetJobSummary = z.infer<typeof quotaResetJobSummary>
export const archiveJobSummary = jobSummaryBase.extend({
  enabled: z.boolean().describe('HARBORMASTER_ARCHIVE=on; off: nothing written'),
  archive_dir: z.string(),
  months: z.array(
    z.object({month: z.string().describe('UTC month, YYYY-MM'), table: z.string(), rows: count, bytes: count, sha256: z.string(), file: z.string()}),
  ).describe('the months of each table written by this run'),
  rows: count,
  bytes: count,
})
export type ArchiveJobSummary = z.infer<typeof archiveJobSummary>

export const weeklySummaryJobSummary = jobSummaryBase.extend({
  since: utcTime,
  until: utcTime,
  report_dir: z.string(),
  report_path: z.string().describe('the HTML report'),
  events_created: count.describe("the week's new safety events"),
  deleted: z.array(z.string()).describe('weekly reports deleted as past the retention'),
  notified: count.describe('ADMINs given a notification of the report'),
  webhooks_queued: count,
})
export type WeeklySummaryJobSummary = z.infer<typeof weeklySummaryJobSummary>

/** Every job's summary by the name its runs are recorded under. */
export const JOB_SUMMARIES = {
  vessels: vesselsJobSummary,
  ports: portsJobSummary,
  safety: safetyJobSummary,
  backup: backupJobSummary,
  maintain: maintainJobSummary,
  cleanup: cleanupJobSummary,
  'usage-report': usageReportJobSummary,
  behaviour: behaviourJobSummary,
  'check-events': checkEventsJobSummary,
  'health-check': healthCheckJobSummary,
  'profile-refresh': profileRefreshJobSummary,
  'quota-monitor': quotaMonitorJobSummary,
  'quota-reset': quotaResetJobSummary,
  archive: archiveJobSummary,
  'weekly-summary': weeklySummaryJobSummary,
} as const satisfies Record<RecordedJobName, z.ZodType>

export type JobSummaries = {[N in keyof typeof JOB_SUMMARIES]: z.infer<(typeof JOB_SUMMARIES)[N]>}

/** A summary as job_runs stores it: any job's, with the attempts the run took. */
export type StoredRunSummary = JobSummaries[keyof JobSummaries] & {attempts: number}
