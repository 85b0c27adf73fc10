// The queue's one contract: what is enqueued, what a queued job looks like in each state, and what an engine
// (the embedded SQLite tables, or pg-boss on PostgreSQL) must do. Workers, commands, the API, triggers and
// the scheduler speak only this; nothing above the engines knows which one runs.

/** The queues, in the order their weights are listed: critical 6, analysis 2, compliance 1, default 1. */
export const QUEUE_NAMES = ['critical', 'analysis', 'compliance', 'default'] as const
export type QueueName = (typeof QUEUE_NAMES)[number]

/** Share of worker slots per queue when all are busy (Asynq's weighted priority); HARBORMASTER_QUEUE_WEIGHTS overrides. */
export const DEFAULT_QUEUE_WEIGHTS: Readonly<Record<QueueName, number>> = {critical: 6, analysis: 2, compliance: 1, default: 1}

/**
 * scheduled: waits for its time (a delay or --at); pending: due, waiting for a worker; active: a worker has it;
 * retry: failed, waiting for its backoff; dead: out of retries (the dead letter); completed: done.
 */
export const QUEUED_JOB_STATES = ['scheduled', 'pending', 'active', 'retry', 'dead', 'completed'] as const
export type QueuedJobState = (typeof QUEUED_JOB_STATES)[number]

/** Each job type: its queue, retries and timeout unless the enqueue says otherwise. */
export const JOB_TYPES = ['notify:deliver', 'vessel:analyze', 'vessel:identity-check', 'provider:refresh', 'system:cleanup', 'system:canary', 'registry:run'] as const
export type JobType = (typeof JOB_TYPES)[number]

/** Retry k (1-based) waits 2^(k-1) × base × (1 + a random fraction): 1–2, 2–4, 4–8, 8–16, 16–32 s with the 1 s base. */
export function retryDelayRange(retry: number, baseSeconds = 1): {min: number; max: number} {
  const min = baseSeconds * 2 ** (retry - 1) * 1000
  return {min, max: 2 * min}
}

export type JsonObject = {[key: string]: unknown}

export interface EnqueueRequest {
  type: JobType
  payload?: JsonObject
  /** The type's queue unless given. */
  queue?: QueueName
  /** Epoch ms when the job becomes due; now (the context's clock) unless given. */
  runAt?: number
  /** Retries after the first attempt before the dead letter; the type's default unless given. */
  maxRetries?: number
  timeoutSeconds?: number
  /**
   * While a job with this key is not finished (scheduled, pending, active or retry) and its key's time has not
   * run out, enqueueing the same key returns that job (duplicate: true). The key frees when the job completes,
   * goes dead, is deleted, or `uniqueForSeconds` after it was enqueued, whichever is first.
   */
  uniqueKey?: string
  uniqueForSeconds?: number
}

export interface EnqueueResult {
  id: string
  duplicate: boolean
  type: JobType
  queue: QueueName
  runAt: number
}

export interface AttemptError {
  /** 1-based attempt that failed. */
  attempt: number
  at: number
  message: string
  stack?: string
}

export interface QueuedJob {
  id: string
  type: JobType
  queue: QueueName
  payload: JsonObject
  state: QueuedJobState
  /** Attempts started so far (the running one included); a graceful release does not count. */
  attempts: number
  maxRetries: number
  timeoutSeconds: number
  createdAt: number
  runAt: number
  startedAt: number | null
  finishedAt: number | null
  uniqueKey: string | null
  /** The worker that has it (active only). */
  workerId: string | null
  /** Every failed attempt, oldest first; the last is the error the dead letter shows. */
  errors: AttemptError[]
  result: unknown
}

/** A job a worker claimed: what the handler needs. */
export interface ClaimedJob {
  id: string
  type: JobType
  queue: QueueName
  payload: JsonObject
  /** This attempt's number, 1-based. */
  attempt: number
  maxRetries: number
  timeoutSeconds: number
}

export interface ListFilter {
  state?: QueuedJobState
  queue?: QueueName
  type?: JobType
  /** Newest first; at most 1000. */
  limit?: number
  offset?: number
}

