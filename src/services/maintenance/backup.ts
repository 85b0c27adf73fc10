// Backups with SQLite's online backup API (never a file copy): written beside the target as a partial
// file, verified with PRAGMA integrity_check, then renamed into place, so a failure (a full disk) leaves
// the last good backup untouched; backups older than the retention are deleted, the newest always kept.
import type {BackupJobSummary} from '../../schemas/job-summaries.js'
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'

import Database from 'better-sqlite3'

import type {Config} from '../config.js'
import type {Context} from '../context.js'
import {openDatabase} from '../db/client.js'
import {HarbormasterError, usageError} from '../errors.js'

const NAME = /^harbormaster-(\d{8}T\d{6}Z)\.db$/

export type {BackupJobSummary} from '../../schemas/job-summaries.js'

export function backupDirOf(ctx: Context): string {
  return backupDirFor(ctx.config, ctx.db.path)
}

function backupDirFor(config: Pick<Config, 'backupDir'>, dbPath: string): string {
  return config.backupDir ?? join(dirname(dbPath), 'backups')
}

/** The newest backup of the database, for a hint when it is damaged; undefined when there is none. */
export function newestBackup(config: Pick<Config, 'backupDir'>, dbPath: string): string | undefined {
  const dir = backupDirFor(config, dbPath)
  if (!existsSync(dir)) return undefined
  const newest = readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort()
    .at(-1)
  return newest ? join(dir, newest) : undefined
}

function integrity(path: string, options: {readonly: boolean}): string {
  const db = new Database(path, {readonly: options.readonly, fileMustExist: true})
  try {
    // A backup is one self-contained file: no write-ahead log beside it.
    if (!options.readonly) db.pragma('journal_mode = DELETE')
    return (db.pragma('integrity_check') as Array<{integrity_check: string}>).map((r) => r.integrity_check).join('; ')
  } finally {
    db.close()
  }
}

function removeWithSidecars(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, {force: true})
}

export async function runBackup(ctx: Context): Promise<BackupJobSummary> {
  const dir = backupDirOf(ctx)
  mkdirSync(dir, {recursive: true})
  const stamp = new Date(ctx.clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const file = join(dir, `harbormaster-${stamp}.db`)
  const partial = `${file}.partial`
  try {
    await ctx.db.sqlite.backup(partial)
    const check = integrity(partial, {readonly: false})
    if (check !== 'ok') throw new HarbormasterError(`backup ${partial} failed its integrity check: ${check}`)
    renameSync(partial, file)
  } catch (error) {
    removeWithSidecars(partial)
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'SQLITE_FULL' || code === 'ENOSPC' ? 'the disk is full' : (error as Error).message
    throw new HarbormasterError(`backup to ${dir} failed: ${why}; the previous backups are untouched`, {
      hint: 'free space in the backup directory or set HARBORMASTER_BACKUP_DIR',
      cause: error,
    })
  }
  // Retention: by the time in the name; the newest backup is never deleted.
  const cutoff = ctx.clock.now() - ctx.config.backupRetentionDays * 86_400_000
  const backups = readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort()
  const deleted: string[] = []
  for (const name of backups.slice(0, -1)) {
    const m = NAME.exec(name) as RegExpExecArray
    const at = Date.parse(m[1].replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'))
    if (at < cutoff) {
      rmSync(join(dir, name), {force: true})
      deleted.push(name)
    }
  }
  ctx.logger.info(`backup written to ${file}`, {bytes: statSync(file).size, deleted: deleted.length})
  return {success: true, file, bytes: statSync(file).size, integrity: 'ok', deleted, kept: backups.length - deleted.length}
}

/**
 * Replaces the database at `dbPath` with a backup: the backup must be a SQLite file that passes its
 * integrity check, and no job may be running (its lease held) on the database.
 */
export async function restoreBackup(dbPath: string, file: string, now: number): Promise<{restored: string; from: string; tables: number}> {
  if (!existsSync(file)) throw usageError(`backup ${file} does not exist`)
  let check: string
  try {
    check = integrity(file, {readonly: true})
  } catch {
    throw usageError(`backup ${file} is not a SQLite database`, 'pass a file written by `harbormaster db backup`')
  }
  if (check !== 'ok') throw usageError(`backup ${file} failed its integrity check: ${check}`, 'choose another backup')
  if (existsSync(dbPath)) {
    let current: ReturnType<typeof openDatabase> | undefined
    try {
      // A damaged database is what a restore is for: when it cannot be read, there is no lease to respect.
      current = openDatabase(dbPath, {migrate: false})
      const held = current.sqlite.prepare(`SELECT job, owner FROM job_locks WHERE lease_expires_at > ?`).all(now) as Array<{job: string; owner: string}>
      if (held.length > 0) {
        throw usageError(`cannot restore while jobs run: ${held.map((h) => `${h.job} (${h.owner})`).join(', ')}`, 'pause them with `harbormaster jobs pause --all` and wait')
      }
    } catch (error) {
      if (error instanceof HarbormasterError) throw error
    } finally {
      current?.close()
    }
  }
  const restoring = `${dbPath}.restoring`
  const source = new Database(file, {readonly: true, fileMustExist: true})
  try {
    await source.backup(restoring)
  } finally {
    source.close()
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${dbPath}${suffix}`, {force: true})
  renameSync(restoring, dbPath)
  const restored = new Database(dbPath, {readonly: true})
  const tables = (restored.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as {n: number}).n
  restored.close()
  return {restored: dbPath, from: file, tables}
}
