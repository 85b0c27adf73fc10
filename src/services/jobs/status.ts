// What `jobs list`, `jobs history` and `schedule list` show: each job's schedule, next runs, last
// status and failure streak, and the run history (runs left `running` by a dead owner recorded as crashed first).
import type {HistoryRow, JobListEntry, ScheduleEntry} from '../../schemas/jobs.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {runHistory} from '../db/job-runs.js'
import {read} from '../db/query.js'
import {describePause, pauseOf} from './control.js'
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
    ...JOBS.map((j) => ({name: j.name, schedule: j.schedule, command: j.command, description: j.description})),
    ...EXTRA_SCHEDULES.map((e) => ({name: e.name, schedule: e.schedule, command: e.command, description: e.description})),
  ].map((entry) => ({
    ...entry,
    in_words: describeSchedule(entry.schedule),
    next_runs: scheduleTimes(entry.schedule, now, count).next.map((t) => new Date(t).toISOString()),
  }))
}
