import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class Health extends BaseCommand<typeof Health> {
  static override summary = 'Check the database, the AIS data and recent activity.'
  static override description = `Reports each component with its status and the reason for it. Exit codes a monitor understands:
0 healthy, 1 degraded, 2 unhealthy.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'health'>> {
    const {checkHealth, unreachableDatabase} = await import('../services/health.js')
    // A configuration error is a usage error (exit 2 with its fix), not a health result.
    const config = await this.loadConfig()
    let report
    try {
      const ctx = await this.context({readonly: true})
      report = await checkHealth(ctx)
    } catch (error) {
      // A database that cannot be opened or read is a health result (unhealthy), not a crash.
      const {redactDatabaseUrl} = await import('../services/db/location.js')
      report = unreachableDatabase(error, redactDatabaseUrl(config.dbPath))
    }
    process.exitCode = {healthy: 0, degraded: 1, unhealthy: 2}[report.overall_status]
    if (!this.jsonEnabled()) {
      const {renderHealth} = await import('../render/summaries.js')
      this.log(renderHealth(report, this.painter(process.stdout)))
    }
    return report
  }
}
