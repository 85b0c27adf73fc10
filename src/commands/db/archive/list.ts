import {BaseCommand} from '../../../cli/base-command.js'
import type {ResultOf} from '../../../schemas/commands.js'

export default class DbArchiveList extends BaseCommand<typeof DbArchiveList> {
  static override summary = 'The months the archive folder holds: rows and bytes per table.'
  static override description = 'Read from each month\'s manifest.json in HARBORMASTER_ARCHIVE_DIR (default: archive/ beside the backups folder).'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'db archive list'>> {
    const ctx = await this.context({readonly: 'unless-writable'})
    const {listArchive} = await import('../../../services/maintenance/archive.js')
    const result = await listArchive(ctx)
    if (result.months.length === 0) this.logAlways(`no archived month in ${result.archive_dir}`)
    for (const month of result.months) {
      const tables = month.tables.map((t) => `${t.table} ${t.rows.toLocaleString('en-US')}`).join(', ')
      this.logAlways(`${month.month}  ${month.rows.toLocaleString('en-US')} rows  ${month.bytes.toLocaleString('en-US')} bytes  (${tables})`)
    }
    return result
  }
}
