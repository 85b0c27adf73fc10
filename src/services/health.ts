// health: the database, the AIS data and recent activity, each with a status and the reason for it. One
// zod schema is the report's type and its contract (`health --json` and GET /api/system/health/). Cheap
// on any size of database: counts are read from the counts the database keeps, never counted.
import {existsSync, statfsSync} from 'node:fs'
import {dirname} from 'node:path'

import {iso} from './clock.js'
import type {Context} from './context.js'
import {read} from './db/query.js'
import {createdSince, tableCounts} from './db/table-rows.js'
import type {AnyDb} from './db/transaction.js'
import {connectionUse, databaseBytes} from './db/upkeep.js'
import {newestPosition} from './db/vessels.js'
import {shippedFiles} from './datasets/paths.js'
import {environmentError, errorMessage, HarbormasterError} from './errors.js'
import {mayNotify} from './provenance.js'
import {providerFallbacks} from './providers/fallbacks.js'
import {stormAlertsHealth} from './safety/storm-alerts-health.js'
import type {HealthReport, HealthStatus, JobCheck} from '../schemas/health.js'
import {JOBS, periodMs} from './jobs/registry.js'
import {isSeedJob, SEED_JOB_NAMES} from './jobs/names.js'
import {type CrashedRun, crashedRuns, type JobRunDigest, jobRunDigests} from './jobs/runs.js'

export type {HealthReport, HealthStatus, JobCheck} from '../schemas/health.js'
type Components = HealthReport['components']

/** Health thresholds: failures in a row, run time, peak memory, free disk. */
export const THRESHOLDS = {
  consecutiveFailures: 3,
  durationWarnSeconds: 60,
  durationCriticalSeconds: 300,
  memoryWarnMb: 100,
  memoryCriticalMb: 500,
  diskWarnPercent: 10,
  diskCriticalPercent: 5,
}

const order: Record<HealthStatus, number> = {healthy: 0, degraded: 1, unhealthy: 2}
const worst = (...statuses: HealthStatus[]) => statuses.reduce((a, b) => (order[b] > order[a] ? b : a), 'healthy')

/** Live AIS older than this means the feed has stopped. */
const AIS_STALE_MS = 60 * 60_000
const DAY_MS = 86_400_000

export async function checkHealth(ctx: Context): Promise<HealthReport> {
  const report = await read(ctx.db, () => healthNow(ctx))
  // After the snapshot, not in it: the queue's engine reads through its own connections (pg-boss its pool).
  const queue = await queueComponent(ctx)
  return {...report, overall_status: worst(report.overall_status, queue.status), components: {...report.components, queue}}
}

/** The queue's checks; a queue that cannot be read makes the component degraded, never the report fail. */
async function queueComponent(ctx: Context): Promise<NonNullable<Components['queue']>> {
  const {queueHealth} = await import('./queue/health.js')
  try {
    return await queueHealth(ctx)
  } catch (error) {
    return {status: 'degraded', pending: 0, oldest_pending_seconds: null, dead_24h: 0, live_workers: 0, paused_queues: [], checks: [], reason: `the queue cannot be read: ${errorMessage(error)}`}
  }
}

