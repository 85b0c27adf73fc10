// `report --json`: what the report wrote (files, the map's layers) and the figures its tables show.
import {z} from 'zod'

import {CONGESTION_LEVELS, EVENT_TYPES, JOB_STATUSES, TRENDS, ZONE_KINDS} from '../services/db/schema.js'
import {count, countsByName, dataSource, utcTime} from './common.js'
import {portCallEntry} from './ports.js'

export const REPORT_FORMATS = ['html', 'md'] as const
export const REPORT_FILE_KINDS = ['html', 'markdown', 'svg', 'png'] as const
export const PROVIDER_CONDITIONS = ['degraded', 'failed_over', 'partly_failing', 'ok', 'unused'] as const
export const JOB_CONDITIONS = ['ok', 'failing', 'never_run', 'paused', 'disabled'] as const
export const REPORT_DATASETS = ['port_congestion', 'safety_zones', 'safety_events', 'vessel_positions'] as const

export const reportFile = z.object({
  kind: z.enum(REPORT_FILE_KINDS),
  path: z.string().describe('absolute path of the file written'),
  bytes: count,
})

export const reportMap = z.object({
  projection: z.literal('natural_earth_1'),
  land: z.string().describe('the land outline drawn: package, version and Natural Earth scale'),
  width: count.describe('pixels'),
  height: count.describe('pixels'),
  ports_drawn: count,
  ports_by_level: z.record(z.enum(CONGESTION_LEVELS), count).describe('ports without any snapshot count as no_data'),
  zones_drawn: count.describe('zones in force at the end of the period'),
  zones_by_kind: z.record(z.enum(ZONE_KINDS), count),
  events_drawn: count.describe("the period's events that have a position"),
  events_without_position: count,
})

export const congestedPort = z.object({
  port_id: count,
  name: z.string(),
  unlocode: z.string().nullable(),
  country: z.string().nullable(),
  level: z.enum(CONGESTION_LEVELS),
  waiting: count.nullable().describe('merchant ships waiting at anchorage'),
  at_berth: count.nullable(),
  baseline: z.number().nullable().describe("the port's usual number waiting"),
  median_wait_hours: z.number().nullable().describe('median time ships waited at anchorage over 7 days'),
  waits_counted: count.nullable(),
  trend: z.enum(TRENDS),
  source: dataSource,
  observed_at: utcTime.nullable(),
})

export const eventTypeCount = z.object({
  type: z.enum(EVENT_TYPES),
  created: count.describe('created in the period'),
  open: count.describe('of those, not yet resolved'),
  by_source: countsByName.describe('created in the period, by where their data came from'),
  newest_at: utcTime.nullable(),
})

export const reportPortCalls = z.object({
  calls: z.array(portCallEntry).describe('calls (3 h or more in port) in port at any time in the period, newest arrival first'),
  more: z.boolean().describe('more calls than shown were in port in the period (`ports calls --since` lists them all)'),
})

export const jobHealth = z.object({
  job: z.string(),
  schedule_in_words: z.string(),
  condition: z.enum(JOB_CONDITIONS),
  last_status: z.enum(JOB_STATUSES).nullable(),
  last_run_at: utcTime.nullable(),
  consecutive_failures: count,
  next_run: utcTime.nullable(),
})

export const providerHealth = z.object({
  provider: z.string(),
  description: z.string(),
  condition: z.enum(PROVIDER_CONDITIONS),
  last_source: dataSource.nullable(),
  last_success_at: utcTime.nullable(),
  last_error_at: utcTime.nullable(),
})

export const datasetSource = z.object({
  dataset: z.enum(REPORT_DATASETS),
  rows: count.describe('latest snapshots, zones in force, events created in the period, vessels heard in the period'),
  by_source: countsByName,
  label: dataSource.nullable().describe('the least trustworthy source among them; null when there are none'),
  newest_at: utcTime.nullable(),
})

export const reportResult = z.object({
  generated_at: utcTime,
  period: z.object({since: utcTime, until: utcTime}),
  format: z.enum(REPORT_FORMATS),
  out_dir: z.string().nullable().describe('where the files were written; null when Markdown went to stdout'),
  files: z.array(reportFile),
  map: reportMap.nullable().describe('null when no map was drawn (Markdown without --out)'),
  congested_ports: z.array(congestedPort).describe('the most congested ports, worst first'),
  events_by_type: z.array(eventTypeCount).describe('every event type, with none created in the period too'),
  port_calls: reportPortCalls,
  jobs: z.array(jobHealth),
  providers: z.array(providerHealth),
  datasets: z.array(datasetSource),
  markdown: z.string().optional().describe('the Markdown report, under --json with --format md and no --out'),
})

export type ReportResult = z.infer<typeof reportResult>
export type ReportFigures = Omit<ReportResult, 'files' | 'out_dir' | 'format' | 'map' | 'markdown'>
export type CongestedPort = z.infer<typeof congestedPort>
export type EventTypeCount = z.infer<typeof eventTypeCount>
export type JobHealth = z.infer<typeof jobHealth>
export type ProviderHealth = z.infer<typeof providerHealth>
export type DatasetSource = z.infer<typeof datasetSource>
export type ReportMap = z.infer<typeof reportMap>
export type ReportPortCalls = z.infer<typeof reportPortCalls>
export type ReportFile = z.infer<typeof reportFile>
