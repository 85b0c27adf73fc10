// Every job type the queue runs, in one place: its queue, retries and timeout, what it is for, and the
// handler module that does it (imported when a job of the type runs, so enqueueing stays light).
import type {z} from 'zod'

import type {Context} from '../context.js'
import type {ClaimedJob, JobType, JsonObject, QueueName} from './types.js'

/** What a handler module exports: its payload's schema and the work. Handlers are idempotent (delivery is at least once). */
export interface JobHandler<P extends JsonObject = JsonObject> {
  payload: z.ZodType<P>
  /** ctx.signal is aborted at the job's timeout or the worker's grace period; the result is kept on the job. */
  handle(ctx: Context, payload: P, job: ClaimedJob): Promise<JsonObject>
}

export interface JobTypeSpec {
  type: JobType
  description: string
  queue: QueueName
  maxRetries: number
  timeoutSeconds: number
  handler(): Promise<JobHandler>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module's handler has its own payload type
const load = (loader: () => Promise<{handler: JobHandler<any>}>) => async () => (await loader()).handler as JobHandler

export const JOB_TYPE_SPECS: {readonly [T in JobType]: JobTypeSpec & {type: T}} = {
  'notify:deliver': {
    type: 'notify:deliver',
    description: 'one notification or webhook delivery',
    queue: 'critical',
    maxRetries: 5,
    timeoutSeconds: 60,
    handler: load(() => import('./handlers/notify-deliver.js')),
  },
  'vessel:analyze': {
    type: 'vessel:analyze',
    description: "one vessel's recent track through the detection services",
    queue: 'analysis',
    maxRetries: 3,
    timeoutSeconds: 120,
    handler: load(() => import('./handlers/vessel-analyze.js')),
  },
  'vessel:identity-check': {
    type: 'vessel:identity-check',
    description: "one vessel's identity: IMO check digit, MMSI and flag, name and call sign changes, one MMSI in two places",
    queue: 'compliance',
    maxRetries: 3,
    timeoutSeconds: 60,
    handler: load(() => import('./handlers/vessel-identity-check.js')),
  },
  'provider:refresh': {
    type: 'provider:refresh',
    description: 'refresh one outside dataset into the cache',
    queue: 'default',
    maxRetries: 3,
    timeoutSeconds: 900,
    handler: load(() => import('./handlers/provider-refresh.js')),
  },
  'system:cleanup': {
    type: 'system:cleanup',
    description: 'expired cache, and rows past their retention',
    queue: 'default',
    maxRetries: 2,
    timeoutSeconds: 1800,
    handler: load(() => import('./handlers/system-cleanup.js')),
  },
  'system:canary': {
    type: 'system:canary',
    description: 'a fire drill: succeeds, fails or takes a while as its payload asks',
    queue: 'default',
    maxRetries: 5,
    timeoutSeconds: 300,
    handler: load(() => import('./handlers/system-canary.js')),
  },
  'registry:run': {
    type: 'registry:run',
    description: "one scheduled slot of a registry job, run through the runner (lease, history, retries)",
    queue: 'default',
    maxRetries: 0,
    timeoutSeconds: 3600,
    handler: load(() => import('./handlers/registry-run.js')),
  },
}

export function isJobType(type: string): type is JobType {
  return Object.hasOwn(JOB_TYPE_SPECS, type)
}
