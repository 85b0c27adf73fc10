// Opening the embedded SQLite store: path checks, pragmas (WAL, busy timeout, foreign keys), migrations
// applied under a write lock, and the one way to write: BEGIN IMMEDIATE with busy retries.
import {accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'

import type Database from 'better-sqlite3'
import {type BetterSQLite3Database, drizzle} from 'drizzle-orm/better-sqlite3'
import {type MigrationMeta, readMigrationFiles} from 'drizzle-orm/migrator'

import {HarbormasterError, usageError} from '../errors.js'
import {PACKAGE_ROOT} from '../package-root.js'
import type * as model from './model.js'
import * as schema from './schema.js'
import {openSqlite} from './sqlite-connection.js'

// No relational queries (`orm.query`): the ORM is made without the schema, which it would walk on creation.
export type Orm = BetterSQLite3Database
/** Every table of the schema (the vocabularies it re-exports from model.ts left out). */
export type Tables = Omit<typeof schema, keyof typeof model>

export interface Db {
  dialect: 'sqlite'
  /** drizzle over the connection: the query builder services use. */
  orm: Orm
  /** The tables, as repositories written for both databases reach them. */
  t: Tables
  /** The raw connection, for prepared hot-path statements and pragmas (SQLite only). */
  sqlite: Database.Database
  /**
   * With a second, read-only connection (serve, see read-connection.ts): the connection writes go through.
   * `sqlite` and `orm` are then whichever of the two this async flow may use; statements kept between calls
   * are kept per connection (`db.sqlite`), not per database.
   */
  writer?: Database.Database
  /** The second, read-only connection, when there is one: it sees committed rows only. */
  reader?: Database.Database
  path: string
  close(): void
}

export const MIGRATIONS_FOLDER = join(PACKAGE_ROOT, 'drizzle', 'sqlite')
const MIGRATIONS_TABLE = '__drizzle_migrations'
const SQLITE_HEADER = 'SQLite format 3\u0000'

export interface OpenOptions {
  /** Apply pending migrations (default true). `false` opens as is, for checks that report instead of fix. */
  migrate?: boolean
  busyTimeoutMs?: number
  /**
   * Open for reading only (the read-only commands): the file must exist, nothing is created or written.
   * Pending migrations are applied first when this user may write the file, and reported when not.
   */
  readonly?: boolean
}

const CREATE_HINT = 'create it with a writing command (`harbormaster run-background-jobs`, `harbormaster ensure-fallback-data`) or `harbormaster db migrate`, or pass --db with an existing database'

/** Whether the database file exists and it and its directory can be written (WAL needs the directory). */
export function isWritableDatabase(path: string): boolean {
  if (path === ':memory:' || !existsSync(path)) return false
  try {
    accessSync(path, constants.W_OK)
    accessSync(dirname(path), constants.W_OK)
    return true
  } catch {
    return false
  }
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (/^[a-z]+:\/\//i.test(path)) {
    throw usageError(`database ${path}: only SQLite files are supported so far`, 'pass --db with a file path')
  }
  const readonly = options.readonly ?? false
  // URI filenames (for `immutable`, see openForReading): better-sqlite3 reads this once, when its addon
  // loads at the first connection, which is this one.
  process.env.SQLITE_USE_URI ??= '1'
  if (path !== ':memory:') assertUsablePath(path, readonly)

  let sqlite: Database.Database
  try {
    sqlite = readonly ? openForReading(path) : openSqlite(path)
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
    if (!readonly) {
      const mode = sqlite.pragma('journal_mode', {simple: true})
      if (mode !== 'wal' && path !== ':memory:') sqlite.pragma('journal_mode = WAL')
      sqlite.pragma('synchronous = NORMAL')
    }
    sqlite.pragma('foreign_keys = ON')
  } catch (error) {
    const code = (error as {code?: string}).code
    if (code === 'SQLITE_NOTADB') {
      throw usageError(`database ${path} is not a SQLite file (refusing to overwrite it)`, 'pass --db or move the file')
    }
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') {
      throw readonly
        ? usageError(`database ${path} cannot be opened for reading (${code})`, 'check the permissions of the file and its directory, or pass --db')
        : usageError(`database ${path} cannot be opened for writing (${code})`, 'check the permissions or pass --db')
    }
    throw error
  }

  // The query builder is made on first use: read-only checks that use prepared statements never pay for it.
  let orm: Orm | undefined
  const db: Db = {
    dialect: 'sqlite',
    t: schema,
    get orm() {
      orm ??= drizzle(sqlite)
      return orm
    },
    sqlite,
    path,
    close: () => sqlite.open && sqlite.close(),
  }
  if (!readonly && (options.migrate ?? true)) {
    try {
      migrate(db)
    } catch (error) {
      db.close()
      throw error
    }
  }
  if (readonly && (options.migrate ?? true)) {
    const pending = migrationStatus(db).pending.length
    if (pending > 0) {
      db.close()
      // A read-only command on a database older than this version: migrated first when the file may be
      // written, then opened for reading again.
      if (isWritableDatabase(path)) {
        openDatabase(path).close()
        return openDatabase(path, options)
      }
      throw usageError(
        `database ${path} needs ${pending} migration(s) and this user may not write it`,
        'run `harbormaster db migrate` as a user who may write the file and its directory',
      )
    }
  }
  return db
}

