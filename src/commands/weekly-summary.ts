import {JobCommand} from '../cli/job-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class WeeklySummary extends JobCommand<typeof WeeklySummary> {
  static override summary = "Write the week's report to the reports folder and notify every ADMIN."
  static override description = `The report of the last 7 days (as \`report --since 7d\`) is written to weekly/<end of the week>/ in
HARBORMASTER_REPORTS_DIR (default: reports/ beside the database); weekly reports beyond
HARBORMASTER_WEEKLY_REPORT_RETENTION_WEEKS (12) are deleted, the newest always kept. Every ADMIN gets a
notification of the run, whose summary names the report (report_path); ADMINs with a webhook get it POSTed
by the queue once the run has finished. Runs as the registry job "weekly-summary" (Sundays at 00:00 UTC),
after a successful cleanup.`

  static override examples = ['<%= config.bin %> <%= command.id %>', 'HARBORMASTER_REPORTS_DIR=/srv/www/harbormaster <%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'weekly-summary'>> {
    return this.runRegistryJob('weekly-summary')
  }
}
