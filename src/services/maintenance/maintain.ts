// Weekly upkeep, reporting each step's time and the database's size before and after it. SQLite: integrity
// check, REINDEX, ANALYZE, PRAGMA optimize, then VACUUM; a damaged database is found before anything writes
// to it and reported with the backup to restore. PostgreSQL: REINDEX TABLE CONCURRENTLY and VACUUM (ANALYZE),
// with the size of every table.
import type {MaintainJobSummary} from '../../schemas/job-summaries.js'

import type {Config} from '../config.js'
import type {Context} from '../context.js'
import {openDatabase} from '../db/client.js'
import {isPostgresUrl} from '../db/location.js'
import {compact, measuredStep, sqliteIntegrityFindings, tableBytes, type UpkeepStep} from '../db/upkeep.js'
import {HarbormasterError} from '../errors.js'
import {newestBackup} from './backup.js'

export type {MaintainJobSummary} from '../../schemas/job-summaries.js'

/** What `integrity: ok` rests on where there is no PRAGMA integrity_check. */
const POSTGRES_INTEGRITY = 'PostgreSQL has no integrity check like SQLite\'s: "ok" means VACUUM (ANALYZE) ran without the server reporting damage'

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
 * job_runs row): throws the findings and the backup to restore when the database is damaged. A PostgreSQL
 * server keeps its own pages whole: nothing to check beforehand.
 */
export function assertIntact(config: Pick<Config, 'dbPath' | 'backupDir'>): void {
  if (isPostgresUrl(config.dbPath)) return
  let db: ReturnType<typeof openDatabase>
  try {
    db = openDatabase(config.dbPath, {readonly: true, migrate: false})
  } catch (error) {
    const code = (error as {code?: string}).code
    if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) throw damaged(config.dbPath, [`it could not be opened (${code})`], config)
    throw error
  }
  try {
    const findings = sqliteIntegrityFindings(db)
    if (findings.join('') !== 'ok') throw damaged(config.dbPath, findings, config)
  } finally {
    db.close()
  }
}

export async function runMaintain(ctx: Context): Promise<MaintainJobSummary> {
  const {db} = ctx
  const checked: UpkeepStep[] = []
  if (db.dialect === 'sqlite') {
    checked.push(
      await measuredStep(db, 'integrity_check', 'PRAGMA integrity_check', () => {
        const findings = sqliteIntegrityFindings(db)
        if (findings.join('') !== 'ok') throw damaged(db.path, findings, ctx.config)
      }),
    )
  }
  const {before, after, steps} = await compact(db)
  const ran = [...checked, ...steps].map((s) => ({
    step: s.step,
    detail: s.detail,
    duration_seconds: Math.round(s.ms) / 1000,
    bytes_before: s.bytesBefore,
    bytes_after: s.bytesAfter,
  }))
  for (const s of ran) ctx.logger.info(`maintenance step ${s.step}: ${s.duration_seconds} s, ${s.bytes_before} bytes before, ${s.bytes_after} after`, s)
  ctx.logger.info(`maintenance reclaimed ${before - after} bytes`, {before, after})
  const summary: MaintainJobSummary = {success: true, integrity: 'ok', bytes_before: before, bytes_after: after, reclaimed_bytes: before - after, steps: ran}
  if (db.dialect === 'sqlite') return summary
  return {...summary, integrity_note: POSTGRES_INTEGRITY, tables: await tableBytes(db)}
}
