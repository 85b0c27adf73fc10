import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {RECORDED_JOB_NAMES} from '../../services/jobs/names.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class JobsHistory extends BaseCommand<typeof JobsHistory> {
  static override summary = 'Recent job runs: status, duration, peak memory, error.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --job vessels --limit 50 --json']
  static override flags = {
    job: Flags.option({description: 'Only this job.', options: RECORDED_JOB_NAMES})(),
    limit: Flags.integer({description: 'How many runs.', default: 20, min: 1, max: 10_000}),
  }

  async run(): Promise<ResultOf<'jobs history'>> {
    const ctx = await this.context({readonly: 'unless-writable'})
    const {jobHistory} = await import('../../services/jobs/status.js')
    const runs = await jobHistory(ctx, {job: this.flags.job, limit: this.flags.limit})
    if (!this.jsonEnabled()) {
      const {renderHistory} = await import('../../render/jobs.js')
      this.log(renderHistory(runs, this.painter(process.stdout)))
    }
    return {runs}
  }
}
