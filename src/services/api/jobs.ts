// POST /api/jobs/run/ starts seed job runs in the background through the runner and leases cron uses (409
// while one runs); GET /api/jobs/runs/<id>/ says how a run started over HTTP (a job run or a refresh) went.
import {z} from 'zod'

import {backgroundJobsSummary} from '../../schemas/jobs.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {taskById} from '../db/api-tasks.js'
import {leaseHolder} from '../jobs/lease.js'
import {BACKGROUND_JOB_NAMES, type BackgroundJobName, type JobName} from '../jobs/names.js'
import {type JobSpec, jobSpec} from '../jobs/registry.js'
import {runBackgroundJobs, runJob, SEED_JOB_NAMES, type SeedJobName} from '../jobs/runner.js'
import {outcomeResult} from '../queue/handlers/registry-run.js'
import {requireRole} from './auth.js'
import type {ApiOptions, ResourceRoutes} from './plugin.js'
import {errorBody, errorBodySchema, utcTime} from './schemas.js'

export const runAcceptedSchema = z.object({
  run_id: z.number().int(),
  status_url: z.string(),
  status: z.literal('running'),
  jobs: z.array(z.enum(SEED_JOB_NAMES)),
})

export const taskStatusSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['jobs', 'refresh']),
  target: z.string(),
  status: z.enum(['running', 'success', 'failed', 'skipped']),
  requested_by: z.string(),
  created_at: utcTime,
  completed_at: utcTime.nullable(),
  error: z.string().optional(),
  /** When done: the run-background-jobs summary, or the refresh's summary. */
  summary: z.record(z.string(), z.unknown()).optional(),
})
export type TaskStatus = z.infer<typeof taskStatusSchema>

export async function taskStatus(ctx: Context, id: number): Promise<TaskStatus | undefined> {
  const row = await taskById(ctx.db, id)
  if (!row) return undefined
  return {
    id: row.id,
    kind: row.kind,
    target: row.target,
    status: row.status,
    requested_by: row.requestedBy,
    created_at: iso(row.createdAt) as string,
    completed_at: iso(row.completedAt),
    ...(row.error ? {error: row.error} : {}),
    ...(row.result ? {summary: inSchemaOrder(row.kind, row.result)} : {}),
  }
}

/**
 * A stored run summary with its keys in the schema's order again: PostgreSQL's jsonb keeps the values but
 * not the order of an object's keys, and clients reading the answer by eye expect the order SQLite returns.
 */
function inSchemaOrder(kind: 'jobs' | 'refresh', result: Record<string, unknown>): Record<string, unknown> {
  if (kind !== 'jobs') return result
  const parsed = backgroundJobsSummary.safeParse(result)
  return parsed.success ? (parsed.data as unknown as Record<string, unknown>) : result
}

const isBackgroundJob = (job: JobName): job is BackgroundJobName => (BACKGROUND_JOB_NAMES as readonly string[]).includes(job)

export type StartedRuns = {started: true; id: number} | {started: false; job: JobName; holder: string}

/**
 * Starts runs of registry jobs over HTTP (the API's POST, the web page's Run now): refused while one of them
 * is running (the lease's holder says who runs it), else recorded as a task and run after the reply
 * through the runner and leases cron uses; the background jobs together (run-background-jobs' summary),
 * any other one job on its own.
 */
export async function startJobRuns(
  {ctx, runs, tasks}: Pick<ApiOptions, 'ctx' | 'runs' | 'tasks'>,
  jobs: readonly JobName[],
  request: {target: string; requestedBy: string; trigger: string},
): Promise<StartedRuns> {
  for (const job of jobs) {
    const holder = await leaseHolder(ctx, job)
    if (holder) return {started: false, job, holder}
  }
  const background = jobs.filter(isBackgroundJob)
  if (background.length !== jobs.length && jobs.length !== 1) throw new Error(`only background jobs run together: ${jobs.join(', ')}`)
  const id = await tasks.start({kind: 'jobs', target: request.target, requestedBy: request.requestedBy}, async () => {
    if (background.length === jobs.length) {
      const {summary, outcomes} = await runBackgroundJobs(runs, background, {}, {trigger: request.trigger})
      const status = outcomes.some((o) => o.status !== 'success' && o.status !== 'skipped') ? 'failed' : outcomes.every((o) => o.status === 'skipped') ? 'skipped' : 'success'
      return {status, result: summary as unknown as Record<string, unknown>}
    }
    const spec: JobSpec = jobSpec(jobs[0])
    const outcome = await runJob(runs, spec.name, spec.work, {trigger: request.trigger})
    const status = outcome.status === 'success' || outcome.status === 'skipped' ? outcome.status : 'failed'
    return {status, result: outcomeResult(outcome), ...(outcome.error ? {error: outcome.error} : {})}
  })
  return {started: true, id}
}

export const jobRoutes: ResourceRoutes = async (api, {ctx, runs, tasks}) => {
  api.post(
    '/api/jobs/run/',
    {
      preHandler: requireRole(ctx, 'ADMIN'),
      schema: {
        querystring: z.strictObject({job: z.enum([...SEED_JOB_NAMES, 'all'])}),
        response: {202: runAcceptedSchema, 409: errorBodySchema},
      },
    },
    async (req, reply) => {
      const {job} = req.query
      const jobs: SeedJobName[] = job === 'all' ? [...SEED_JOB_NAMES] : [job]
      const started = await startJobRuns({ctx, runs, tasks}, jobs, {target: job, requestedBy: req.user?.name ?? 'unknown', trigger: 'api'})
      if (!started.started) return reply.code(409).send(errorBody(`${started.job} is already running`, {holder: started.holder}))
      return reply.code(202).send({run_id: started.id, status_url: `/api/jobs/runs/${started.id}/`, status: 'running', jobs})
    },
  )

  api.get(
    '/api/jobs/runs/:id/',
    {
      preHandler: requireRole(ctx, 'VIEWER'),
      schema: {params: z.object({id: z.coerce.number().int().min(1)}), response: {200: taskStatusSchema, 404: errorBodySchema}},
    },
    async (req, reply) => {
      const task = await taskStatus(ctx, req.params.id)
      if (!task) return reply.code(404).send(errorBody('no such run', {field: 'id'}))
      return task
    },
  )
}
