// Commands that run one registry job (db backup, db maintain, cleanup, usage-report, jobs run) share this:
// the job goes through the runner (pause, dependencies, lease, history, retries, timeout, pings), the
// outcome is printed, and a failure or timeout exits 1.
import type {Command} from '@oclif/core'

import type {JobRunResult} from '../schemas/jobs.js'
import type {Context} from '../services/context.js'
import type {JobName, SummaryOf} from '../services/jobs/registry.js'
import {BaseCommand} from './base-command.js'

export abstract class JobCommand<T extends typeof Command> extends BaseCommand<T> {
  protected async runRegistryJob<N extends JobName>(name: N, options: {ignoreDependencies?: boolean} = {}): Promise<JobRunResult<N>> {
    const ctx = await this.context()
    const [{runJob}, {jobSpec}, {isFailure}] = await Promise.all([
      import('../services/jobs/runner.js'),
      import('../services/jobs/registry.js'),
      import('../services/jobs/runs.js'),
    ])
    const work = jobSpec(name).work as (ctx: Context) => Promise<SummaryOf<N>>
    const outcome = await runJob(ctx, name, work, {ignoreDependencies: options.ignoreDependencies})
    if (isFailure(outcome.status)) process.exitCode = 1
    const result = {
      job: name,
      status: outcome.status,
      run_id: outcome.runId ?? null,
      duration_seconds: outcome.durationMs / 1000,
      attempts: outcome.attempts ?? 0,
      ...(outcome.skipReason ? {reason: outcome.skipReason} : {}),
      ...(outcome.error ? {error: outcome.error} : {}),
      summary: outcome.summary ?? null,
    } as JobRunResult<N>
    if (!this.jsonEnabled()) {
      const {renderJobOutcome} = await import('../render/jobs.js')
      this.log(renderJobOutcome(result, this.painter(process.stdout)))
    }
    return result
  }
}
