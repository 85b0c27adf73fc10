// `db archive list` and `db archive restore` results (the archive job's summary is in job-summaries.ts).
import {z} from 'zod'

import {ARCHIVED_TABLES} from '../services/db/archive.js'
import {count, utcTime} from './common.js'

export const archivedTable = z.enum(ARCHIVED_TABLES)

export const archiveList = z.object({
  archive_dir: z.string(),
  months: z.array(
    z.object({
      month: z.string().describe('UTC month, YYYY-MM'),
      rows: count,
      bytes: count,
      tables: z.array(z.object({table: archivedTable, rows: count, bytes: count, sha256: z.string(), archived_at: utcTime})),
    }),
  ),
})
export type ArchiveList = z.infer<typeof archiveList>

export const archiveRestoreResult = z.object({
  month: z.string(),
  archive_dir: z.string(),
  tables: z.array(
    z.object({
      table: archivedTable,
      rows: count.describe('rows the file holds'),
      inserted: count,
      already_present: count.describe('rows whose id was stored already: left as they are'),
      without_parent: count.describe('rows not restored: what they belong to (user, event, job run, alert rule) was deleted since, which would have deleted them too'),
      references_cleared: count.describe('references to a zone or port deleted since, cleared as the database clears them'),
    }),
  ),
  inserted: count,
})
export type ArchiveRestoreResult = z.infer<typeof archiveRestoreResult>
