// system:cleanup: the cleanup job (expired cache, rows past retention) run through the runner from the
// queue, so it never runs twice at once with cron's `cleanup` (they share the lease).
import {z} from 'zod'

import {jobSpec} from '../../jobs/registry.js'
import {runJob} from '../../jobs/runner.js'
import {HarbormasterError} from '../../errors.js'
import type {JobHandler} from '../job-types.js'
import {outcomeResult} from './registry-run.js'

const payload = z.strictObject({})

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle(ctx) {
    const outcome = await runJob(ctx, 'cleanup', jobSpec('cleanup').work, {trigger: 'queue'})
    if (outcome.status !== 'success' && outcome.status !== 'skipped') throw new HarbormasterError(`cleanup ${outcome.status}: ${outcome.error ?? ''}`.trim())
    return outcomeResult(outcome)
  },
}
