import {JobCommand} from '../cli/job-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class Cleanup extends JobCommand<typeof Cleanup> {
  static override summary = 'Delete expired cache entries and rows older than their retention.'
  static override description = `Positions (HARBORMASTER_RETENTION_POSITIONS_DAYS, 30), congestion snapshots (…_SNAPSHOTS_DAYS, 90),
resolved safety and alert events (…_EVENTS_DAYS, 90), notifications (…_NOTIFICATIONS_DAYS, 90) and job runs
(…_JOB_RUNS_DAYS, 90); cache entries a week past their time to live. Runs as the registry job "cleanup".`

  static override examples = ['<%= config.bin %> <%= command.id %>', 'HARBORMASTER_RETENTION_POSITIONS_DAYS=7 <%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'cleanup'>> {
    return this.runRegistryJob('cleanup')
  }
}
