import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class DbRestore extends BaseCommand<typeof DbRestore> {
  static override summary = 'Replace the database with a backup (checked first; refused while jobs run).'
  static override description = `SQLite: the backup must pass its integrity check; it is copied beside the database, then renamed
into place. PostgreSQL (--db or HARBORMASTER_DB a URL): the backup must be a pg_dump archive written by
\`db backup\`; pg_restore drops what it holds and recreates it, in one transaction (a failure changes nothing).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> var/backups/harbormaster-20261124T030000Z.db --yes',
    '<%= config.bin %> <%= command.id %> var/backups/harbormaster-20261124T030000Z.dump --yes --db postgres://harbormaster@db.example.org/harbormaster',
  ]

  static override args = {file: Args.string({ignoreStdin: true, description: 'A backup written by db backup.', required: true})}
  static override flags = {yes: Flags.boolean({description: 'Confirm: the current database is replaced.'})}

  async run(): Promise<ResultOf<'db restore'>> {
    const {usageError} = await import('../../services/errors.js')
    if (!this.flags.yes) throw usageError('restoring replaces the current database', 'pass --yes to confirm')
    const config = await this.loadConfig()
    const {restoreBackup} = await import('../../services/maintenance/backup.js')
    const result = await restoreBackup(config.dbPath, this.args.file, Date.now(), {binDir: config.pgBinDir})
    this.log(`restored ${result.restored} from ${result.from} (${result.tables} tables)`)
    return result
  }
}
