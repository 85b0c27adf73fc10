// Whole-database copies to and from one file: SQLite's online backup API (never a file copy) and its
// integrity check; PostgreSQL's pg_dump custom-format archives, read back with pg_restore. The password of a
// PostgreSQL URL reaches pg_dump and pg_restore through PGPASSWORD in their environment, never on their
// command line, and never appears in what they say.
import {spawn} from 'node:child_process'
import {accessSync, closeSync, constants, existsSync, openSync, readdirSync, readSync, renameSync, rmSync} from 'node:fs'
import {delimiter, join} from 'node:path'


import {HarbormasterError, usageError} from '../errors.js'
import type {Db} from './client.js'
import {databasePassword, redactDatabaseUrl} from './location.js'
import {openSqlite} from './sqlite-connection.js'

// --- SQLite ---------------------------------------------------------------------------------------------

/** PRAGMA integrity_check of a SQLite file ("ok" when sound); throws when it is no SQLite database. */
export function sqliteFileIntegrity(path: string, options: {readonly: boolean}): string {
  const db = openSqlite(path, {readonly: options.readonly, fileMustExist: true})
  try {
    // A backup is one self-contained file: no write-ahead log beside it.
    if (!options.readonly) db.pragma('journal_mode = DELETE')
    return (db.pragma('integrity_check') as Array<{integrity_check: string}>).map((r) => r.integrity_check).join('; ')
  } finally {
    db.close()
  }
}

/** Writes the open database to `file` with the online backup API; returns the copy's integrity check. */
export async function backupSqlite(db: Db, file: string): Promise<string> {
  await db.sqlite.backup(file)
  return sqliteFileIntegrity(file, {readonly: false})
}

/** Removes a SQLite file with the files SQLite keeps beside it. */
export function removeSqliteFile(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, {force: true})
}

/**
 * Replaces the SQLite file at `dbPath` with a copy of the backup `file` (written beside it, then renamed into
 * place); returns how many tables the restored database holds.
 */
