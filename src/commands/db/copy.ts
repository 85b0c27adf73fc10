import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class DbCopy extends BaseCommand<typeof DbCopy> {
  static override summary = 'Copy every table from one database to another (SQLite to PostgreSQL, or back).'
  static override description = `Moves every table, parents first, in batches inside one transaction per table, and checks each
table's row count and a checksum of its rows read back before that transaction commits: a table that does not
match is not kept. Both databases are migrated to the current version first. A target that holds any row is
refused unless --replace, which deletes what it holds. Pause the jobs while copying (jobs pause --all): rows
written meanwhile may be missed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --from var/harbormaster.db --to postgres://harbormaster:PASSWORD@db.example.org:5432/harbormaster',
    '<%= config.bin %> <%= command.id %> --from "$HARBORMASTER_DB" --to var/harbormaster-copy.db --json',
    '<%= config.bin %> <%= command.id %> --from var/harbormaster.db --to postgres://harbormaster@localhost/harbormaster --replace',
  ]

  static override flags = {
    from: Flags.string({description: 'The database to copy: a SQLite file or a postgres:// URL.', required: true}),
    to: Flags.string({description: 'The database to copy into: a SQLite file (created) or a postgres:// URL.', required: true}),
    replace: Flags.boolean({description: 'Delete what the target holds first (otherwise a target with data is refused).'}),
    'batch-size': Flags.integer({description: 'Rows read and written at a time.', default: 2000, min: 1, max: 100_000}),
  }

  async run(): Promise<ResultOf<'db copy'>> {
    const config = await this.loadConfig()
    const {databasePassword} = await import('../../services/db/postgres.js')
    await this.addSecrets([databasePassword(this.flags.from), databasePassword(this.flags.to)])
    const {copyBetween} = await import('../../services/db/copy.js')
    const quiet = this.flags.quiet || this.jsonEnabled()
    const report = await copyBetween(this.flags.from, this.flags.to, {
      replace: this.flags.replace,
      batchSize: this.flags['batch-size'],
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      onTable: (t, done, total) => {
        if (!quiet) this.logToStderr(`[${done}/${total}] ${t.table}: ${t.rows.toLocaleString('en-US')} row(s), checksum ${t.checksum}`)
      },
    })
    this.log(`copied ${report.rows.toLocaleString('en-US')} row(s) in ${report.tables.length} tables from ${report.from} to ${report.to}${report.replaced ? ' (what it held was deleted first)' : ''}; every table verified`)
    return {from: report.from, to: report.to, replaced: report.replaced, rows: report.rows, tables: report.tables}
  }
}
