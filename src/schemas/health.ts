// `health --json` and the API's health payload: each component with its status and the reason for it.
import {z} from 'zod'

import {JOB_NAMES} from '../services/jobs/names.js'
import {count, dataSource, healthStatus, utcTime} from './common.js'

export const jobCheck = z.object({
  job: z.enum(JOB_NAMES),
  check: z.enum(['failures', 'crashed', 'duration', 'memory', 'freshness']),
  status: healthStatus,
  reason: z.string(),
})
export type JobCheck = z.infer<typeof jobCheck>

export const stormAlertsHealth = z.object({
  status: z.enum(['healthy', 'degraded']),
  alerts_waiting: count,
  alerts_unplaceable: count,
  warnings_without_outline: count,
  reason: z.string().optional(),
})
export type StormAlertsHealth = z.infer<typeof stormAlertsHealth>

export const queueCheck = z.object({
  check: z.enum(['pending_age', 'dead_letter', 'workers']),
  status: healthStatus,
  reason: z.string(),
})

/** The job queue: how long due jobs wait, what went to the dead letter, and whether a worker is there to take them. */
export const queueHealth = z.object({
  status: healthStatus,
  pending: count.describe('jobs due and not taken, in queues not paused'),
  oldest_pending_seconds: z.number().nonnegative().nullable(),
  dead_24h: count.describe('jobs gone to the dead letter in the last 24 h'),
  live_workers: count,
  paused_queues: z.array(z.string()),
  checks: z.array(queueCheck).describe('the checks not healthy'),
  reason: z.string().optional(),
})
export type QueueHealth = z.infer<typeof queueHealth>

/** The seed's health shape (timestamp, overall_status, database, ais_service, recent_activity) and what was added since. */
export const healthReport = z.object({
  timestamp: utcTime,
  overall_status: healthStatus.describe('exit code: 0 healthy, 1 degraded, 2 unhealthy'),
  components: z.object({
    database: z.object({
      status: healthStatus,
      ports: count,
      vessels: count,
      events: count,
      notifications: count,
      size_bytes: count.optional().describe('PostgreSQL: pg_database_size'),
      connections: count.optional().describe("PostgreSQL: backends connected to this database (pg_stat_database's numbackends)"),
      max_connections: count.optional().describe("PostgreSQL: the server's max_connections, shared by all its databases"),
      reason: z.string().optional(),
    }),
    ais_service: z.object({
      status: healthStatus,
      sample_data_available: z.boolean(),
      source: dataSource.nullable().optional(),
      last_position_at: utcTime.nullable().optional(),
      reason: z.string().optional(),
    }),
    recent_activity: z.object({
      status: healthStatus,
      events_24h: count,
      notifications_24h: count,
      last_success_at: utcTime.nullable().optional(),
      reason: z.string().optional(),
    }),
    providers: z.object({status: healthStatus, failed_over: z.array(z.string()), reason: z.string().optional()}).optional(),
    storm_alerts: stormAlertsHealth.optional().describe('marine warnings harbormaster holds but cannot place on the map'),
    jobs: z.object({status: healthStatus, checks: z.array(jobCheck)}).optional(),
    queue: queueHealth.optional(),
    host: z.object({status: healthStatus, free_disk_percent: z.number().nonnegative().nullable(), reason: z.string().optional()}).optional(),
  }),
})
export type HealthReport = z.infer<typeof healthReport>
export type HealthStatus = HealthReport['overall_status']
