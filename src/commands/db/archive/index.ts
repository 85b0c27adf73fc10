import {JobCommand} from '../../../cli/job-command.js'
import type {ResultOf} from '../../../schemas/commands.js'

export default class DbArchive extends JobCommand<typeof DbArchive> {
  static override summary = 'Archive positions, resolved events and notifications past their retention to monthly gzip files.'
  static override description = `With HARBORMASTER_ARCHIVE=on, every whole UTC month whose rows are past their retention (positions by when
they were stored, safety and alert events by when they were resolved, notifications by when they were made) is
written, table by table, to <month>/<table>.ndjson.gz in HARBORMASTER_ARCHIVE_DIR (default: archive/ beside the
backups folder): newline-delimited JSON, one row per line with the database's column names, gzip'd, with a
manifest.json and a SHA256SUMS per month. cleanup then deletes those rows; a month not archived yet stays.
A month is written once; \`db archive list\` shows them and \`db archive restore <month>\` brings one back.
Runs as the registry job "archive" (the 15th of each month at 02:00 UTC).`

  static override examples = [
    'HARBORMASTER_ARCHIVE=on <%= config.bin %> <%= command.id %>',
    'HARBORMASTER_ARCHIVE=on HARBORMASTER_ARCHIVE_DIR=/srv/harbormaster/archive <%= config.bin %> <%= command.id %> --json',
  ]

  async run(): Promise<ResultOf<'db archive'>> {
    return this.runRegistryJob('archive')
  }
}
