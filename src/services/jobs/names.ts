// The names of harbormaster's jobs, in one place and light enough for flag definitions (no cron parser, no
// database): the registry's jobs, the seed's three with their keys in the summary JSON, and every name a run
// is recorded under.

/** Every job in the registry (schedules, crontab, `jobs run`), in the registry's order. */
export const JOB_NAMES = ['vessels', 'ports', 'safety', 'behaviour', 'backup', 'maintain', 'cleanup', 'usage-report', 'health-check', 'profile-refresh', 'quota-monitor', 'quota-reset', 'archive', 'weekly-summary'] as const
export type JobName = (typeof JOB_NAMES)[number]

/**
 * The seed's jobs in the order they run: the name `--job` takes, the key of its entry in the summary JSON,
 * its title on a progress line, and the counters a job that did not run reports as zero.
 */
export const SEED_JOBS = [
  {name: 'vessels', key: 'vessel_positions', title: 'Vessel positions', zero: {vessels_updated: 0, errors_count: 0}},
  {name: 'ports', key: 'port_congestion', title: 'Port congestion', zero: {ports_updated: 0, errors_count: 0}},
  {name: 'safety', key: 'safety_events', title: 'Safety events', zero: {total_events_created: 0, total_notifications_created: 0}},
] as const satisfies ReadonlyArray<{name: JobName; key: string; title: string; zero: Record<string, number>}>

/**
 * The jobs run-background-jobs runs by name: the seed's (`--job all` runs those) and the behaviour pass,
 * reported under its own key beside theirs when asked for (`--job behaviour`).
 */
export const BACKGROUND_JOBS = [
  ...SEED_JOBS,
  {name: 'behaviour', key: 'vessel_behaviour', title: 'Vessel behaviour', zero: {events_new: 0, notifications: 0}},
] as const satisfies ReadonlyArray<{name: JobName; key: string; title: string; zero: Record<string, number>}>

export type BackgroundJob = (typeof BACKGROUND_JOBS)[number]
export type BackgroundJobName = BackgroundJob['name']
export const BACKGROUND_JOB_NAMES: readonly BackgroundJobName[] = BACKGROUND_JOBS.map((j) => j.name)

export type SeedJob = (typeof SEED_JOBS)[number]
export type SeedJobName = SeedJob['name']
export type SeedJobKey = SeedJob['key']
export const SEED_JOB_NAMES: readonly SeedJobName[] = SEED_JOBS.map((j) => j.name)

export function isSeedJob(name: string): name is SeedJobName {
  return (SEED_JOB_NAMES as readonly string[]).includes(name)
}

/** check-events runs detection through the runner on its own (sharing the safety job's lease). */
export const CHECK_EVENTS_JOB = 'check-events'

/** Every name a run is recorded under in job_runs: what `jobs history --job`, pauses and alert rules accept. */
export const RECORDED_JOB_NAMES = [...JOB_NAMES, CHECK_EVENTS_JOB] as const
export type RecordedJobName = (typeof RECORDED_JOB_NAMES)[number]
