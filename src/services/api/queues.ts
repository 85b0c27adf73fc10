// The queue over HTTP: depth and rates per queue, a queue's jobs, one queued job (the status URL an enqueue
// answers with), enqueue and retry (OPERATOR), delete and queue pause/resume (ADMIN). The same answers as `queue …` --json.
import {z} from 'zod'

import {deleted, enqueued, queuedJob, queuedJobRow, queuePauses, queueResumed, queueStatsReport, retried} from '../../schemas/queue.js'
import {deleteQueuedJob, enqueueTyped, findQueuedJob, LIST_LIMIT_MAX, listQueuedJobs, queueStats, retryQueuedJob} from '../queue/admin.js'
import {pauseQueue, queuePauses as pausesInForce, resumeQueue} from '../queue/pauses.js'
import {JOB_TYPES, QUEUE_NAMES, QUEUED_JOB_STATES} from '../queue/types.js'
import {HarbormasterError} from '../errors.js'
import {requireRole} from './auth.js'
import type {ResourceRoutes} from './plugin.js'
import {errorBody, errorBodySchema} from './schemas.js'

/** Where a queued job's state is read: what an API enqueue answers with. */
export const queuedJobUrl = (id: string) => `/api/jobs/queued/${encodeURIComponent(id)}`

const idParams = z.object({id: z.string().min(1).max(200)})
const queueParams = z.object({queue: z.enum(QUEUE_NAMES)})

export const queueJobsPage = z.object({queue: z.enum(QUEUE_NAMES), limit: z.number().int(), offset: z.number().int(), jobs: z.array(queuedJobRow)})

export const queueRoutes: ResourceRoutes = async (api, {ctx}) => {
  api.get('/api/queues', {preHandler: requireRole(ctx, 'VIEWER'), schema: {response: {200: queueStatsReport}}}, async () => queueStats(ctx))

  api.get(
    '/api/queues/:queue/jobs',
    {
      preHandler: requireRole(ctx, 'VIEWER'),
      schema: {
        params: queueParams,
        querystring: z.strictObject({
          state: z.enum(QUEUED_JOB_STATES).optional(),
          limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {200: queueJobsPage},
      },
    },
    async (req) => {
      const {limit, offset, state} = req.query
      return {queue: req.params.queue, limit, offset, jobs: await listQueuedJobs(ctx, {queue: req.params.queue, state, limit, offset})}
    },
  )

  /** What `queue enqueue` takes, as a JSON body: the same checks, the same answer (plus where to follow the job). */
  const enqueueBody = z.strictObject({
    type: z.enum(JOB_TYPES),
    payload: z.record(z.string(), z.unknown()).optional(),
    queue: z.enum(QUEUE_NAMES).optional(),
    in: z.string().max(20).optional().describe('a delay such as 30s or 2h'),
    at: z.string().max(40).optional().describe('an ISO 8601 time with its offset'),
    max_retries: z.number().int().min(0).max(25).optional(),
    unique_key: z.string().min(1).max(200).optional(),
    unique_for: z.string().max(20).optional().describe('how long the key is held at most, such as 1h'),
  })

  api.post(
    '/api/jobs/queued',
    {
      preHandler: requireRole(ctx, 'OPERATOR'),
      schema: {body: enqueueBody, response: {200: enqueued.extend({status_url: z.string()}), 201: enqueued.extend({status_url: z.string()}), 400: errorBodySchema}},
    },
    async (req, reply) => {
      const b = req.body
      try {
        const result = await enqueueTyped(ctx, {
          type: b.type,
          payload: b.payload === undefined ? undefined : JSON.stringify(b.payload),
          queue: b.queue,
          in: b.in,
          at: b.at,
          maxRetries: b.max_retries,
          uniqueKey: b.unique_key,
          uniqueFor: b.unique_for,
        })
        // A held unique key made nothing new: 200 with the job that holds it.
        return reply.code(result.duplicate ? 200 : 201).send({...result, status_url: queuedJobUrl(result.id)})
      } catch (error) {
        if (error instanceof HarbormasterError) return reply.code(400).send(errorBody(error.message))
        throw error
      }
    },
  )

  api.get(
    '/api/jobs/queued/:id',
    {preHandler: requireRole(ctx, 'VIEWER'), schema: {params: idParams, response: {200: queuedJob, 404: errorBodySchema}}},
    async (req, reply) => {
      const job = await findQueuedJob(ctx, req.params.id)
      if (!job) return reply.code(404).send(errorBody(`no queued job ${req.params.id}`, {field: 'id'}))
      return job
    },
  )

  api.post(
    '/api/jobs/queued/:id/retry',
    {preHandler: requireRole(ctx, 'OPERATOR'), schema: {params: idParams, response: {200: retried, 404: errorBodySchema, 409: errorBodySchema}}},
    async (req, reply) => {
      if (!(await findQueuedJob(ctx, req.params.id))) return reply.code(404).send(errorBody(`no queued job ${req.params.id}`, {field: 'id'}))
      try {
        return await retryQueuedJob(ctx, req.params.id)
      } catch (error) {
        // Not dead nor retrying (it completed, or runs): the job's state forbids it.
        if (error instanceof HarbormasterError) return reply.code(409).send(errorBody(error.message))
        throw error
      }
    },
  )

  api.delete(
    '/api/jobs/queued/:id',
    {preHandler: requireRole(ctx, 'ADMIN'), schema: {params: idParams, response: {200: deleted, 404: errorBodySchema}}},
    async (req, reply) => {
      if (!(await findQueuedJob(ctx, req.params.id))) return reply.code(404).send(errorBody(`no queued job ${req.params.id}`, {field: 'id'}))
      return deleteQueuedJob(ctx, req.params.id)
    },
  )

  api.post(
    '/api/queues/:queue/pause',
    {
      preHandler: requireRole(ctx, 'ADMIN'),
      schema: {params: queueParams, body: z.strictObject({reason: z.string().trim().min(1).max(500)}), response: {200: queuePauses}},
    },
    async (req) => ({pauses: await pauseQueue(ctx, req.params.queue, `${req.body.reason} (by ${req.user?.name ?? 'unknown'} over the API)`)}),
  )

  api.post(
    '/api/queues/:queue/resume',
    {preHandler: requireRole(ctx, 'ADMIN'), schema: {params: queueParams, response: {200: queueResumed, 409: errorBodySchema}}},
    async (req, reply) => {
      if (!(await pausesInForce(ctx)).some((p) => p.queue === req.params.queue)) return reply.code(409).send(errorBody(`queue ${req.params.queue} is not paused`, {field: 'queue'}))
      return resumeQueue(ctx, req.params.queue)
    },
  )
}
