import {BaseCommand} from '../../cli/base-command.js'

export default class ConfigCheck extends BaseCommand<typeof ConfigCheck> {
  static override summary = 'Show the resolved configuration (secrets masked) and check the database.'
  static override description = `Runs the checks every command runs first: the configuration is valid, the database opens, and
every migration is applied. Prints each setting with the environment variable that sets it.
Exit 0 when everything is in order, 2 otherwise.`

  static override examples = ['<%= config.bin %> <%= command.id %>', 'HARBORMASTER_AIS_SOURCE=nmea-udp:10110 <%= config.bin %> <%= command.id %> --json']

  async run() {
    const config = await this.loadConfig()
    const {describeConfig} = await import('../../services/config.js')
    const {openDatabase, migrationStatus} = await import('../../services/db/client.js')
    const {errorMessage} = await import('../../services/errors.js')
    const settings = describeConfig(config)
    let database: {path: string; ok: boolean; migrations_applied?: number; migrations_total?: number; problem?: string}
    try {
      const db = openDatabase(config.dbPath, {migrate: false})
      try {
        const status = migrationStatus(db)
        database = {
          path: config.dbPath,
          ok: status.pending.length === 0,
          migrations_applied: status.applied,
          migrations_total: status.total,
          ...(status.pending.length > 0 ? {problem: `${status.pending.length} migration(s) pending: run \`harbormaster db migrate\``} : {}),
        }
      } finally {
        db.close()
      }
    } catch (error) {
      database = {path: config.dbPath, ok: false, problem: errorMessage(error)}
    }
    if (!database.ok) process.exitCode = 2
    if (!this.jsonEnabled()) {
      const {table} = await import('../../render/terminal.js')
      const p = this.painter(process.stdout)
      const rows = Object.entries(settings).map(([key, s]) => [key, s.env, s.value === undefined ? p.dim('(unset)') : String(s.value)])
      this.log(table(['setting', 'environment', 'value'], rows, p))
      this.log(database.ok ? p.good(`database ${database.path}: ok, ${database.migrations_total} migrations applied`) : p.bad(`database ${database.path}: ${database.problem}`))
    }
    return {settings, database}
  }
}
