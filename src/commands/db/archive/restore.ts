import {Args} from '@oclif/core'

import {BaseCommand} from '../../../cli/base-command.js'
import type {ResultOf} from '../../../schemas/commands.js'

export default class DbArchiveRestore extends BaseCommand<typeof DbArchiveRestore> {
  static override summary = 'Bring an archived month back into the database (checked first; ids kept; safe to repeat).'
  static override description = `Every file of the month is checked against the SHA-256 its manifest and the database recorded before
anything is written: a damaged or missing file is refused and nothing changes. The rows then go back in one
transaction with their ids; a row already stored is left as it is, so a second restore inserts nothing. A row
whose user, event, job run or alert rule has been deleted since is left out (counted), as that deletion would
have taken it; a reference to a zone or port deleted since is cleared, as the database clears it.
Restored rows are still past their retention: cleanup deletes them again at its next run (\`jobs pause cleanup\`
while you need them).`

  static override examples = ['<%= config.bin %> <%= command.id %> 2026-07', '<%= config.bin %> <%= command.id %> 2026-07 --json --db postgres://harbormaster@db.example.org/harbormaster']

  static override args = {month: Args.string({ignoreStdin: true, description: 'The month, YYYY-MM (as `db archive list` shows it).', required: true})}

  async run(): Promise<ResultOf<'db archive restore'>> {
    const ctx = await this.context()
    const {restoreArchivedMonth} = await import('../../../services/maintenance/archive.js')
    const result = await restoreArchivedMonth(ctx, this.args.month)
    for (const t of result.tables) this.log(`${t.table}: ${t.inserted.toLocaleString('en-US')} of ${t.rows.toLocaleString('en-US')} rows restored${t.already_present > 0 ? ` (${t.already_present.toLocaleString('en-US')} already there)` : ''}`)
    return result
  }
}
