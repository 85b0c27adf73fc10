// Backups written beside the target as a partial file, verified, then renamed into place, so a failure (a
// full disk) leaves the last good backup untouched; backups older than the retention are deleted, the newest
// always kept. SQLite: the online backup API (never a file copy) checked with PRAGMA integrity_check.
// PostgreSQL: a pg_dump custom-format archive, read back whole by pg_restore.
import type {BackupJobSummary} from '../../schemas/job-summaries.js'
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {type Config, DEFAULT_DB_PATH} from '../config.js'
import type {Context} from '../context.js'
import {openDatabase} from '../db/client.js'
import {
  backupSqlite,
  dumpPostgres,
  isDiskFull,
  looksLikeSqlite,
  postgresArchiveContents,
  type PostgresTools,
  readPostgresArchive,
  removeSqliteFile,
  restorePostgres,
  restoreSqliteFile,
  sqliteFileIntegrity,
} from '../db/dump.js'
import {leaseClock, leasesInForce} from '../db/leases.js'
import {isPostgresUrl, redactDatabaseUrl} from '../db/location.js'
import {closeAnyDatabase, openAnyDatabase} from '../db/open.js'
import {missingTables} from '../db/schema-state.js'
import {HarbormasterError, usageError} from '../errors.js'

/** SQLite backups are databases (.db); PostgreSQL's are pg_dump archives (.dump). Each kind has its own retention. */
const extensionOf = (dbLocation: string) => (isPostgresUrl(dbLocation) ? 'dump' : 'db')
const namePattern = (dbLocation: string) => new RegExp(`^harbormaster-(\\d{8}T\\d{6}Z)\\.${extensionOf(dbLocation)}$`)

export type {BackupJobSummary} from '../../schemas/job-summaries.js'

export function backupDirOf(ctx: Context): string {
  return backupDirFor(ctx.config, ctx.config.dbPath)
}

/** HARBORMASTER_BACKUP_DIR, else backups/ beside the database file (a server's: beside the default database file). */
function backupDirFor(config: Pick<Config, 'backupDir'>, dbLocation: string): string {
  if (config.backupDir) return config.backupDir
  return join(dirname(isPostgresUrl(dbLocation) ? resolve(DEFAULT_DB_PATH) : dbLocation), 'backups')
}

/** The newest backup of the database, for a hint when it is damaged; undefined when there is none. */
export function newestBackup(config: Pick<Config, 'backupDir'>, dbLocation: string): string | undefined {
  const dir = backupDirFor(config, dbLocation)
  if (!existsSync(dir)) return undefined
  const name = namePattern(dbLocation)
  const newest = readdirSync(dir)
    .filter((f) => name.test(f))
    .sort()
    .at(-1)
  return newest ? join(dir, newest) : undefined
}

const toolsOf = (ctx: Context): PostgresTools => ({binDir: ctx.config.pgBinDir, signal: ctx.signal})

/** Writes the database to `partial` and verifies what was written; throws when the check fails. */
async function writeVerified(ctx: Context, partial: string): Promise<void> {
  if (ctx.db.dialect === 'sqlite') {
    const check = await backupSqlite(ctx.db, partial)
    if (check !== 'ok') throw new HarbormasterError(`backup ${partial} failed its integrity check: ${check}`)
    return
  }
  await dumpPostgres(ctx.config.dbPath, partial, toolsOf(ctx))
  const unreadable = await readPostgresArchive(partial, toolsOf(ctx))
  const contents = unreadable === null ? await postgresArchiveContents(partial, toolsOf(ctx)) : null
  if (unreadable !== null || contents === null) throw new HarbormasterError(`backup ${partial} failed its check: pg_restore cannot read it back (${unreadable ?? 'no table of contents'})`)
}

