// Every job harbormaster runs, in one place: its schedule (UTC cron), priority (and so its retries), timeout,
// dependencies, the command cron runs, and the service function that does the work.
import {Cron} from 'croner'

import type {JobSummaries} from '../../schemas/job-summaries.js'
import type {Context} from '../context.js'
import {JOB_NAMES, type JobName} from './names.js'

export type {JobName} from './names.js'

// Jobs are imported when they run, so what only reads the registry (health, jobs list) stays light.
const runVesselsJob = async (ctx: Context) => (await import('../vessels/job.js')).runVesselsJob(ctx)
const computePortCongestion = async (ctx: Context) => (await import('../ports/congestion.js')).computePortCongestion(ctx)
const runSafetyJob = async (ctx: Context) => (await import('../safety/job.js')).runSafetyJob(ctx)
const runBehaviourJob = async (ctx: Context) => (await import('../behaviour/pass.js')).runBehaviourJob(ctx)
const runBackup = async (ctx: Context) => (await import('../maintenance/backup.js')).runBackup(ctx)
const runMaintain = async (ctx: Context) => (await import('../maintenance/maintain.js')).runMaintain(ctx)
const runCleanup = async (ctx: Context) => (await import('../maintenance/cleanup.js')).runCleanup(ctx)
const usageReport = async (ctx: Context) => (await import('../maintenance/usage-report.js')).usageReport(ctx)
const runHealthCheck = async (ctx: Context) => (await import('../providers/probes.js')).runHealthCheck(ctx)
const refreshProfiles = async (ctx: Context) => (await import('../vessels/profile.js')).refreshProfiles(ctx)
const runQuotaMonitor = async (ctx: Context) => (await import('../providers/quota-monitor.js')).runQuotaMonitor(ctx)
const runQuotaReset = async (ctx: Context) => (await import('../providers/quota-reset.js')).runQuotaReset(ctx)
const runArchive = async (ctx: Context) => (await import('../maintenance/archive.js')).runArchive(ctx)
const runWeeklySummary = async (ctx: Context) => (await import('../report/weekly.js')).runWeeklySummary(ctx)

export type Priority = 'critical' | 'high' | 'medium' | 'low'

/** Retries after a failure, by priority (with capped, jittered exponential backoff between them). */
export const RETRIES: Record<Priority, number> = {critical: 3, high: 2, medium: 2, low: 1}

/** What every job's summary has (each job's own type is in schemas/job-summaries.ts). */
export interface JobSummary {
  success: boolean
  errors_count?: number
  /** The job ended early on its stop request (timeout, signal, pause): the counters say what it did by then. */
  stopped?: true
}

export interface JobSpec<N extends string = JobName, S extends JobSummary = JobSummary> {
  name: N
  description: string
  /** Five-field cron, UTC. */
  schedule: string
  priority: Priority
  timeoutSeconds: number
  /** Jobs that must have succeeded within their period (plus half of it) for this one to run. */
  dependsOn: JobName[]
  enabled: boolean
  /** The CLI arguments cron runs. */
  command: string
  /** Name of the log file in the crontab. */
  log: string
  work(ctx: Context): Promise<S>
}

