// POST /api/tasks/<source>/refresh/: enqueues a refresh of the source (provider:refresh, one per source while
// one is unfinished) and answers 202 at once with the queued job and where to follow it; a worker runs it
// through the runner as cron runs jobs (the pause, the lease, a job_runs row, the timeout, the pings).
import {z} from 'zod'

import {REFRESH_SOURCES, REFRESHES} from '../providers/refreshes.js'
import {enqueue} from '../queue/queue.js'
import {requireRole} from './auth.js'
import type {ResourceRoutes} from './plugin.js'

export const refreshAcceptedSchema = z.object({
  /** The queued provider:refresh job. */
  job_id: z.string(),
  /** GET it for the job's state and, once done, its result. */
  status_url: z.string(),
  /** The job its runs are recorded as (jobs history). */
  job: z.string(),
  source: z.string(),
  /** A refresh of this source was already queued: that job is the answer. */
  duplicate: z.boolean(),
  /** When the job is due (ISO 8601 UTC). */
  run_at: z.string(),
})

export const taskRoutes: ResourceRoutes = async (api, {ctx}) => {
  api.post(
    '/api/tasks/:source/refresh/',
    {
      preHandler: requireRole(ctx, 'ADMIN'),
      schema: {
        params: z.object({source: z.enum(REFRESH_SOURCES)}),
        response: {202: refreshAcceptedSchema},
      },
    },
    async (req, reply) => {
      const {source} = req.params
      const queued = await enqueue(ctx, {type: 'provider:refresh', payload: {source}, uniqueKey: `provider:refresh:${source}`})
      req.log.info({job_id: queued.id, duplicate: queued.duplicate, requested_by: req.user?.name}, `refresh of ${source} queued`)
      return reply.code(202).send({
        job_id: queued.id,
        status_url: `/api/jobs/queued/${queued.id}`,
        job: REFRESHES[source].job,
        source,
        duplicate: queued.duplicate,
        run_at: new Date(queued.runAt).toISOString(),
      })
    },
  )
}
