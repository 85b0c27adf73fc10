// Queue workers as listed (`workers list`, the API), queue pauses, and what `worker` reports when it stops.
import {z} from 'zod'

import {JOB_TYPES, QUEUE_NAMES} from '../services/queue/types.js'
import {count, utcTime} from './common.js'

const queueName = z.enum(QUEUE_NAMES)
const weights = z.partialRecord(queueName, z.number().int().positive()).describe('the queues served and their weights')

export const WORKER_STATUSES = ['live', 'lost', 'stopped'] as const

export const workerEntry = z.object({
  id: z.string(),
  host: z.string(),
  pid: count,
  status: z.enum(WORKER_STATUSES).describe('live: heartbeat within HARBORMASTER_WORKER_HEARTBEAT_SECONDS; lost: silent longer (its jobs go back to the queue); stopped: ended'),
  queues: weights,
  strict: z.boolean().describe('strict priority: always the highest-weight queue with jobs first'),
  concurrency: count,
  scheduler: z.boolean().describe('runs the scheduler (the one holding its lease enqueues the schedules)'),
  started_at: utcTime,
  heartbeat_at: utcTime,
  stopped_at: utcTime.nullable(),
  current_jobs: z.array(z.string()).describe('ids of the queued jobs it runs now'),
  processed: count.describe('jobs it finished (completed or failed)'),
  failed: count.describe('attempts that failed'),
})
export type WorkerEntry = z.infer<typeof workerEntry>
export const workerList = z.object({workers: z.array(workerEntry)})

export const queuePause = z.object({
  queue: queueName,
  by: z.string().describe('user@host that paused it'),
  reason: z.string(),
  since: utcTime,
})
export type QueuePause = z.infer<typeof queuePause>

const outcomeCounts = z.object({
  completed: count,
  failed: count.describe('attempts that failed (retried or dead)'),
  released: count.describe('returned to the queue unharmed when the worker stopped'),
})

/** `worker --json`: what the worker did, printed when it stops. */
export const workerRunStats = z.object({
  worker_id: z.string(),
  host: z.string(),
  pid: count,
  queues: weights,
  strict: z.boolean(),
  concurrency: count,
  started_at: utcTime,
  stopped_at: utcTime,
  stopped_by: z.enum(['drain', 'signal', 'release']).describe('drain: nothing was due; signal: SIGTERM/SIGINT (running jobs finished or were released after the grace period); release: a second signal'),
  processed: count.describe('jobs finished: completed or failed'),
  completed: count,
  failed: count.describe('attempts that failed'),
  retried: count.describe('failed attempts that will be retried'),
  dead: count.describe('failed attempts that sent their job to the dead letter'),
  released: count.describe('jobs returned to the queue unharmed (attempt not counted)'),
  recovered: count.describe("jobs of lost workers this worker sent back to the queue"),
  errors: count.describe('queue operations that failed (logged); the job is recovered when this worker is lost'),
  per_queue: z.partialRecord(queueName, outcomeCounts),
  per_type: z.partialRecord(z.enum(JOB_TYPES), outcomeCounts),
  scheduler: z
    .object({
      led: z.boolean().describe('whether this worker held the scheduler lease at some point'),
      enqueued: count.describe('schedule slots it enqueued'),
      duplicates: count.describe('slots already enqueued (by another leader)'),
    })
    .nullable()
    .describe('null without --scheduler'),
})
export type WorkerRunStats = z.infer<typeof workerRunStats>