/** Each job's spec under its name, its summary type kept (what `jobs run` and the API return). */
export const JOB_SPECS = {
  vessels: {
    name: 'vessels',
    description: 'vessel positions from the configured AIS source',
    schedule: '*/15 * * * *',
    priority: 'high',
    timeoutSeconds: 600,
    dependsOn: [],
    enabled: true,
    command: 'run-background-jobs --job vessels',
    log: 'vessels',
    work: runVesselsJob,
  },
  ports: {
    name: 'ports',
    description: 'port congestion from the stored positions',
    schedule: '*/30 * * * *',
    priority: 'high',
    timeoutSeconds: 600,
    dependsOn: ['vessels'],
    enabled: true,
    command: 'run-background-jobs --job ports',
    log: 'ports',
    work: computePortCongestion,
  },
  safety: {
    name: 'safety',
    description: 'storm, piracy and congestion zones, events and notifications',
    schedule: '0 * * * *',
    priority: 'critical',
    timeoutSeconds: 900,
    // Not on ports: storms and piracy must be detected even when congestion cannot be computed.
    dependsOn: [],
    enabled: true,
    command: 'run-background-jobs --job safety',
    log: 'safety',
    work: runSafetyJob,
  },
  behaviour: {
    name: 'behaviour',
    description: 'vessel behaviour from the positions stored since the last pass: AIS gaps, and the events of every behaviour detector',
    schedule: '*/15 * * * *',
    priority: 'medium',
    timeoutSeconds: 900,
    // Not on vessels: positions from any intake (the queue's, a resident stream, an import) are analysed.
    dependsOn: [],
    enabled: true,
    command: 'run-background-jobs --job behaviour',
    log: 'behaviour',
    work: runBehaviourJob,
  },
  backup: {
    name: 'backup',
    description: 'online backup of the database, verified, 30 days kept',
    schedule: '0 3 * * *',
    priority: 'critical',
    timeoutSeconds: 1800,
    // After the usage report (01:00): a failed report is looked at before a backup is taken.
    dependsOn: ['usage-report'],
    enabled: true,
    command: 'db backup',
    log: 'backup',
    work: runBackup,
  },
  maintain: {
    name: 'maintain',
    description: 'integrity check, REINDEX, ANALYZE, PRAGMA optimize and VACUUM',
    schedule: '0 2 * * 6',
    priority: 'medium',
    timeoutSeconds: 3600,
    dependsOn: [],
    enabled: true,
    command: 'db maintain',
    log: 'maintain',
    work: runMaintain,
  },
  cleanup: {
    name: 'cleanup',
    description: 'expired cache, and rows past their retention',
    schedule: '0 */6 * * *',
    priority: 'medium',
    timeoutSeconds: 1800,
    dependsOn: [],
    enabled: true,
    command: 'cleanup',
    log: 'cleanup',
    work: runCleanup,
  },
  'usage-report': {
    name: 'usage-report',
    description: 'provider usage and job durations over 24 h, anomalies flagged',
    schedule: '0 1 * * *',
    priority: 'low',
    timeoutSeconds: 600,
    dependsOn: [],
    enabled: true,
    command: 'usage-report',
    log: 'usage-report',
    work: usageReport,
  },
  'health-check': {
    name: 'health-check',
    description: "probes each configured provider's lightest call, the database and free disk; alerts ADMINs when a provider goes down or comes back",
    schedule: '*/5 * * * *',
    priority: 'medium',
    timeoutSeconds: 240,
    dependsOn: [],
    enabled: true,
    command: 'providers probe',
    log: 'health-check',
    work: runHealthCheck,
  },
  'profile-refresh': {
    name: 'profile-refresh',
    description: 'vessel profiles: identity history, usual ports, last port call, activity and events over 30 days',
    schedule: '0 4 * * *',
    priority: 'low',
    timeoutSeconds: 1800,
    // After the nightly backup: the heavy read of 30 days of positions waits until the backup is safe.
    dependsOn: ['backup'],
    enabled: true,
    command: 'vessels profiles refresh',
    log: 'profile-refresh',
    work: refreshProfiles,
  },
  'quota-monitor': {
    name: 'quota-monitor',
    description: "providers' use against their quotas: the fallback at 95 %, blocked at 100 %, lifted when the window resets; an alert per threshold",
    schedule: '* * * * *',
    priority: 'high',
    timeoutSeconds: 60,
    dependsOn: [],
    enabled: true,
    command: 'providers quota-monitor',
    log: 'quota-monitor',
    work: runQuotaMonitor,
  },
  'quota-reset': {
    name: 'quota-reset',
    description: "monthly quota windows closed and each provider's month's calls recorded",
    schedule: '0 0 1 * *',
    priority: 'medium',
    timeoutSeconds: 600,
    dependsOn: [],
    enabled: true,
    command: 'providers quota-reset',
    log: 'quota-reset',
    work: runQuotaReset,
  },
  archive: {
    name: 'archive',
    description: 'positions, resolved events and notifications past their retention to monthly gzip files, before cleanup deletes them',
    schedule: '0 2 15 * *',
    priority: 'high',
    timeoutSeconds: 7200,
    dependsOn: [],
    enabled: true,
    command: 'db archive',
    log: 'archive',
    work: runArchive,
  },
  'weekly-summary': {
    name: 'weekly-summary',
    description: "the week's report to the reports folder, ADMINs notified",
    schedule: '0 0 * * 0',
    priority: 'low',
    timeoutSeconds: 1800,
    // After a successful cleanup: the week is reported from what retention keeps.
    dependsOn: ['cleanup'],
    enabled: true,
    command: 'weekly-summary',
    log: 'weekly-summary',
    work: runWeeklySummary,
  },
} as const satisfies {[N in JobName]: JobSpec<N, JobSummaries[N]>}

