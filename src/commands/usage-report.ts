import {JobCommand} from '../cli/job-command.js'

export default class UsageReport extends JobCommand<typeof UsageReport> {
  static override summary = 'Provider usage and job durations over the last 24 h, anomalies flagged.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run() {
    return this.runRegistryJob('usage-report')
  }
}
