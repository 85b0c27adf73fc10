import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static override summary = 'Apply pending database migrations.'
  static override description = `Every command applies pending migrations on first use; this applies them explicitly (before a
deploy, say) and reports what it did. On PostgreSQL the migrations run under an advisory lock: hosts migrating
at the same moment apply each one once.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --db /var/lib/harbormaster/harbormaster.db',
    '<%= config.bin %> <%= command.id %> --db postgres://harbormaster@db.example.org:5432/harbormaster',
  ]

  async run(): Promise<ResultOf<'db migrate'>> {
    const ctx = await this.context({migrate: false})
    const [{applyMigrations, migrationStatus}, {redactDatabaseUrl}] = await Promise.all([import('../../services/db/schema-state.js'), import('../../services/db/location.js')])
    const database = ctx.db.dialect === 'sqlite' ? ctx.db.path : redactDatabaseUrl(ctx.db.location)
    const applied = await applyMigrations(ctx.db)
    const status = await migrationStatus(ctx.db)
    const result = {database, applied, total: status.total, pending: status.pending}
    this.log(applied > 0 ? `applied ${applied} migration(s) to ${database}; ${status.total} in all` : `${database} is up to date (${status.total} migrations)`)
    return result
  }
}