/** Every check, from one consistent view of the database. */
async function healthNow(ctx: Context): Promise<HealthReport> {
  const now = ctx.clock.now()
  const since = now - DAY_MS

  const counts = {...(await tableCounts(ctx.db)), ...(await serverFigures(ctx.db))}
  const database: Components['database'] =
    counts.ports > 0
      ? {status: 'healthy', ...counts}
      : {status: 'degraded', ...counts, reason: 'no ports: run `harbormaster ensure-fallback-data`'}

  const sampleAvailable = existsSync(shippedFiles.aisSample)
  const newest = await newestPosition(ctx.db)
  let ais: Components['ais_service']
  const base = {sample_data_available: sampleAvailable, source: newest?.source ?? null, last_position_at: iso(newest?.at)}
  if (!newest) {
    ais = sampleAvailable
      ? {status: 'degraded', ...base, reason: 'no vessel positions yet: run `harbormaster run-background-jobs --job vessels`'}
      : {status: 'unhealthy', ...base, reason: 'no vessel positions and the shipped AIS sample is missing'}
  } else if (!mayNotify(newest.source ?? 'fallback')) {
    ais = {status: 'degraded', ...base, reason: `serving ${newest.source} data only (no live AIS source)`}
  } else if (now - newest.at > AIS_STALE_MS) {
    ais = {status: 'degraded', ...base, reason: `newest live position is ${Math.round((now - newest.at) / 60_000)} min old`}
  } else {
    ais = {status: 'healthy', ...base}
  }

  const created = await createdSince(ctx.db, since)
  // Every job's runs as the checks below read them, in a statement or two. Runs still recorded `running`
  // whose owner is gone are crashes nobody has recorded yet (health only reads): they count as failures.
  const unrecorded = await crashedRuns(ctx.db, now, ctx.config.host)
  // The seed jobs are registry jobs: JOBS names them too.
  const digests = await jobRunDigests(ctx.db, JOBS.map((spec) => spec.name), unrecorded)
  const digest = (job: string) => digests.get(job) as JobRunDigest
  // The seed jobs' newest success (a job's runs never overlap: its latest start is its latest end).
  let lastSuccessAt: number | null = null
  for (const job of SEED_JOB_NAMES) {
    const at = digest(job).newest(['success'])?.completedAt ?? null
    if (at !== null && (lastSuccessAt === null || at > lastSuccessAt)) lastSuccessAt = at
  }
  // A job whose last run failed, timed out or crashed (a crash not yet recorded counts too).
  const failing = SEED_JOB_NAMES.filter((job) => digest(job).failures > 0)
  const activityBase = {events_24h: created.events, notifications_24h: created.notifications, last_success_at: iso(lastSuccessAt)}
  const activity: Components['recent_activity'] =
    failing.length > 0
      ? {status: 'degraded', ...activityBase, reason: `last run failed: ${failing.join(', ')}`}
      : lastSuccessAt === null || lastSuccessAt < since
        ? {status: 'degraded', ...activityBase, reason: 'no successful job run in the last 24 h'}
        : {status: 'healthy', ...activityBase}

  const fallbacks = await providerFallbacks(ctx)
  const degradedProviders = fallbacks.filter((s) => s.degraded).map((s) => s.provider)
  const failedOver = fallbacks.filter((s) => s.failed_over).map((s) => s.provider)
  const providers: NonNullable<Components['providers']> =
    degradedProviders.length > 0
      ? {
          status: 'degraded',
          failed_over: failedOver,
          reason: `serving only fallbacks for over ${ctx.config.providerFallbackGraceMinutes} min: ${degradedProviders.join(', ')}`,
        }
      : {status: 'healthy', failed_over: failedOver}

  const stormAlerts = await stormAlertsHealth(ctx)
  const checks = jobChecks(ctx, digest, unrecorded)
  const jobs = {status: worst(...checks.map((c) => c.status)), checks: checks.filter((c) => c.status !== 'healthy')}
  const host = ctx.db.dialect === 'sqlite' ? diskCheck(ctx.db.path) : NO_DISK_CHECK

  return {
    timestamp: new Date(now).toISOString(),
    overall_status: worst(database.status, ais.status, activity.status, providers.status, stormAlerts.status, jobs.status, host.status),
    components: {database, ais_service: ais, recent_activity: activity, providers, storm_alerts: stormAlerts, jobs, host},
  }
}

/**
 * What only a PostgreSQL server tells: the database's size and its connections against the server's
 * max_connections. SQLite's report stays as it always was.
 */
async function serverFigures(db: AnyDb): Promise<{size_bytes?: number; connections?: number; max_connections?: number}> {
  if (db.dialect === 'sqlite') return {}
  const use = await connectionUse(db)
  return {size_bytes: await databaseBytes(db), connections: use.connections, max_connections: use.maxConnections}
}

/** The free disk beside a SQLite file; a PostgreSQL server's disk is the server's, watched there. */
const NO_DISK_CHECK = {
  status: 'healthy',
  free_disk_percent: null,
  reason: "not applicable: the database is on a PostgreSQL server, whose disk this host cannot see (watch the server's own)",
} as const

/** The report when the database cannot even be opened (or read): the reason says what to do. */
export function unreachableDatabase(error: unknown, dbPath?: string): HealthReport {
  const known = error instanceof HarbormasterError ? error : environmentError(error, {dbPath})
  const reason = known ? `${known.message}${known.hint ? `; ${known.hint}` : ''}` : errorMessage(error)
  return {
    timestamp: new Date().toISOString(),
    overall_status: 'unhealthy',
    components: {
      database: {status: 'unhealthy', ports: 0, vessels: 0, events: 0, notifications: 0, reason},
      ais_service: {status: 'unhealthy', sample_data_available: existsSync(shippedFiles.aisSample), reason: 'database unavailable'},
      recent_activity: {status: 'unhealthy', events_24h: 0, notifications_24h: 0, reason: 'database unavailable'},
    },
  }
}

