// POST /api/tasks/<source>/refresh/: refreshes a source in the background through the runner, as cron runs
// jobs (the pause, the lease, a job_runs row, the timeout, the pings); 409 while its lease is held.
import {z} from 'zod'

import type {Context} from '../context.js'
import {leaseHolder} from '../jobs/lease.js'
import {jobSpec, type JobSummary} from '../jobs/registry.js'
import {type JobOutcome, runJob} from '../jobs/runner.js'
import {refreshPortWeather} from '../providers/open-meteo.js'
import {refreshStormZones} from '../safety/storms.js'
import {requireRole} from './auth.js'
import type {ResourceRoutes} from './plugin.js'
import {errorBody, errorBodySchema} from './schemas.js'

/** What refreshes each source: a registry job, or one step of the safety job run under the safety lease. */
const REFRESHES: Record<string, {job: string; lockName?: string; work: (c: Context) => Promise<JobSummary>}> = {
  nws: {job: 'nws-refresh', lockName: 'safety', work: async (c) => ({success: true, ...(await refreshStormZones(c))})},
  'open-meteo': {job: 'open-meteo-refresh', lockName: 'safety', work: async (c) => ({success: true, ...(await refreshPortWeather(c))})},
}
for (const source of ['aishub', 'aisstream', 'nmea-tcp', 'nmea-udp', 'nmea-file']) REFRESHES[source] = {job: 'vessels', work: (c) => jobSpec('vessels')!.work(c)}

export const refreshAcceptedSchema = z.object({run_id: z.number().int(), status_url: z.string(), job: z.string()})

const taskStatusOf = (outcome: JobOutcome) => (outcome.status === 'success' ? 'success' : outcome.status === 'skipped' ? 'skipped' : 'failed')

export const taskRoutes: ResourceRoutes = async (api, {ctx, runs, tasks}) => {
  api.post(
    '/api/tasks/:source/refresh/',
    {
      preHandler: requireRole(ctx, 'ADMIN'),
      schema: {
        params: z.object({source: z.enum(Object.keys(REFRESHES) as [string, ...string[]])}),
        response: {202: refreshAcceptedSchema, 409: errorBodySchema},
      },
    },
    async (req, reply) => {
      const {source} = req.params
      const refresh = REFRESHES[source]
      const lock = refresh.lockName ?? refresh.job
      const holder = await leaseHolder(ctx, lock)
      if (holder) return reply.code(409).send(errorBody(`${lock} is already running`, {holder}))
      const id = await tasks.start({kind: 'refresh', target: source, requestedBy: req.user?.name ?? 'unknown'}, async () => {
        const outcome = await runJob(runs, refresh.job, refresh.work, {trigger: 'api', lockName: refresh.lockName})
        return {status: taskStatusOf(outcome), result: (outcome.summary as Record<string, unknown> | undefined) ?? null, error: outcome.error ?? outcome.skipReason}
      })
      return reply.code(202).send({run_id: id, status_url: `/api/jobs/runs/${id}/`, job: refresh.job})
    },
  )
}
