// provider:refresh: one outside dataset refreshed into the cache (what POST /api/tasks/<source>/refresh/
// enqueues), through the runner as cron runs jobs (the pause, the lease, a job_runs row, the timeout, the
// pings). Idempotent: a refresh fetches and replaces what it refreshes, so running it twice refreshes twice;
// while another run holds the lease it is skipped, not failed (that run is refreshing already).
import {z} from 'zod'

import {HarbormasterError} from '../../errors.js'
import {runJob} from '../../jobs/runner.js'
import {REFRESH_SOURCES, REFRESHES} from '../../providers/refreshes.js'
import type {JobHandler} from '../job-types.js'
import {outcomeResult} from './registry-run.js'

const payload = z.strictObject({
  source: z.enum(REFRESH_SOURCES),
})

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle(ctx, p) {
    const refresh = REFRESHES[p.source]
    const outcome = await runJob(ctx, refresh.job, refresh.work, {trigger: 'queue', lockName: refresh.lockName})
    if (outcome.status !== 'success' && outcome.status !== 'skipped') throw new HarbormasterError(`refresh of ${p.source} (${refresh.job}) ${outcome.status}: ${outcome.error ?? ''}`.trim())
    return {source: p.source, job: refresh.job, ...outcomeResult(outcome)}
  },
}
