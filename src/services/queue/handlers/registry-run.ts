// registry:run: one scheduled slot of a registry job, enqueued by the worker's scheduler and run through
// the runner (pause, dependencies, the lease, history, retries by priority, timeout), so cron and workers
// can be configured together without a job ever running twice at once.
import {z} from 'zod'

import {HarbormasterError} from '../../errors.js'
import {JOB_NAMES} from '../../jobs/names.js'
import {type JobSpec, jobSpec} from '../../jobs/registry.js'
import {type JobOutcome, runJob} from '../../jobs/runner.js'
import type {JobHandler} from '../job-types.js'
import type {JsonObject} from '../types.js'

const payload = z.strictObject({
  job: z.enum(JOB_NAMES),
  /** The schedule's slot (ISO 8601 UTC) this run is for. */
  slot: z.iso.datetime().optional(),
})

/** What a run leaves on the queued job: its status, run id and summary (skips are answers, not failures). */
export function outcomeResult(outcome: JobOutcome): JsonObject {
  return {
    status: outcome.status,
    run_id: outcome.runId ?? null,
    ...(outcome.skipReason ? {skip_reason: outcome.skipReason} : {}),
    summary: (outcome.summary as JsonObject | undefined) ?? null,
  }
}

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle(ctx, p) {
    const spec: JobSpec = jobSpec(p.job)
    const outcome = await runJob(ctx, p.job, spec.work, {trigger: p.slot ? `scheduler ${p.slot}` : 'queue'})
    if (outcome.status !== 'success' && outcome.status !== 'skipped') throw new HarbormasterError(`${p.job} ${outcome.status}: ${outcome.error ?? ''}`.trim())
    return outcomeResult(outcome)
  },
}
