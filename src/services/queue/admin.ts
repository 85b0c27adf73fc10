// What operators do to the queue, shared by the `queue …` commands and the API: enqueue
// from what they typed, list, show, stats (the engine's depths with the pauses and weights), retry, delete and
// purge, each answering in the --json and API shapes of schemas/queue.ts.
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {parseDuration, parseInstant} from '../duration.js'
import {HarbormasterError, usageError} from '../errors.js'
import type {Enqueued, QueueDepthEntry, QueuedJobDetails, QueuedJobRow, QueueStatsReport} from '../../schemas/queue.js'
import type {QueuePause} from '../../schemas/workers.js'
import {isJobType} from './job-types.js'
import {queuePauses} from './pauses.js'
import {enqueue, parseQueueWeights, queueEngine} from './queue.js'
import {JOB_TYPES, type JsonObject, type ListFilter, type PageCursor, QUEUE_NAMES, type QueuedJob, type QueuedJobState, QUEUED_JOB_STATES, type QueueName} from './types.js'

const isoTime = (ms: number) => new Date(ms).toISOString()

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name)
}

export function checkQueueName(name: string): QueueName {
  if (!isQueueName(name)) throw usageError(`no queue ${name}`, `queues are ${QUEUE_NAMES.join(', ')}`)
  return name
}

/** What `queue enqueue` was given, as typed. */
export interface EnqueueInput {
  type: string
  /** A JSON object. */
  payload?: string
  /** A delay such as 30s or 2h. */
  in?: string
  /** An ISO 8601 time with its offset. */
  at?: string
  queue?: string
  maxRetries?: number
  uniqueKey?: string
  /** How long the key is held at most, such as 1h. */
  uniqueFor?: string
}

