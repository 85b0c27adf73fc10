import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class JobsList extends BaseCommand<typeof JobsList> {
  static override summary = 'Every job: schedule, next run, last status, failures in a row, paused or not.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'jobs list'>> {
    const ctx = await this.context({readonly: 'unless-writable'})
    const {jobStatuses} = await import('../../services/jobs/status.js')
    const jobs = await jobStatuses(ctx)
    if (!this.jsonEnabled()) {
      const {renderJobList} = await import('../../render/jobs.js')
      this.log(renderJobList(jobs, this.painter(process.stdout)))
    }
    return {jobs}
  }
}
