import {JobCommand} from '../../cli/job-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class DbBackup extends JobCommand<typeof DbBackup> {
  static override summary = 'Back up the database with the online backup API, verify the copy, keep 30 days.'
  static override description = `Writes harbormaster-<time>.db into HARBORMASTER_BACKUP_DIR (default: backups/ beside the database) as a partial file, checks it with PRAGMA integrity_check, then renames it into place: a failure (a full disk) leaves the last good backup untouched. Backups older than HARBORMASTER_BACKUP_RETENTION_DAYS are deleted; the newest is always kept. Runs as the registry job "backup".
On PostgreSQL (a URL) it writes harbormaster-<time>.dump with pg_dump -Fc instead (HARBORMASTER_PG_BIN_DIR, else PATH, else Debian's /usr/lib/postgresql/<version>/bin; default folder ./var/backups), reads it back whole with pg_restore, and keeps the same retention; the password reaches pg_dump as PGPASSWORD, never on its command line.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', 'HARBORMASTER_BACKUP_DIR=/srv/backups <%= config.bin %> <%= command.id %> --db postgres://harbormaster@db.example.org/harbormaster']

  async run(): Promise<ResultOf<'db backup'>> {
    return this.runRegistryJob('backup')
  }
}