/**
 * A read-only connection. A WAL database needs its shared-memory file: when no writer holds one and this
 * user may not create one (a read-only directory), the file is read as immutable: nothing is locked or
 * created, and only what has been checkpointed into the file is seen (no writer is active then).
 */
function openForReading(path: string): Database.Database {
  const plain = openSqlite(path, {readonly: true, fileMustExist: true})
  try {
    plain.prepare('SELECT count(*) FROM sqlite_master').get()
    return plain
  } catch (error) {
    plain.close()
    const code = (error as {code?: string}).code
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_READONLY_CANTINIT') throw error
  }
  return openSqlite(`${pathToFileURL(path).href}?immutable=1`, {readonly: true, fileMustExist: true})
}

function assertUsablePath(path: string, readonly: boolean): void {
  const dir = dirname(path)
  if (existsSync(path)) {
    const stat = statSync(path)
    if (stat.isDirectory()) throw usageError(`database ${path} is a directory`, 'pass --db with a file path')
    if (stat.size > 0 && !hasSqliteHeader(path)) {
      throw usageError(`database ${path} is not a SQLite file (refusing to overwrite it)`, 'pass --db or move the file')
    }
    if (!readonly && !isWritableDatabase(path)) {
      throw usageError(`database ${path} is not writable`, "fix its permissions (and its directory's) or pass --db; read-only commands (health, jobs list, config check, ...) work without writing")
    }
    return
  }
  if (readonly) throw usageError(`database ${path} does not exist`, CREATE_HINT)
  try {
    makeDirectories(dir)
    accessSync(dir, constants.W_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw usageError(`database ${path} is not writable: cannot create it in ${dir} (${code})`, 'pass --db with a writable path or set HARBORMASTER_DB')
  }
}

/** mkdir -p one level at a time: Node's recursive mkdir can loop forever under /proc. */
function makeDirectories(dir: string): void {
  const missing: string[] = []
  let current = dir
  while (!existsSync(current)) {
    missing.push(current)
    const parent = dirname(current)
    if (parent === current) break
    current = parent
  }
  for (const part of missing.reverse()) mkdirSync(part)
}

function hasSqliteHeader(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(16)
    const read = readSync(fd, buffer, 0, 16, 0)
    return read === 16 && buffer.toString('latin1') === SQLITE_HEADER
  } finally {
    closeSync(fd)
  }
}

export interface MigrationStatus {
  applied: number
  total: number
  pending: string[]
}

