import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static override summary = 'Apply pending database migrations.'
  static override description = `Every command applies pending migrations on first use; this applies them explicitly (before a
deploy, say) and reports what it did.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --db /var/lib/harbormaster/harbormaster.db']

  async run(): Promise<ResultOf<'db migrate'>> {
    const ctx = await this.context({migrate: false})
    const {migrate, migrationStatus} = await import('../../services/db/client.js')
    const applied = migrate(ctx.db)
    const status = migrationStatus(ctx.db)
    const result = {database: ctx.db.path, applied, total: status.total, pending: status.pending}
    this.log(applied > 0 ? `applied ${applied} migration(s) to ${ctx.db.path}; ${status.total} in all` : `${ctx.db.path} is up to date (${status.total} migrations)`)
    return result
  }
}