export async function restoreSqliteFile(dbPath: string, file: string): Promise<number> {
  const restoring = `${dbPath}.restoring`
  const source = openSqlite(file, {readonly: true, fileMustExist: true})
  try {
    await source.backup(restoring)
  } finally {
    source.close()
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${dbPath}${suffix}`, {force: true})
  renameSync(restoring, dbPath)
  const restored = openSqlite(dbPath, {readonly: true})
  try {
    return (restored.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as {n: number}).n
  } finally {
    restored.close()
  }
}

const SQLITE_HEADER = 'SQLite format 3\u0000'

/** Whether a file begins as SQLite databases do. */
export function looksLikeSqlite(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(16)
    return readSync(fd, buffer, 0, 16, 0) === 16 && buffer.toString('latin1') === SQLITE_HEADER
  } finally {
    closeSync(fd)
  }
}

// --- PostgreSQL -----------------------------------------------------------------------------------------

export interface PostgresTools {
  /** HARBORMASTER_PG_BIN_DIR: where pg_dump and pg_restore are; else PATH, then Debian's newest server's. */
  binDir?: string
  /** Stops the program (the job's timeout, an operator's SIGTERM). */
  signal?: AbortSignal
}

const DEBIAN_ROOT = '/usr/lib/postgresql'

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The pg_dump or pg_restore to run: the configured folder's, else the first on PATH, else Debian's newest. */
export function postgresTool(name: 'pg_dump' | 'pg_restore', binDir?: string): string {
  if (binDir) {
    const configured = join(binDir, name)
    if (!isExecutable(configured)) throw usageError(`HARBORMASTER_PG_BIN_DIR=${binDir} holds no ${name}`, `point it at the folder of PostgreSQL's client programs, or unset it to use the ${name} on PATH`)
    return configured
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name)
  }
  // Debian installs a server's programs outside PATH, one folder per major version.
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((v) => /^\d+$/.test(v) && isExecutable(join(DEBIAN_ROOT, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length > 0) return join(DEBIAN_ROOT, versions[0], 'bin', name)
  throw usageError(
    `${name} was not found (PATH, ${DEBIAN_ROOT}/<version>/bin)`,
    "install PostgreSQL's client programs (Debian: `apt-get install postgresql-client`) or set HARBORMASTER_PG_BIN_DIR to their folder",
  )
}

/**
 * How libpq's programs are told where the database is: the URL without its password (given as PGPASSWORD
 * instead), and node-postgres's `ssl` flag in libpq's words.
 */
export function libpqConnection(url: string): {dbname: string; env: Record<string, string>} {
  const parsed = new URL(url)
  const password = databasePassword(url) ?? (parsed.searchParams.get('password') || undefined)
  parsed.password = ''
  parsed.searchParams.delete('password')
  const ssl = parsed.searchParams.get('ssl')
  if (ssl !== null) {
    parsed.searchParams.delete('ssl')
    if (/^(true|1|require)$/i.test(ssl) && !parsed.searchParams.has('sslmode')) parsed.searchParams.set('sslmode', 'require')
  }
  return {dbname: parsed.toString(), env: password ? {PGPASSWORD: password} : {}}
}

interface ToolRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Most a tool's output is kept (a listing of every table is far smaller). */
const OUTPUT_CAP = 4 * 1024 * 1024

/** Runs a PostgreSQL program without a shell, its output collected; never prompts for a password. */
function runTool(program: string, args: string[], options: {env?: Record<string, string>; signal?: AbortSignal; applicationName: string}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: {...process.env, PGAPPNAME: options.applicationName, PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '10', ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let outBytes = 0
    child.stdout.on('data', (chunk: Buffer) => {
      if ((outBytes += chunk.length) <= OUTPUT_CAP) out.push(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8')}))
  })
}

/** What a program said on stderr, as one line, any password it might echo masked. */
function said(run: ToolRun, url?: string): string {
  const password = url ? libpqConnection(url).env.PGPASSWORD : undefined
  let text = run.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ')
  if (password) text = text.split(password).join('***')
  return text || `exit code ${run.code}`
}

/** Whether a program's failure was the disk filling up. */
export function isDiskFull(error: unknown): boolean {
  return /No space left on device/i.test(String((error as Error)?.message ?? error))
}

/**
 * Writes the database at `url` to `file` as a pg_dump custom-format archive (compressed; what pg_restore
 * reads). One consistent snapshot; writers go on meanwhile.
 */
export async function dumpPostgres(url: string, file: string, tools: PostgresTools = {}): Promise<void> {
  const {dbname, env} = libpqConnection(url)
  const run = await runTool(postgresTool('pg_dump', tools.binDir), ['--format=custom', '--no-password', `--file=${file}`, `--dbname=${dbname}`], {
    env,
    signal: tools.signal,
    applicationName: 'harbormaster db backup',
  })
  if (run.code !== 0) throw new HarbormasterError(`pg_dump of ${redactDatabaseUrl(url)} failed: ${said(run, url)}`)
}

/** One entry of an archive's table of contents. */
export interface ArchiveEntry {
  /** TABLE, TABLE DATA, INDEX, SEQUENCE, TRIGGER, ... */
  kind: string
  schema: string
  name: string
}

/** The table of contents of a pg_dump custom-format archive; null when `file` is no such archive. */
export async function postgresArchiveContents(file: string, tools: PostgresTools = {}): Promise<ArchiveEntry[] | null> {
  const run = await runTool(postgresTool('pg_restore', tools.binDir), ['--list', file], {signal: tools.signal, applicationName: 'harbormaster db backup'})
  if (run.code !== 0) return null
  // "216; 1259 16390 TABLE public ports owner": id; catalog oid object oid, kind, schema, name, owner.
  const entry = /^\d+;\s+\d+\s+\d+\s+(.+?)\s+(\S+)\s+(\S+)\s+\S+$/
  return run.stdout
    .split('\n')
    .filter((line) => line && !line.startsWith(';'))
    .map((line) => entry.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({kind: m[1], schema: m[2], name: m[3]}))
}

/**
 * Reads a whole archive back, every table's data decompressed, writing nothing: a truncated or damaged
 * archive fails here, not on the day it is restored. Returns what pg_restore said when it fails.
 */
export async function readPostgresArchive(file: string, tools: PostgresTools = {}): Promise<string | null> {
  const run = await runTool(postgresTool('pg_restore', tools.binDir), ['--file=/dev/null', file], {signal: tools.signal, applicationName: 'harbormaster db backup'})
  return run.code === 0 ? null : said(run)
}

/**
 * Restores an archive into the database at `url`: every object the archive holds is dropped (when present)
 * and recreated with its rows, all in one transaction: a failure leaves the database as it was.
 */
export async function restorePostgres(url: string, file: string, tools: PostgresTools = {}): Promise<void> {
  const {dbname, env} = libpqConnection(url)
  const run = await runTool(
    postgresTool('pg_restore', tools.binDir),
    ['--clean', '--if-exists', '--single-transaction', '--no-owner', '--no-password', `--dbname=${dbname}`, file],
    {env, signal: tools.signal, applicationName: 'harbormaster db restore'},
  )
  if (run.code !== 0) {
    throw new HarbormasterError(`restoring ${file} into ${redactDatabaseUrl(url)} failed, nothing was changed: ${said(run, url)}`, {
      hint: 'check that this user owns the database objects, and that pg_restore is as new as the pg_dump that wrote the backup (HARBORMASTER_PG_BIN_DIR)',
    })
  }
}