/**
 * The migrations drizzle-kit wrote, in order, as its journal lists them (tag and time): enough to know what
 * is pending without reading and hashing every migration's SQL, which only applying them needs.
 */
function journal(): Array<{tag: string; when: number}> {
  return (JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {entries: Array<{tag: string; when: number}>}).entries
}

export function migrationStatus(db: Pick<Db, 'sqlite'>): MigrationStatus {
  const migrations = journal()
  const last = lastAppliedMillis(db)
  const pending = migrations.filter((m) => last === null || last < m.when)
  return {
    applied: migrations.length - pending.length,
    total: migrations.length,
    pending: pending.map((m) => m.tag),
  }
}

function lastAppliedMillis(db: Pick<Db, 'sqlite'>): number | null {
  const exists = db.sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MIGRATIONS_TABLE)
  if (!exists) return null
  const row = db.sqlite.prepare(`SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at DESC LIMIT 1`).get() as
    | {created_at: number | string}
    | undefined
  return row ? Number(row.created_at) : null
}

/**
 * Applies drizzle-kit's migrations (same bookkeeping table as drizzle's migrator), re-reading what is
 * applied inside BEGIN IMMEDIATE so two processes opening a fresh database never apply a migration twice.
 * Returns how many were applied.
 */
export function migrate(db: Db): number {
  const latest = journal().at(-1)?.when ?? 0
  const before = lastAppliedMillis(db)
  if (before !== null && before >= latest) return 0
  const migrations: MigrationMeta[] = readMigrationFiles({migrationsFolder: MIGRATIONS_FOLDER})

  return writeTransaction(db, () => {
    db.sqlite.exec(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
    )
    const last = lastAppliedMillis(db)
    let applied = 0
    const record = db.sqlite.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (hash, created_at) VALUES (?, ?)`)
    for (const migration of migrations) {
      if (last !== null && last >= migration.folderMillis) continue
      for (const statement of migration.sql) {
        if (statement.trim()) db.sqlite.exec(statement)
      }
      record.run(migration.hash, migration.folderMillis)
      applied++
    }
    return applied
  })
}

export interface WriteOptions {
  /** Attempts after SQLITE_BUSY outlasts the busy timeout (default 5). */
  attempts?: number
}

/**
 * Runs `fn` in one BEGIN IMMEDIATE transaction: commits whole or rolls back whole. A deferred
 * transaction that upgrades to a write can fail with SQLITE_BUSY at once, whatever the timeout, so
 * every write starts IMMEDIATE; a busy error is retried with jittered, capped delays.
 */
export function writeTransaction<T>(db: Db, fn: () => T, options: WriteOptions = {}): T {
  const attempts = options.attempts ?? 5
  const run = db.sqlite.transaction(fn)
  for (let attempt = 1; ; attempt++) {
    try {
      return run.immediate()
    } catch (error) {
      if (!isBusy(error) || attempt >= attempts) {
        if (isBusy(error)) {
          throw new HarbormasterError(`database ${db.path} stayed locked by another process`, {
            hint: 'another harbormaster process holds a long write transaction; try again shortly',
            cause: error,
          })
        }
        throw error
      }
      sleepSync(Math.min(2000, 50 * 2 ** attempt) * Math.random())
    }
  }
}

/**
 * Runs `fn`'s reads in one read transaction: one consistent view of the data, and one lock for all of them
 * instead of one per statement (on SQLite in WAL mode, most of what a small read costs). `fn` is
 * synchronous and only reads; inside a transaction already open it simply runs.
 */
export function readSnapshot<T>(db: Db, fn: () => T): T {
  if (db.sqlite.inTransaction) return fn()
  return db.sqlite.transaction(fn).deferred()
}

export function isBusy(error: unknown): boolean {
  const code = (error as {code?: string} | null)?.code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED'
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, Math.max(1, Math.round(ms)))
}