/** Per job: failures in a row, last run time and peak memory against the thresholds, and data freshness. */
function jobChecks(ctx: Context, digest: (job: string) => JobRunDigest, unrecorded: CrashedRun[]): JobCheck[] {
  const now = ctx.clock.now()
  const checks: JobCheck[] = []
  const t = THRESHOLDS
  for (const spec of JOBS) {
    const runs = digest(spec.name)
    const streak = runs.failures
    checks.push({
      job: spec.name,
      check: 'failures',
      status: streak >= t.consecutiveFailures ? 'unhealthy' : streak > 0 ? 'degraded' : 'healthy',
      reason: `${streak} failed run(s) in a row`,
    })
    const ended = runs.newest(['success', 'failed', 'timeout', 'cancelled', 'crashed'])
    const crash =
      unrecorded.filter((c) => c.job === spec.name && (!ended || c.startedAt >= ended.startedAt)).sort((a, b) => b.startedAt - a.startedAt)[0] ??
      (ended?.status === 'crashed' ? {id: ended.id, startedAt: ended.startedAt, reason: (ended.error ?? 'crashed').replace(/^crashed: /, '')} : undefined)
    if (crash) {
      checks.push({job: spec.name, check: 'crashed', status: 'degraded', reason: `run ${crash.id} started ${iso(crash.startedAt)} crashed: ${crash.reason}`})
    }
    const last = runs.newest(['success', 'failed', 'timeout'])
    if (last?.durationMs != null) {
      const seconds = last.durationMs / 1000
      checks.push({
        job: spec.name,
        check: 'duration',
        status: seconds > t.durationCriticalSeconds ? 'unhealthy' : seconds > t.durationWarnSeconds ? 'degraded' : 'healthy',
        reason: `last run took ${seconds.toFixed(1)} s (warning ${t.durationWarnSeconds} s, critical ${t.durationCriticalSeconds} s)`,
      })
    }
    if (last?.peakRssBytes != null) {
      // What the run itself took: the process peak over what it held when the run started.
      const mb = (last.peakRssBytes - (last.startRssBytes ?? 0)) / 1024 / 1024
      checks.push({
        job: spec.name,
        check: 'memory',
        status: mb > t.memoryCriticalMb ? 'unhealthy' : mb > t.memoryWarnMb ? 'degraded' : 'healthy',
        reason: `last run took ${Math.round(mb)} MB of memory (warning ${t.memoryWarnMb} MB, critical ${t.memoryCriticalMb} MB)`,
      })
    }
    // Freshness: the seed jobs must have succeeded within two periods; maintenance jobs once they have run.
    const success = runs.newest(['success'])
    const seed = isSeedJob(spec.name)
    if (success || seed) {
      const allowed = 2 * periodMs(spec.schedule, now)
      const age = success ? now - (success.completedAt ?? success.startedAt) : Infinity
      checks.push({
        job: spec.name,
        check: 'freshness',
        status: age > allowed ? 'degraded' : 'healthy',
        reason: success ? `last success ${Math.round(age / 60_000)} min ago (allowed ${Math.round(allowed / 60_000)} min)` : 'never succeeded',
      })
    }
  }
  return checks
}

export function diskCheck(dbPath: string): {status: HealthStatus; free_disk_percent: number | null; reason?: string} {
  try {
    const stats = statfsSync(dirname(dbPath))
    const percent = Math.round((stats.bavail / stats.blocks) * 1000) / 10
    const t = THRESHOLDS
    if (percent < t.diskCriticalPercent) return {status: 'unhealthy', free_disk_percent: percent, reason: `${percent} % free (critical below ${t.diskCriticalPercent} %)`}
    if (percent < t.diskWarnPercent) return {status: 'degraded', free_disk_percent: percent, reason: `${percent} % free (warning below ${t.diskWarnPercent} %)`}
    return {status: 'healthy', free_disk_percent: percent}
  } catch (error) {
    return {status: 'degraded', free_disk_percent: null, reason: `cannot read free disk space: ${errorMessage(error)}`}
  }
}
