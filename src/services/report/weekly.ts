// The weekly summary: the report over the last 7 days written to its own folder under the reports folder
// (weekly/<end of the week>/), the weekly reports past the retention deleted (the newest always kept), and
// every ADMIN given a notification of this run (its summary names the report), webhook copies queued for
// delivery like any other notification's.
import {existsSync, readdirSync, rmSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import type {WeeklySummaryJobSummary} from '../../schemas/job-summaries.js'
import {DEFAULT_DB_PATH} from '../config.js'
import type {Context} from '../context.js'
import {isPostgresUrl} from '../db/location.js'
import {pendingCopiesOfRun, storeNotifications} from '../db/notifications.js'
import {adminIds} from '../db/users.js'
import {webhookCopiesToDeliver} from '../queue/triggers.js'
import {REPORT_FILES, writeReport} from './report.js'

export type {WeeklySummaryJobSummary} from '../../schemas/job-summaries.js'

const WEEK_MS = 7 * 86_400_000
/** A weekly report's folder: the end of its week, as `report` names its folders. */
const FOLDER_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{4}Z$/

/** HARBORMASTER_REPORTS_DIR, else reports/ beside the database file (a server's: beside the default database file). */
export function reportsDirOf(ctx: Context): string {
  if (ctx.config.reportsDir) return ctx.config.reportsDir
  const location = ctx.config.dbPath
  return join(dirname(isPostgresUrl(location) ? resolve(DEFAULT_DB_PATH) : resolve(location)), 'reports')
}

/** Weekly report folders past the retention (newest first, `keep` kept); returns the folders deleted. */
function pruneWeeklyReports(dir: string, keep: number): string[] {
  if (!existsSync(dir)) return []
  const folders = readdirSync(dir)
    .filter((name) => FOLDER_PATTERN.test(name))
    .sort()
    .reverse()
  const deleted: string[] = []
  for (const name of folders.slice(Math.max(1, keep))) {
    rmSync(join(dir, name), {recursive: true, force: true})
    deleted.push(join(dir, name))
  }
  return deleted
}

export async function runWeeklySummary(ctx: Context): Promise<WeeklySummaryJobSummary> {
  const weeklyDir = join(reportsDirOf(ctx), 'weekly')
  const until = ctx.clock.now()
  const stamp = `${new Date(until).toISOString().slice(0, 16).replace(/:/g, '')}Z`
  const {result} = await writeReport(ctx, {sinceMs: WEEK_MS, format: 'html', outDir: join(weeklyDir, stamp), cwd: process.cwd()})
  const reportDir = result.out_dir as string
  const reportPath = join(reportDir, REPORT_FILES.html)
  const deleted = pruneWeeklyReports(weeklyDir, ctx.config.weeklyReportRetentionWeeks)

  // The notification is of this run: its summary (report_path) is what a reader and a webhook see.
  let notified = 0
  let queued = 0
  if (ctx.runId === undefined) {
    ctx.logger.warn('the weekly summary ran outside the job runner: no ADMIN notified')
  } else {
    const admins = await adminIds(ctx.db)
    notified = await storeNotifications(
      ctx.db,
      admins.map((userId) => ({userId, jobRunId: ctx.runId})),
      until,
    )
    queued = (await webhookCopiesToDeliver(ctx, await pendingCopiesOfRun(ctx.db, ctx.runId))).length
  }
  const eventsCreated = result.events_by_type.reduce((n, t) => n + t.created, 0)
  ctx.logger.info(`weekly summary written to ${reportPath}: ${eventsCreated} new events, ${notified} ADMIN(s) notified`)
  return {
    success: true,
    since: result.period.since,
    until: result.period.until,
    report_dir: reportDir,
    report_path: reportPath,
    events_created: eventsCreated,
    deleted,
    notified,
    webhooks_queued: queued,
  }
}
