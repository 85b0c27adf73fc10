import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class JobsRunDue extends BaseCommand<typeof JobsRunDue> {
  static override summary = 'Run every job whose scheduled time has come since its last run, once each.'
  static override description = `The scheduler tick: one crontab line (* * * * *) can drive every job. After downtime, each missed job
runs once (saying it is catching up), never once per missed slot. --jitter spreads the :00 herd of many hosts.`

  static override examples = ['* * * * * cd /opt/harbormaster && ./bin/run.js <%= command.id %> --jitter 20 >> /var/log/harbormaster/due.log 2>&1']
  static override flags = {jitter: Flags.integer({description: 'Wait a random 0..N seconds first.', min: 0, default: 0})}

  async run(): Promise<ResultOf<'jobs run-due'>> {
    const ctx = await this.context()
    const {sleepUnlessCancelled} = await import('../../services/cancel.js')
    if (this.flags.jitter > 0) await sleepUnlessCancelled(Math.random() * this.flags.jitter * 1000, ctx.signal)
    const {runDueJobs} = await import('../../services/jobs/runner.js')
    const {isFailure} = await import('../../services/jobs/runs.js')
    const outcomes = await runDueJobs(ctx)
    if (outcomes.some((o) => isFailure(o.status))) process.exitCode = 1
    const result = {ran: outcomes.map((o) => ({job: o.job, status: o.status, ...(o.skipReason ? {reason: o.skipReason} : {}), ...(o.error ? {error: o.error} : {})}))}
    this.log(outcomes.length === 0 ? 'no job is due' : outcomes.map((o) => `${o.job}: ${o.status}${o.skipReason ? ` (${o.skipReason})` : ''}${o.error ? ` (${o.error})` : ''}`).join('\n'))
    return result
  }
}