/**
 * Where a page of one queue's jobs in one state starts: after the job with this sort key and id, in the
 * state's order (PAGE_ORDER). Keyset paging: each page costs the same however deep it is. The key is the
 * engine's exact sort time as text (epoch ms on the embedded engine; an ISO time with microseconds on
 * pg-boss, whose times are finer than a millisecond).
 */
export interface PageCursor {
  key: string
  id: string
}

export interface PageFilter {
  queue: QueueName
  state: QueuedJobState
  /** At most 1000. */
  limit: number
  after?: PageCursor
}

export interface JobPage {
  jobs: QueuedJob[]
  /** Where the next page starts; null on the last page. */
  next: PageCursor | null
}

/**
 * The order of a state's page. Waiting jobs (scheduled, pending, retry): by due time, the next to run first,
 * as workers take them. Active, completed and dead: by enqueue time, newest first.
 */
export const PAGE_ORDER: Readonly<Record<QueuedJobState, 'due' | 'newest'>> = {scheduled: 'due', pending: 'due', retry: 'due', active: 'newest', completed: 'newest', dead: 'newest'}

export interface QueueDepth {
  queue: QueueName
  paused: boolean
  /** Count per state (every state present, 0 when none). */
  states: Record<QueuedJobState, number>
  /** Age in ms of the oldest job due and not yet taken (pending), null when none. */
  oldestPendingMs: number | null
}

export interface QueueStats {
  queues: QueueDepth[]
  /** Per minute over the last `minutes` minutes, oldest first: jobs completed and attempts failed. */
  perMinute: {minute: number; processed: number; failed: number}[]
}

export interface FailOutcome {
  state: 'retry' | 'dead'
  /** When the retry is due (retry only). */
  runAt: number | null
}

/**
 * What an engine does. Times are the context clock's on the embedded engine and the database server's on
 * pg-boss (which reads now() in SQL); `runAt` values given are honoured by both.
 */
export interface QueueEngine {
  readonly engine: 'embedded' | 'pg-boss'
  /** Creates what the engine needs (pg-boss: its schema and queues); idempotent. */
  start(): Promise<void>
  stop(): Promise<void>
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>
  /** Many in one call (one statement or transaction), for triggers and bulk enqueues. */
  enqueueMany(requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]>
  /** Claims up to `limit` due jobs of `queue` for `workerId`, oldest due first; never one another worker holds. */
  fetch(queue: QueueName, limit: number, workerId: string): Promise<ClaimedJob[]>
  complete(id: string, result?: unknown): Promise<void>
  /** A failed attempt: a retry after its backoff, or the dead letter when retries are spent. */
  fail(id: string, error: {message: string; stack?: string}): Promise<FailOutcome>
  /** Puts an active job back as it was before it was claimed: the attempt is not counted (graceful shutdown). */
  release(id: string): Promise<void>
  /**
   * Jobs held by workers not in `liveWorkerIds` (their heartbeat expired) fail their attempt ("worker lost")
   * and go to retry or the dead letter; returns how many.
   */
  recoverLost(liveWorkerIds: readonly string[]): Promise<number>
  get(id: string): Promise<QueuedJob | undefined>
  list(filter: ListFilter): Promise<QueuedJob[]>
  /** One queue's jobs in one state, keyset paged in the state's PAGE_ORDER (indexed on both engines). */
  page(filter: PageFilter): Promise<JobPage>
  /** Depth per queue and state, and processed/failed per minute over the last `minutes` minutes. */
  stats(minutes: number): Promise<Omit<QueueStats, 'queues'> & {queues: Omit<QueueDepth, 'paused'>[]}>
  /** Jobs that went to the dead letter at or after `since` (counted by the database, on an index). */
  deadSince(since: number): Promise<number>
  /** A dead (or retry) job back to pending, its attempts kept; false when it is not dead or retrying. */
  retry(id: string): Promise<boolean>
  retryAllDead(): Promise<number>
  delete(id: string): Promise<boolean>
  /** Deletes jobs in a finished state (completed or dead) that finished before `before`; returns how many. */
  purge(state: 'completed' | 'dead', before: number): Promise<number>
}
