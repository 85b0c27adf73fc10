// The job runner's results: one run (`jobs run`, `db backup`, ...), the seed's summary (run-background-jobs),
// the job list, run history, pauses and schedules.
import {z} from 'zod'

import {JOB_STATUSES, type JobStatus} from '../services/db/schema.js'
import {BACKGROUND_JOBS, type BackgroundJob, JOB_NAMES, type JobName, RECORDED_JOB_NAMES, type RecordedJobName} from '../services/jobs/names.js'
import {count, utcTime} from './common.js'
import {JOB_SUMMARIES, type JobSummaries} from './job-summaries.js'

/** How one run through the runner ended. */
export const RUN_STATUSES = ['success', 'failed', 'skipped', 'timeout', 'cancelled'] as const satisfies readonly JobStatus[]
export const runStatus = z.enum(RUN_STATUSES)
export type RunStatus = z.infer<typeof runStatus>

const runResultFields = {
  status: runStatus,
  run_id: count.nullable().describe('the job_runs row; null when the run was skipped before it began'),
  duration_seconds: z.number().nonnegative(),
  attempts: count,
  reason: z.string().optional().describe('why the run was skipped: the lease holder, a pause or an unmet dependency'),
  error: z.string().optional(),
}

type Summaries = typeof JOB_SUMMARIES
/** A summary schema with more fields, as a type. */
type ExtendedWith<T, E extends z.core.$ZodShape> = T extends z.ZodObject<infer S extends z.core.$ZodShape> ? z.ZodObject<S & E> : never

// Written out as types: a method called on a schema picked by a generic name would widen it to every job's.
type RunResultShape<N extends RecordedJobName> = {job: z.ZodLiteral<N>} & typeof runResultFields & {summary: z.ZodNullable<Summaries[N]>}

function runResultOf<N extends RecordedJobName>(name: N): z.ZodObject<RunResultShape<N>> {
  const summary = JOB_SUMMARIES[name].nullable().describe("the job's own summary; for a run stopped early, what it did by then")
  return z.object({job: z.literal(name), ...runResultFields, summary}) as unknown as z.ZodObject<RunResultShape<N>>
}

/** One run of a registry job as `jobs run`, `db backup`, `db maintain`, `cleanup` and `usage-report` print it. */
export const jobRunResults = {
  vessels: runResultOf('vessels'),
  ports: runResultOf('ports'),
  safety: runResultOf('safety'),
  behaviour: runResultOf('behaviour'),
  backup: runResultOf('backup'),
  maintain: runResultOf('maintain'),
  cleanup: runResultOf('cleanup'),
  'usage-report': runResultOf('usage-report'),
} as const satisfies Record<JobName, z.ZodType>

export type JobRunResult<N extends JobName = JobName> = {[K in JobName]: z.infer<(typeof jobRunResults)[K]>}[N]

export const jobRunResult = z.discriminatedUnion(
  'job',
  JOB_NAMES.map((name) => jobRunResults[name]) as unknown as [(typeof jobRunResults)[JobName], ...Array<(typeof jobRunResults)[JobName]>],
)

/**
 * A seed job's entry in the summary JSON: its own summary when it ran (stopped early: with why, and what it
 * did by then), else the seed's zero counters with why it did not run.
 */
const ranExtra = {
  status: runStatus.optional().describe('how a run that did not succeed ended (timeout, cancelled, failed)'),
  error: z.string().optional(),
}
const notRunExtra = {
  success: z.boolean(),
  errors_count: count.optional(),
  skipped: z.literal(true).optional(),
  reason: z.string().optional().describe('why it was skipped'),
  status: runStatus.optional(),
  error: z.string().optional(),
}
type Zero<J extends BackgroundJob> = {[K in keyof J['zero']]: typeof count}
type SeedEntrySchema<J extends BackgroundJob> = z.ZodUnion<[ExtendedWith<Summaries[J['name']], typeof ranExtra>, z.ZodObject<Zero<J> & typeof notRunExtra>]>

function seedEntry<J extends BackgroundJob>(job: J): SeedEntrySchema<J> {
  const ran = JOB_SUMMARIES[job.name].extend(ranExtra)
  const notRun = z.object({...Object.fromEntries(Object.keys(job.zero).map((k) => [k, count])), ...notRunExtra})
  return z.union([ran, notRun]) as unknown as SeedEntrySchema<J>
}

