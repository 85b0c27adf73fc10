import {JobCommand} from '../../cli/job-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class DbMaintain extends JobCommand<typeof DbMaintain> {
  static override summary = 'Integrity check, REINDEX, ANALYZE, PRAGMA optimize and VACUUM; prints each step\'s time and the database size before and after it.'
  static override description = `Checks the database's integrity first on a read-only connection: a damaged database is reported with
what the check found and the newest backup to restore (exit 1), and nothing is written to it. Then runs as the
registry job "maintain" (lease, history, retries, timeout); see \`harbormaster schedule list\` for its schedule.
On PostgreSQL it runs REINDEX TABLE CONCURRENTLY table by table (writes go on meanwhile) and VACUUM (ANALYZE),
and reports the database's size before and after each step and each table's size.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'db maintain'>> {
    const {assertIntact} = await import('../../services/maintenance/maintain.js')
    assertIntact(await this.loadConfig())
    return this.runRegistryJob('maintain')
  }
}
