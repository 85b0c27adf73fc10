// What `jobs list`, `jobs history` and `schedule list` show: each job's schedule, next runs, last
// status and failure streak, and the run history (runs left `running` by a dead owner recorded as crashed first).
import type {HistoryRow, JobListEntry, ScheduleEntry} from '../../schemas/jobs.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {type JobRun, type RunFilter, type RunKey, type RunListRow, runById, runHistory, runPage} from '../db/job-runs.js'
import {read} from '../db/query.js'
import {describePause, pauseOf} from './control.js'
import {leaseHolder} from './lease.js'
import {describeSchedule, EXTRA_SCHEDULES, JOBS, scheduleTimes} from './registry.js'
import {consecutiveFailures, lastRun, markCrashedRuns} from './runs.js'

export async function jobStatuses(ctx: Context): Promise<JobListEntry[]> {
  const now = ctx.clock.now()
  await markCrashedRuns(ctx)
  // Every job as of one moment of the database.
  return read(ctx.db, async () => {
    const entries: JobListEntry[] = []
    for (const spec of JOBS) {
      const last = await lastRun(ctx, spec.name, ['success', 'failed', 'timeout', 'skipped', 'cancelled', 'crashed'])
      const pause = await pauseOf(ctx, spec.name)
      entries.push({
        job: spec.name,
        description: spec.description,
        schedule: spec.schedule,
        schedule_in_words: describeSchedule(spec.schedule),
        next_run: iso(scheduleTimes(spec.schedule, now, 1).next[0]),
        priority: spec.priority,
        timeout_seconds: spec.timeoutSeconds,
        depends_on: spec.dependsOn,
        enabled: spec.enabled,
        paused: pause ? describePause(pause) : null,
        last_status: last?.status ?? null,
        last_run_at: iso(last?.startedAt),
        last_duration_seconds: last?.durationMs == null ? null : last.durationMs / 1000,
        consecutive_failures: await consecutiveFailures(ctx, spec.name),
      })
    }
    return entries
  })
}

export async function jobHistory(ctx: Context, options: {job?: string; limit?: number} = {}): Promise<HistoryRow[]> {
  await markCrashedRuns(ctx)
  const runs = await runHistory(ctx.db, {job: options.job, limit: options.limit ?? 20})
  return runs.map(
    (r) =>
      ({
        id: r.id,
        job: r.job,
        status: r.status,
        started_at: iso(r.startedAt),
        completed_at: iso(r.completedAt),
        duration_seconds: r.durationMs === null ? null : r.durationMs / 1000,
        peak_rss_mb: r.peakRssBytes === null ? null : Math.round(r.peakRssBytes / 1024 / 1024),
        trigger: r.trigger,
        host: r.host,
        pid: r.pid,
        error: r.error,
        summary: r.summary,
        // The database does not tie a row's summary to its job; the job wrote it, so it is that job's.
      }) as HistoryRow,
  )
}

export function scheduleList(now: number, count = 3): ScheduleEntry[] {
  return [
    ...JOBS.map((j) => ({name: j.name, schedule: j.schedule, command: j.command, description: j.description, depends_on: [...j.dependsOn]})),
    ...EXTRA_SCHEDULES.map((e) => ({name: e.name, schedule: e.schedule, command: e.command, description: e.description, depends_on: []})),
  ].map((entry) => ({
    ...entry,
    in_words: describeSchedule(entry.schedule),
    next_runs: scheduleTimes(entry.schedule, now, count).next.map((t) => new Date(t).toISOString()),
  }))
}

export type {RunFilter} from '../db/job-runs.js'

/** A place in the history as a link carries it: `<started_at ms>.<id>`. */
export function cursorText(key: RunKey): string {
  return `${key.startedAt}.${key.id}`
}

export function parseCursor(text: string | undefined): RunKey | undefined {
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(text ?? '')
  return m ? {startedAt: Number(m[1]), id: Number(m[2])} : undefined
}

export interface HistoryPage {
  runs: RunListRow[]
  /** The cursor of the page of older runs (`before`), null on the last page. */
  older: string | null
  /** The cursor of the page of newer runs (`after`), null on the first page. */
  newer: string | null
}

/**
 * A page of the run history through the filters, newest first, by keyset (runs left `running` by a dead
 * owner recorded as crashed first, as `jobs history` does).
 */
export async function historyPage(ctx: Context, filter: RunFilter, page: {before?: string; after?: string; limit?: number} = {}): Promise<HistoryPage> {
  await markCrashedRuns(ctx)
  const after = parseCursor(page.after)
  const before = after ? undefined : parseCursor(page.before)
  const {runs, older, newer} = await runPage(ctx.db, filter, {before, after, limit: page.limit ?? 50})
  return {
    runs,
    older: older && runs.length > 0 ? cursorText(runs[runs.length - 1]) : null,
    newer: newer && runs.length > 0 ? cursorText(runs[0]) : null,
  }
}

export interface RunDetail {
  run: JobRun
  /** For a run in progress: who holds its job's lease (host, pid, since when). */
  holder: string | null
}

/** One run with its summary, error and stack; a run in progress says who holds its lease. */
export async function runDetail(ctx: Context, id: number): Promise<RunDetail | undefined> {
  await markCrashedRuns(ctx)
  const run = await runById(ctx.db, id)
  if (!run) return undefined
  return {run, holder: run.status === 'running' ? await leaseHolder(ctx, run.job) : null}
}
