// The queue's results as the commands (`queue …`, `workers list`) print them with --json and the API answers
// them: queued jobs, depths and rates per queue, pauses and workers; snake_case keys, times in ISO 8601 UTC.
import {z} from 'zod'

import {JOB_TYPES, QUEUE_NAMES, QUEUED_JOB_STATES} from '../services/queue/types.js'
import {count, utcTime} from './common.js'
import {queuePause} from './workers.js'

export const queueName = z.enum(QUEUE_NAMES)
export const queuedJobState = z.enum(QUEUED_JOB_STATES)
export const jobType = z.enum(JOB_TYPES)

const jobId = z.string().min(1).describe('the queued job (not a job_runs id)')

export const enqueued = z.object({
  id: jobId,
  duplicate: z.boolean().describe('true: the unique key is held by this earlier job, and nothing new was enqueued'),
  type: jobType,
  queue: queueName,
  run_at: utcTime.describe('when it is (or was) due'),
})
export type Enqueued = z.infer<typeof enqueued>

export const attemptError = z.object({
  attempt: count.describe('the attempt that failed, 1-based'),
  at: utcTime,
  message: z.string(),
  stack: z.string().nullable(),
})

/** A queued job as lists show it: no payload, its last error only. */
export const queuedJobRow = z.object({
  id: jobId,
  type: jobType,
  queue: queueName,
  state: queuedJobState,
  attempts: count.describe('attempts started; a job handed back at a worker\'s shutdown does not count one'),
  max_retries: count,
  created_at: utcTime,
  run_at: utcTime,
  started_at: utcTime.nullable(),
  finished_at: utcTime.nullable(),
  unique_key: z.string().nullable(),
  worker_id: z.string().nullable().describe('the worker that has it (active only)'),
  last_error: z.string().nullable(),
})
export type QueuedJobRow = z.infer<typeof queuedJobRow>

export const timelineEntry = z.object({
  at: utcTime,
  event: z.enum(['enqueued', 'due', 'started', 'failed', 'completed', 'dead']),
  detail: z.string().nullable(),
})

/** One queued job in full (`queue show`, GET /api/jobs/queued/:id). */
export const queuedJob = queuedJobRow.extend({
  payload: z.record(z.string(), z.unknown()),
  timeout_seconds: count,
  errors: z.array(attemptError).describe('every failed attempt, oldest first'),
  result: z.unknown().describe("what the handler returned (completed only), else null"),
  timeline: z.array(timelineEntry).describe('what happened to it, oldest first'),
})
export type QueuedJobDetails = z.infer<typeof queuedJob>

export const queuedJobList = z.object({jobs: z.array(queuedJobRow)})
export type QueuedJobList = z.infer<typeof queuedJobList>

export const queueDepth = z.object({
  queue: queueName,
  weight: count.describe('its share of worker slots when all are busy (HARBORMASTER_QUEUE_WEIGHTS)'),
  paused: queuePause.nullable(),
  states: z.object(Object.fromEntries(QUEUED_JOB_STATES.map((s) => [s, count])) as Record<(typeof QUEUED_JOB_STATES)[number], typeof count>),
  oldest_pending_seconds: z.number().nonnegative().nullable().describe('age of the oldest job due and not taken yet; null when none is'),
})
export type QueueDepthEntry = z.infer<typeof queueDepth>

export const queueStatsReport = z.object({
  engine: z.enum(['embedded', 'pg-boss']),
  queues: z.array(queueDepth),
  window_minutes: count,
  processed_per_minute: z.number().nonnegative().describe('jobs completed per minute, averaged over the window'),
  failed_per_minute: z.number().nonnegative().describe('attempts failed per minute, averaged over the window'),
  per_minute: z.array(z.object({minute: utcTime, processed: count, failed: count})).describe('each minute of the window, oldest first'),
})
export type QueueStatsReport = z.infer<typeof queueStatsReport>

export const retried = z.object({retried: z.array(jobId).describe('jobs put back to pending, their attempts kept')})
export const deleted = z.object({deleted: jobId})
export const purged = z.object({
  state: z.enum(['completed', 'dead']),
  finished_before: utcTime,
  purged: count,
})
export const queuePauses = z.object({pauses: z.array(queuePause).describe('every queue pause now in force')})
export const queueResumed = z.object({resumed: z.array(queueName)})