export async function runBackup(ctx: Context): Promise<BackupJobSummary> {
  const dir = backupDirOf(ctx)
  mkdirSync(dir, {recursive: true})
  const stamp = new Date(ctx.clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const file = join(dir, `harbormaster-${stamp}.${extensionOf(ctx.config.dbPath)}`)
  const partial = `${file}.partial`
  try {
    await writeVerified(ctx, partial)
    renameSync(partial, file)
  } catch (error) {
    removeSqliteFile(partial)
    const code = (error as NodeJS.ErrnoException).code
    const full = code === 'SQLITE_FULL' || code === 'ENOSPC' || isDiskFull(error)
    const why = full ? 'the disk is full' : (error as Error).message
    throw new HarbormasterError(`backup to ${dir} failed: ${why}; the previous backups are untouched`, {
      hint: (!full && error instanceof HarbormasterError && error.hint) || 'free space in the backup directory or set HARBORMASTER_BACKUP_DIR',
      cause: error,
    })
  }
  // Retention: by the time in the name; the newest backup is never deleted.
  const cutoff = ctx.clock.now() - ctx.config.backupRetentionDays * 86_400_000
  const name = namePattern(ctx.config.dbPath)
  const backups = readdirSync(dir)
    .filter((f) => name.test(f))
    .sort()
  const deleted: string[] = []
  for (const backup of backups.slice(0, -1)) {
    const m = name.exec(backup) as RegExpExecArray
    const at = Date.parse(m[1].replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'))
    if (at < cutoff) {
      rmSync(join(dir, backup), {force: true})
      deleted.push(backup)
    }
  }
  ctx.logger.info(`backup written to ${file}`, {bytes: statSync(file).size, deleted: deleted.length})
  return {success: true, file, bytes: statSync(file).size, integrity: 'ok', deleted, kept: backups.length - deleted.length}
}

export interface RestoreResult {
  restored: string
  from: string
  tables: number
}

/**
 * Replaces the database at `dbLocation` with a backup, refused while a job runs (its lease held) on it.
 * SQLite: the backup must be a SQLite file that passes its integrity check. PostgreSQL: a pg_dump archive of
 * a harbormaster database, restored in one transaction.
 */
export async function restoreBackup(dbLocation: string, file: string, now: number, tools: PostgresTools = {}): Promise<RestoreResult> {
  if (!existsSync(file)) throw usageError(`backup ${file} does not exist`)
  if (isPostgresUrl(dbLocation)) return restoreIntoPostgres(dbLocation, file, now, tools)
  let check: string
  try {
    check = sqliteFileIntegrity(file, {readonly: true})
  } catch {
    throw usageError(`backup ${file} is not a SQLite database`, 'pass a file written by `harbormaster db backup`')
  }
  if (check !== 'ok') throw usageError(`backup ${file} failed its integrity check: ${check}`, 'choose another backup')
  if (existsSync(dbLocation)) {
    let current: ReturnType<typeof openDatabase> | undefined
    try {
      // A damaged database is what a restore is for: when it cannot be read, there is no lease to respect.
      current = openDatabase(dbLocation, {migrate: false})
      refuseWhileJobsRun(await leasesInForce(current, now))
    } catch (error) {
      if (error instanceof HarbormasterError) throw error
    } finally {
      current?.close()
    }
  }
  const tables = await restoreSqliteFile(dbLocation, file)
  return {restored: dbLocation, from: file, tables}
}

function refuseWhileJobsRun(held: Array<{job: string; owner: string}>): void {
  if (held.length > 0) {
    throw usageError(`cannot restore while jobs run: ${held.map((h) => `${h.job} (${h.owner})`).join(', ')}`, 'pause them with `harbormaster jobs pause --all` and wait')
  }
}

/** The harbormaster tables an archive must hold to be taken for a backup of harbormaster's database. */
const EXPECTED_TABLES = ['ports', 'job_locks', 'settings']

async function restoreIntoPostgres(url: string, file: string, now: number, tools: PostgresTools): Promise<RestoreResult> {
  const contents = await postgresArchiveContents(file, tools)
  if (contents === null) {
    if (looksLikeSqlite(file)) {
      throw usageError(`backup ${file} is a SQLite database, not a PostgreSQL archive`, 'restore it into a SQLite file (--db <path>), or copy a SQLite database into PostgreSQL with `harbormaster db copy`')
    }
    throw usageError(`backup ${file} is not a PostgreSQL archive (pg_dump -Fc)`, 'pass a file written by `harbormaster db backup`')
  }
  const tables = contents.filter((e) => e.kind === 'TABLE')
  const missing = EXPECTED_TABLES.filter((t) => !tables.some((e) => e.name === t))
  if (missing.length > 0) throw usageError(`backup ${file} is not a backup of a harbormaster database (it has no table ${missing.join(', ')})`, 'pass a file written by `harbormaster db backup`')
  const db = await openAnyDatabase(url, {applicationName: 'harbormaster db restore', migrate: false, poolSize: 1})
  try {
    // A database not yet migrated has no job to wait for.
    if (!(await missingTables(db)).includes('job_locks')) refuseWhileJobsRun(await leasesInForce(db, await leaseClock(db, now)))
  } finally {
    await closeAnyDatabase(db)
  }
  await restorePostgres(url, file, tools)
  return {restored: redactDatabaseUrl(url), from: file, tables: tables.length}
}
