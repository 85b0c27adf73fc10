import {JobCommand} from '../cli/job-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class UsageReport extends JobCommand<typeof UsageReport> {
  static override summary = 'Provider usage and job durations over the last 24 h, anomalies flagged.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'usage-report'>> {
    return this.runRegistryJob('usage-report')
  }
}