function parsePayload(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw usageError(`--payload is not JSON: ${(error as Error).message}`, `quote it for the shell, e.g. --payload '{"mmsi": 244000001}'`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw usageError('--payload must be a JSON object', `e.g. --payload '{"mmsi": 244000001}'`)
  return value as JsonObject
}

/** Enqueues what an operator typed (`queue enqueue`); a held unique key answers with its job, duplicate: true. */
export async function enqueueTyped(ctx: Context, input: EnqueueInput): Promise<Enqueued> {
  if (!isJobType(input.type)) throw usageError(`no job type ${input.type}`, `choose one of ${JOB_TYPES.join(', ')}`)
  if (input.in !== undefined && input.at !== undefined) throw usageError('--in and --at exclude each other', 'give a delay (--in 30s) or a time (--at 2026-11-24T18:00:00Z)')
  if (input.uniqueFor !== undefined && input.uniqueKey === undefined) throw usageError('--unique-for needs --unique-key', 'e.g. --unique-key vessel:244000001 --unique-for 1h')
  const runAt = input.in !== undefined ? ctx.clock.now() + parseDuration(input.in, '--in') : input.at !== undefined ? parseInstant(input.at, '--at') : undefined
  const result = await enqueue(ctx, {
    type: input.type,
    payload: parsePayload(input.payload),
    queue: input.queue === undefined ? undefined : checkQueueName(input.queue),
    runAt,
    maxRetries: input.maxRetries,
    uniqueKey: input.uniqueKey,
    uniqueForSeconds: input.uniqueFor === undefined ? undefined : Math.ceil(parseDuration(input.uniqueFor, '--unique-for') / 1000),
  })
  return {id: result.id, duplicate: result.duplicate, type: result.type, queue: result.queue, run_at: isoTime(result.runAt)}
}

export function jobRow(job: QueuedJob): QueuedJobRow {
  return {
    id: job.id,
    type: job.type,
    queue: job.queue,
    state: job.state,
    attempts: job.attempts,
    max_retries: job.maxRetries,
    created_at: isoTime(job.createdAt),
    run_at: isoTime(job.runAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    unique_key: job.uniqueKey,
    worker_id: job.workerId,
    last_error: job.errors.at(-1)?.message ?? null,
  }
}

type TimelineEntry = QueuedJobDetails['timeline'][number]

/** What happened to a job, oldest first, from the times and errors it keeps. */
function timeline(job: QueuedJob): TimelineEntry[] {
  const entries: Array<{at: number; event: TimelineEntry['event']; detail: string | null}> = [{at: job.createdAt, event: 'enqueued', detail: `${job.queue} queue`}]
  if (job.errors.length === 0 && job.runAt > job.createdAt) entries.push({at: job.runAt, event: 'due', detail: job.state === 'scheduled' ? 'waits for its time' : 'its delay ended'})
  for (const error of job.errors) entries.push({at: error.at, event: 'failed', detail: `attempt ${error.attempt}: ${error.message}`})
  if (job.state === 'retry') entries.push({at: job.runAt, event: 'due', detail: `retry ${job.attempts} of ${job.maxRetries}`})
  if (job.startedAt !== null) entries.push({at: job.startedAt, event: 'started', detail: `attempt ${job.attempts}${job.workerId && job.state === 'active' ? ` on ${job.workerId}` : ''}`})
  if (job.finishedAt !== null && (job.state === 'completed' || job.state === 'dead')) {
    entries.push({at: job.finishedAt, event: job.state, detail: job.state === 'dead' ? `out of retries after ${job.attempts} attempts` : null})
  }
  // Stable: an attempt's start comes before its failure at the same millisecond only if pushed first.
  const order: Record<TimelineEntry['event'], number> = {enqueued: 0, due: 1, started: 2, failed: 3, completed: 4, dead: 4}
  return entries.sort((a, b) => a.at - b.at || order[a.event] - order[b.event]).map((e) => ({at: isoTime(e.at), event: e.event, detail: e.detail}))
}

export function jobDetails(job: QueuedJob): QueuedJobDetails {
  return {
    ...jobRow(job),
    payload: job.payload,
    timeout_seconds: job.timeoutSeconds,
    errors: job.errors.map((e) => ({attempt: e.attempt, at: isoTime(e.at), message: e.message, stack: e.stack ?? null})),
    result: job.result ?? null,
    timeline: timeline(job),
  }
}

function noSuchJob(id: string): HarbormasterError {
  return new HarbormasterError(`no queued job ${id}`, {hint: 'see `harbormaster queue list` for the ids (completed and dead jobs are kept until purged)'})
}

export interface ListInput {
  state?: string
  queue?: string
  type?: string
  limit?: number
  offset?: number
}

export const LIST_LIMIT_MAX = 1000

/** Queued jobs, newest first. */
export async function listQueuedJobs(ctx: Context, input: ListInput = {}): Promise<QueuedJobRow[]> {
  const filter: ListFilter = {limit: Math.min(input.limit ?? 50, LIST_LIMIT_MAX), offset: input.offset ?? 0}
  if (input.state !== undefined) {
    if (!(QUEUED_JOB_STATES as readonly string[]).includes(input.state)) throw usageError(`no state ${input.state}`, `states are ${QUEUED_JOB_STATES.join(', ')}`)
    filter.state = input.state as QueuedJobState
  }
  if (input.queue !== undefined) filter.queue = checkQueueName(input.queue)
  if (input.type !== undefined) {
    if (!isJobType(input.type)) throw usageError(`no job type ${input.type}`, `choose one of ${JOB_TYPES.join(', ')}`)
    filter.type = input.type
  }
  return (await (await queueEngine(ctx)).list(filter)).map(jobRow)
}

/** Where a page starts, as it goes in a page link: the cursor's key and id joined by `_` (neither holds one). */
export function pageCursorText(cursor: PageCursor): string {
  return `${cursor.key}_${cursor.id}`
}

function parsePageCursor(text: string): PageCursor {
  const cut = text.indexOf('_')
  if (cut <= 0 || cut === text.length - 1) throw usageError(`no page starts after ${text}`, 'follow the page links from the first page')
  return {key: text.slice(0, cut), id: text.slice(cut + 1)}
}

export interface PageInput {
  queue: string
  state: string
  limit?: number
  /** A previous page's `next`. */
  after?: string
}

export interface QueuedJobPage {
  queue: QueueName
  state: QueuedJobState
  jobs: QueuedJobRow[]
  /** Where the next page starts (pass it as `after`); null on the last page. */
  next: string | null
}

/** One queue's jobs in one state, a page at a time (keyset: as fast on the thousandth page as on the first). */
export async function queueJobPage(ctx: Context, input: PageInput): Promise<QueuedJobPage> {
  const queue = checkQueueName(input.queue)
  if (!(QUEUED_JOB_STATES as readonly string[]).includes(input.state)) throw usageError(`no state ${input.state}`, `states are ${QUEUED_JOB_STATES.join(', ')}`)
  const state = input.state as QueuedJobState
  const page = await (await queueEngine(ctx)).page({
    queue,
    state,
    limit: Math.min(Math.max(input.limit ?? 50, 1), LIST_LIMIT_MAX),
    after: input.after === undefined ? undefined : parsePageCursor(input.after),
  })
  return {queue, state, jobs: page.jobs.map(jobRow), next: page.next && pageCursorText(page.next)}
}

/** One job in full; undefined when there is none with that id. */
export async function findQueuedJob(ctx: Context, id: string): Promise<QueuedJobDetails | undefined> {
  const job = await (await queueEngine(ctx)).get(id)
  return job && jobDetails(job)
}

export async function showQueuedJob(ctx: Context, id: string): Promise<QueuedJobDetails> {
  const job = await findQueuedJob(ctx, id)
  if (!job) throw noSuchJob(id)
  return job
}

/** The pause of each paused queue. */
async function pausesByQueue(ctx: Context): Promise<Map<QueueName, QueuePause>> {
  return new Map((await queuePauses(ctx)).map((p) => [p.queue, p]))
}

/** Per minute averages cover this many minutes unless asked otherwise. */
export const STATS_WINDOW_MINUTES = 15

/** Depth per queue and state (with its pause and weight), processed and failed per minute, oldest pending age. */
export async function queueStats(ctx: Context, minutes = STATS_WINDOW_MINUTES): Promise<QueueStatsReport> {
  const engine = await queueEngine(ctx)
  const stats = await engine.stats(minutes)
  const pauses = await pausesByQueue(ctx)
  const weights = parseQueueWeights(ctx.config.queueWeights)
  const byQueue = new Map(stats.queues.map((q) => [q.queue, q]))
  const queues: QueueDepthEntry[] = QUEUE_NAMES.map((queue) => {
    const depth = byQueue.get(queue)
    return {
      queue,
      weight: weights[queue] ?? 0,
      paused: pauses.get(queue) ?? null,
      states: Object.fromEntries(QUEUED_JOB_STATES.map((s) => [s, depth?.states[s] ?? 0])) as QueueDepthEntry['states'],
      oldest_pending_seconds: depth?.oldestPendingMs == null ? null : Math.max(0, Math.round(depth.oldestPendingMs / 100) / 10),
    }
  })
  const processed = stats.perMinute.reduce((n, m) => n + m.processed, 0)
  const failed = stats.perMinute.reduce((n, m) => n + m.failed, 0)
  const rate = (n: number) => Math.round((n / minutes) * 100) / 100
  return {
    engine: engine.engine,
    queues,
    window_minutes: minutes,
    processed_per_minute: rate(processed),
    failed_per_minute: rate(failed),
    per_minute: stats.perMinute.map((m) => ({minute: isoTime(m.minute), processed: m.processed, failed: m.failed})),
  }
}

/** A dead (or retrying) job back to pending now, its attempts kept. */
export async function retryQueuedJob(ctx: Context, id: string): Promise<{retried: string[]}> {
  const engine = await queueEngine(ctx)
  const job = await engine.get(id)
  if (!job) throw noSuchJob(id)
  if (!(await engine.retry(id))) {
    const now = (await engine.get(id))?.state ?? job.state
    throw new HarbormasterError(`queued job ${id} is ${now}: only a dead or retrying job can be retried`, {
      exitCode: 2,
      hint: now === 'completed' ? 'enqueue it again with `harbormaster queue enqueue`' : 'it will run (or is running) without being asked',
    })
  }
  return {retried: [id]}
}

/** Every job in the dead letter back to pending. */
export async function retryAllDead(ctx: Context): Promise<{retried: string[]}> {
  const engine = await queueEngine(ctx)
  // The ids first, for the report; a job going dead in between is retried too but not named.
  const dead: string[] = []
  for (let offset = 0; ; offset += LIST_LIMIT_MAX) {
    const page = await engine.list({state: 'dead', limit: LIST_LIMIT_MAX, offset})
    dead.push(...page.map((j) => j.id))
    if (page.length < LIST_LIMIT_MAX) break
  }
  await engine.retryAllDead()
  return {retried: dead}
}

export async function deleteQueuedJob(ctx: Context, id: string): Promise<{deleted: string}> {
  if (!(await (await queueEngine(ctx)).delete(id))) throw noSuchJob(id)
  return {deleted: id}
}

/** Deletes completed (or dead) jobs that finished longer ago than `olderThan` (7d, 24h). */
export async function purgeQueuedJobs(ctx: Context, state: string, olderThan: string): Promise<{state: 'completed' | 'dead'; finished_before: string; purged: number}> {
  if (state !== 'completed' && state !== 'dead') throw usageError(`only completed or dead jobs are purged, not ${state}`, 'pass --state completed or --state dead')
  const before = ctx.clock.now() - parseDuration(olderThan, '--older-than')
  const purged = await (await queueEngine(ctx)).purge(state, before)
  return {state, finished_before: isoTime(before), purged}
}