/** A job's summary type, by its name. */
export type SummaryOf<N extends JobName> = JobSummaries[N]

/** Every job, in the registry's order (the order of JOB_NAMES). */
export const JOBS: ReadonlyArray<JobSpec> = JOB_NAMES.map((name) => JOB_SPECS[name])

/** Crontab lines that are not one registry job: the daily full run of the seed jobs, with DEBUG logs. */
export const EXTRA_SCHEDULES = [
  {name: 'full-run', description: 'the full run of every seed job with DEBUG logging', schedule: '0 2 * * *', command: 'run-background-jobs --verbose', log: 'full-run'},
  // Without a resident worker, the work events queue (webhook retries, vessel analyses, identity checks) would
  // wait forever: cron drains it every minute. A host with `worker` running as a service may drop the line.
  {name: 'queue', description: "the queue's due jobs, run by a worker that exits when none is left", schedule: '* * * * *', command: 'worker --drain --quiet', log: 'worker'},
]

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_SPECS, name)
}

export function jobSpec<N extends JobName>(name: N): (typeof JOB_SPECS)[N]
export function jobSpec(name: string): JobSpec | undefined
export function jobSpec(name: string): JobSpec | undefined {
  return isJobName(name) ? JOB_SPECS[name] : undefined
}

/** Parsed schedules, UTC: croner with a fixed offset needs no time zone data (Intl), so a check stays quick. */
const crons = new Map<string, Cron>()

function cronOf(schedule: string): Cron {
  let cron = crons.get(schedule)
  if (!cron) crons.set(schedule, (cron = new Cron(schedule, {utcOffset: 0, paused: true})))
  return cron
}

/** The last scheduled time at or before `now`, and the next ones after it (UTC). */
export function scheduleTimes(schedule: string, now: number, count = 1): {previous: number; next: number[]} {
  const cron = cronOf(schedule)
  // A run earlier in the same second as the reference counts: one millisecond on, a run at `now` is previous.
  const previous = cron.previousRuns(1, new Date(now + 1))[0]
  if (!previous) throw new Error(`schedule ${schedule} has no time before ${new Date(now).toISOString()}`)
  return {previous: previous.getTime(), next: cron.nextRuns(count, new Date(now)).map((d) => d.getTime())}
}

/** The slot each schedule was last asked about: health asks for every job on every check, and parsing is slow. */
const slots = new Map<string, {previous: number; next: number}>()

/** The time between two runs (the gap after the last scheduled time). */
export function periodMs(schedule: string, now: number): number {
  let slot = slots.get(schedule)
  // Within the same slot (previous <= now < next) the answer is the same.
  if (!slot || now < slot.previous || now >= slot.next) {
    const times = scheduleTimes(schedule, now, 1)
    slot = {previous: times.previous, next: times.next[0]}
    slots.set(schedule, slot)
  }
  return slot.next - slot.previous
}

/** A cron expression in words, for `schedule list`. */
export function describeSchedule(schedule: string): string {
  const [minute, hour, dom, month, dow] = schedule.split(/\s+/)
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
  const step = (field: string) => /^\*\/(\d+)$/.exec(field)?.[1]
  const hhmm = (h: string, m: string) => `${h.padStart(2, '0')}:${m.padStart(2, '0')} UTC`
  if (minute === '*' && hour === '*' && dom === '*' && month === '*' && dow === '*') return 'every minute'
  if (step(minute) && hour === '*' && dom === '*' && month === '*' && dow === '*') return `every ${step(minute)} minutes`
  if (minute === '0' && hour === '*' && dom === '*' && dow === '*') return 'every hour, on the hour'
  if (minute === '0' && step(hour) && dom === '*' && dow === '*') return `every ${step(hour)} hours, on the hour`
  if (/^\d+$/.test(minute) && /^\d+$/.test(hour) && dom === '*' && month === '*' && dow === '*') return `daily at ${hhmm(hour, minute)}`
  if (/^\d+$/.test(minute) && /^\d+$/.test(hour) && dom === '*' && month === '*' && /^\d$/.test(dow)) return `weekly on ${days[Number(dow)]} at ${hhmm(hour, minute)}`
  if (/^\d+$/.test(minute) && /^\d+$/.test(hour) && /^\d+$/.test(dom) && month === '*' && dow === '*') return `monthly on day ${dom} at ${hhmm(hour, minute)}`
  return `cron ${schedule} (UTC)`
}
