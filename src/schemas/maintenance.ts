// Database upkeep and the shipped fallback dataset: ensure-fallback-data, db migrate, db restore, and the
// steps of db maintain.
import {z} from 'zod'

import {count} from './common.js'

export const datasetCounts = z.object({
  created: count,
  kept: count,
  recreated: count,
  untouched: count.describe('rows made by people or by ingest, left alone'),
})
export type DatasetCounts = z.infer<typeof datasetCounts>

export const unmatchedLabel = z.object({
  label: z.string(),
  iso3: z.string().nullable(),
  cells: count,
  lat: z.number().describe('one of its cells, to find it on a chart'),
  lon: z.number(),
})

export const anchorageCellsReport = datasetCounts.extend({
  matched_by_name: count,
  matched_by_proximity: count,
  unmatched_cells: count,
  unmatched_labels: count,
  unmatched: z.array(unmatchedLabel).describe('the labels no port took, most cells first'),
})
export type AnchorageCellsReport = z.infer<typeof anchorageCellsReport>

export const fallbackReport = z.object({
  forced: z.boolean(),
  ports: datasetCounts,
  anchorage_cells: anchorageCellsReport.describe("Global Fishing Watch's named anchorages as port area cells"),
  vessels: datasetCounts,
  safety_zones: datasetCounts,
  rejected: z.object({ports: count, anchorage_rows: count, piracy_incidents: count, ais_sentences: count}).describe('shipped rows rejected as unreadable'),
})
export type FallbackReport = z.infer<typeof fallbackReport>

export const migrateResult = z.object({
  database: z.string(),
  applied: count.describe('migrations applied by this run'),
  total: count,
  pending: z.array(z.string()),
})

export const copyResult = z.object({
  from: z.string().describe('the database copied (a PostgreSQL URL with its password as ***)'),
  to: z.string().describe('the database copied into'),
  replaced: z.boolean().describe('whether what the target held was deleted first (--replace)'),
  rows: count.describe('rows copied in all'),
  tables: z
    .array(z.object({table: z.string(), rows: count, checksum: z.string().describe('of the rows in primary key order, the same on both databases')}))
    .describe('every table copied, parents first, each verified by its row count and checksum read back'),
})

export const restoreResult = z.object({restored: z.string().describe('the database replaced'), from: z.string().describe('the backup'), tables: count})
export type RestoreResult = z.infer<typeof restoreResult>

export const MAINTENANCE_STEPS = ['integrity_check', 'reindex', 'analyze', 'optimize', 'vacuum', 'vacuum_analyze'] as const

/** One step of `db maintain`: what it took and the database size (`db_bytes`) either side of it. */
export const maintenanceStep = z.object({
  step: z.enum(MAINTENANCE_STEPS),
  detail: z.string().describe('what ran: the statement, or how (REINDEX TABLE CONCURRENTLY per table on PostgreSQL)'),
  duration_seconds: z.number().nonnegative(),
  bytes_before: count,
  bytes_after: count,
})
export type MaintenanceStep = z.infer<typeof maintenanceStep>
