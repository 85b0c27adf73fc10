// Weekly upkeep: integrity check, ANALYZE, PRAGMA optimize, then VACUUM; reports the space reclaimed. A
// damaged database is found before anything writes to it and reported with the backup to restore.
import type {MaintainJobSummary} from '../../schemas/job-summaries.js'
import {existsSync, statSync} from 'node:fs'

import type {Config} from '../config.js'
import type {Context} from '../context.js'
import {openDatabase} from '../db/client.js'
import {HarbormasterError} from '../errors.js'
import {newestBackup} from './backup.js'

export type {MaintainJobSummary} from '../../schemas/job-summaries.js'

function sizeOf(path: string): number {
  return ['', '-wal'].reduce((sum, suffix) => sum + (existsSync(path + suffix) ? statSync(path + suffix).size : 0), 0)
}

/** PRAGMA integrity_check's findings ("ok" alone when there are none); a file too damaged to check says so. */
function integrityFindings(sqlite: Context['db']['sqlite']): string[] {
  try {
    // One finding per row, or several lines in one row under a "*** in database main ***" heading.
    return (sqlite.pragma('integrity_check') as Array<{integrity_check: string}>)
      .flatMap((r) => r.integrity_check.split('\n'))
      .filter((line) => line.trim() !== '' && !line.startsWith('***'))
  } catch (error) {
    const code = (error as {code?: string}).code
    if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return [`the check itself could not read the file (${code})`]
    throw error
  }
}

function damaged(path: string, findings: string[], config: Pick<Config, 'backupDir'>): HarbormasterError {
  const shown = findings.slice(0, 3).join('; ')
  const more = findings.length > 3 ? ` (and ${findings.length - 3} more)` : ''
  const backup = newestBackup(config, path)
  return new HarbormasterError(`database ${path} failed its integrity check: ${shown}${more}`, {
    hint: backup
      ? `restore the last good backup: \`harbormaster db restore ${backup} --yes --db ${path}\``
      : 'restore the last good backup with `harbormaster db restore <backup> --yes` (no backup was found beside the database)',
  })
}

/**
 * The integrity check on a read-only connection, before `db maintain` writes anything (not even its
 * job_runs row): throws the findings and the backup to restore when the database is damaged.
 */
export function assertIntact(config: Pick<Config, 'dbPath' | 'backupDir'>): void {
  let db: ReturnType<typeof openDatabase>
  try {
    db = openDatabase(config.dbPath, {readonly: true, migrate: false})
  } catch (error) {
    const code = (error as {code?: string}).code
    if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) throw damaged(config.dbPath, [`it could not be opened (${code})`], config)
    throw error
  }
  try {
    const findings = integrityFindings(db.sqlite)
    if (findings.join('') !== 'ok') throw damaged(config.dbPath, findings, config)
  } finally {
    db.close()
  }
}

export async function runMaintain(ctx: Context): Promise<MaintainJobSummary> {
  const {sqlite, path} = ctx.db
  const findings = integrityFindings(sqlite)
  if (findings.join('') !== 'ok') throw damaged(path, findings, ctx.config)
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  const before = sizeOf(path)
  sqlite.exec('ANALYZE')
  sqlite.pragma('optimize')
  sqlite.exec('VACUUM')
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  const after = sizeOf(path)
  ctx.logger.info(`maintenance reclaimed ${before - after} bytes`, {before, after})
  return {success: true, integrity: 'ok', bytes_before: before, bytes_after: after, reclaimed_bytes: before - after}
}
