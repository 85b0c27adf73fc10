// The queue as services, commands, the API and triggers use it: the engine for the context's database
// (embedded tables on SQLite, pg-boss on PostgreSQL), enqueue with each type's defaults and a checked
// payload, and the weights of the queues.
import type {Context} from '../context.js'
import {usageError} from '../errors.js'
import {isJobType, type JobHandler, JOB_TYPE_SPECS} from './job-types.js'
import {DEFAULT_QUEUE_WEIGHTS, type EnqueueRequest, type EnqueueResult, type JobType, QUEUE_NAMES, type QueueEngine, type QueueName} from './types.js'

/** One engine per open database: pg-boss keeps state (its started schema), the embedded one its statements. */
const engines = new WeakMap<object, Promise<QueueEngine>>()

export function queueEngine(ctx: Context): Promise<QueueEngine> {
  let engine = engines.get(ctx.db)
  if (!engine) {
    engine = (async () => {
      const made =
        ctx.db.dialect === 'postgres'
          ? (await import('./engines/pg-boss.js')).pgBossEngine(ctx)
          : (await import('./engines/embedded.js')).embeddedEngine(ctx)
      await made.start()
      return made
    })()
    // A failed start is not kept: the next call tries again.
    engine.catch(() => engines.delete(ctx.db))
    engines.set(ctx.db, engine)
  }
  return engine
}

/** Stops the context's engine if one was started (before the database closes). */
export async function stopQueueEngine(ctx: Context): Promise<void> {
  const engine = engines.get(ctx.db)
  if (!engine) return
  engines.delete(ctx.db)
  await (await engine.catch(() => undefined))?.stop()
}

type CompleteRequest = Required<Omit<EnqueueRequest, 'uniqueKey' | 'uniqueForSeconds'>> & EnqueueRequest

/** The handler of every type asked for, loaded once (a batch of 10,000 has one or two types). */
async function handlersOf(requests: readonly EnqueueRequest[]): Promise<Map<JobType, JobHandler>> {
  const handlers = new Map<JobType, JobHandler>()
  for (const {type} of requests) {
    if (handlers.has(type)) continue
    if (!isJobType(type)) throw usageError(`no job type ${type}`, `choose one of ${Object.keys(JOB_TYPE_SPECS).join(', ')}`)
    handlers.set(type, await JOB_TYPE_SPECS[type].handler())
  }
  return handlers
}

/** The request with its type's queue, retries and timeout filled in, its payload checked against the type's schema. */
function completeWith(ctx: Context, handler: JobHandler, request: EnqueueRequest): CompleteRequest {
  const spec = JOB_TYPE_SPECS[request.type]
  const parsed = handler.payload.safeParse(request.payload ?? {})
  if (!parsed.success) throw usageError(`payload of ${request.type} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`)
  if (request.uniqueKey !== undefined && !request.uniqueKey.trim()) throw usageError('a unique key cannot be empty')
  if (request.uniqueForSeconds !== undefined && request.uniqueKey === undefined) throw usageError('--unique-for needs --unique-key')
  return {
    ...request,
    payload: parsed.data,
    queue: request.queue ?? spec.queue,
    runAt: request.runAt ?? ctx.clock.now(),
    maxRetries: request.maxRetries ?? spec.maxRetries,
    timeoutSeconds: request.timeoutSeconds ?? spec.timeoutSeconds,
  }
}

/** Requests completed and checked (completeWith), every handler loaded once. */
export async function completeRequests(ctx: Context, requests: readonly EnqueueRequest[]): Promise<CompleteRequest[]> {
  const handlers = await handlersOf(requests)
  return requests.map((request) => completeWith(ctx, handlers.get(request.type)!, request))
}

/** Enqueues one job (a held unique key answers with the job that holds it, duplicate: true). */
export async function enqueue(ctx: Context, request: EnqueueRequest): Promise<EnqueueResult> {
  const [complete] = await completeRequests(ctx, [request])
  return (await queueEngine(ctx)).enqueue(complete)
}

/** Enqueues many in one call. */
export async function enqueueMany(ctx: Context, requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
  const complete = await completeRequests(ctx, requests)
  return (await queueEngine(ctx)).enqueueMany(complete)
}

export type QueueWeights = Partial<Record<QueueName, number>>

/** `critical=6,analysis=2` → weights; the queues named are the ones served. */
export function parseQueueWeights(text: string): QueueWeights {
  const weights: QueueWeights = {}
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, weight] = item.split('=')
    if (!(QUEUE_NAMES as readonly string[]).includes(name)) throw usageError(`no queue ${name}`, `queues are ${QUEUE_NAMES.join(', ')}`)
    const value = weight === undefined ? DEFAULT_QUEUE_WEIGHTS[name as QueueName] : Number(weight)
    if (!Number.isInteger(value) || value < 1) throw usageError(`weight of ${name} must be a whole number of 1 or more, not ${weight}`)
    weights[name as QueueName] = value
  }
  if (Object.keys(weights).length === 0) throw usageError('no queue to serve', 'name at least one, e.g. critical=6,default=1')
  return weights
}
