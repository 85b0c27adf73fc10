// Commands that run one registry job (db backup, db maintain, cleanup, usage-report, jobs run) share this:
// the job goes through the runner (pause, dependencies, lease, history, retries, timeout, pings), the
// outcome is printed, and a failure or timeout exits 1.
import type {Command} from '@oclif/core'

import {BaseCommand} from './base-command.js'

export abstract class JobCommand<T extends typeof Command> extends BaseCommand<T> {
  protected async runRegistryJob(name: string, options: {ignoreDependencies?: boolean} = {}) {
    const ctx = await this.context()
    const {runJob} = await import('../services/jobs/runner.js')
    const {jobSpec} = await import('../services/jobs/registry.js')
    const {usageError} = await import('../services/errors.js')
    const spec = jobSpec(name)
    if (!spec) throw usageError(`no job ${name}`, 'see `harbormaster jobs list`')
    const outcome = await runJob(ctx, name, spec.work, {ignoreDependencies: options.ignoreDependencies})
    const {isFailure} = await import('../services/jobs/runs.js')
    if (isFailure(outcome.status)) process.exitCode = 1
    const result = {job: name, status: outcome.status, run_id: outcome.runId ?? null, duration_seconds: outcome.durationMs / 1000, attempts: outcome.attempts ?? 0, ...(outcome.skipReason ? {reason: outcome.skipReason} : {}), ...(outcome.error ? {error: outcome.error} : {}), summary: outcome.summary ?? null}
    if (!this.jsonEnabled()) {
      const {renderJobOutcome} = await import('../render/jobs.js')
      this.log(renderJobOutcome(result, this.painter(process.stdout)))
    }
    return result
  }
}