const seedEntries = {
  vessel_positions: seedEntry(BACKGROUND_JOBS[0]).optional(),
  port_congestion: seedEntry(BACKGROUND_JOBS[1]).optional(),
  safety_events: seedEntry(BACKGROUND_JOBS[2]).optional(),
  vessel_behaviour: seedEntry(BACKGROUND_JOBS[3]).optional(),
} satisfies Record<BackgroundJob['key'], z.ZodType>

/**
 * The seed's summary JSON (run-background-jobs --json): these keys exactly; a run of one job reports that job
 * only; vessel_behaviour only when asked for by name (`--job behaviour`).
 */
export const backgroundJobsSummary = z.object({
  started_at: utcTime,
  completed_at: utcTime,
  duration_seconds: z.number().nonnegative(),
  total_success: z.boolean(),
  jobs: z.object(seedEntries),
})
export type BackgroundJobsSummary = z.infer<typeof backgroundJobsSummary>
export type SeedJobEntry<K extends BackgroundJob['key'] = BackgroundJob['key']> = NonNullable<BackgroundJobsSummary['jobs'][K]>

export const jobListEntry = z.object({
  job: z.enum(JOB_NAMES),
  description: z.string(),
  schedule: z.string().describe('five-field cron, UTC'),
  schedule_in_words: z.string(),
  next_run: utcTime.nullable(),
  priority: z.enum(['critical', 'high', 'medium', 'low']),
  timeout_seconds: count,
  depends_on: z.array(z.enum(JOB_NAMES)),
  enabled: z.boolean(),
  paused: z.string().nullable().describe('who paused it, since when and why'),
  last_status: z.enum(JOB_STATUSES).nullable(),
  last_run_at: utcTime.nullable(),
  last_duration_seconds: z.number().nonnegative().nullable().describe('how long the last finished run took'),
  consecutive_failures: count,
})
export type JobListEntry = z.infer<typeof jobListEntry>
export const jobList = z.object({jobs: z.array(jobListEntry)})

const historyFields = {
  id: count,
  status: z.enum(JOB_STATUSES),
  started_at: utcTime,
  completed_at: utcTime.nullable(),
  duration_seconds: z.number().nonnegative().nullable(),
  peak_rss_mb: count.nullable(),
  trigger: z.string().describe('cli, api, worker ...'),
  host: z.string().nullable(),
  pid: z.number().int().nullable(),
  error: z.string().nullable(),
}
const attemptsField = {attempts: count}
type HistoryRowShape<N extends RecordedJobName> = {job: z.ZodLiteral<N>} & typeof historyFields & {summary: z.ZodNullable<ExtendedWith<Summaries[N], typeof attemptsField>>}

function historyRowOf<N extends RecordedJobName>(name: N): z.ZodObject<HistoryRowShape<N>> {
  const summary = JOB_SUMMARIES[name].extend(attemptsField).nullable()
  return z.object({job: z.literal(name), ...historyFields, summary}) as unknown as z.ZodObject<HistoryRowShape<N>>
}

/** A job_runs row as `jobs history` shows it, its summary typed by its job. */
export const historyRow = z.discriminatedUnion(
  'job',
  RECORDED_JOB_NAMES.map((name) => historyRowOf(name)) as unknown as [ReturnType<typeof historyRowOf<RecordedJobName>>, ...Array<ReturnType<typeof historyRowOf<RecordedJobName>>>],
)
export type HistoryRow = {[N in RecordedJobName]: z.infer<ReturnType<typeof historyRowOf<N>>>}[RecordedJobName]
export const jobHistory = z.object({runs: z.array(historyRow)})

export const dueRuns = z.object({
  ran: z.array(
    z.object({
      job: z.enum(JOB_NAMES),
      status: runStatus,
      reason: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
})

export const pause = z.object({
  job: z.union([z.enum(RECORDED_JOB_NAMES), z.literal('*')]).describe('* for the pause of every job'),
  by: z.string().describe('user@host that paused it'),
  reason: z.string(),
  since: utcTime,
})
export type Pause = z.infer<typeof pause>
export const pauses = z.object({pauses: z.array(pause)})
export const resumed = z.object({resumed: z.array(z.string())})

export const scheduleEntry = z.object({
  name: z.string(),
  schedule: z.string(),
  command: z.string(),
  description: z.string(),
  in_words: z.string(),
  next_runs: z.array(utcTime),
})
export type ScheduleEntry = z.infer<typeof scheduleEntry>
export const scheduleList = z.object({schedules: z.array(scheduleEntry)})
export const crontab = z.object({crontab: z.string().describe('the crontab text, as printed without --json')})

export type {JobSummaries}
