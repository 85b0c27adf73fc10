// Which migrations a database has applied and which of harbormaster's tables it lacks, on either database;
// and applying the pending ones. No driver is loaded here for SQLite: PostgreSQL's code is imported when a
// PostgreSQL database asks.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {getTableName, is, sql, Table} from 'drizzle-orm'

import {PACKAGE_ROOT} from '../package-root.js'
import {migrate as migrateSqlite, migrationStatus as sqliteMigrationStatus, type MigrationStatus} from './client.js'
import {rawRows} from './query.js'
import type {PostgresDb} from './pg-client.js'
import type {AnyDb} from './transaction.js'

export type {MigrationStatus} from './client.js'

const POSTGRES_JOURNAL = join(PACKAGE_ROOT, 'drizzle', 'postgres', 'meta', '_journal.json')

/** Migrations applied, in all, and the tags of those pending. */
export async function migrationStatus(db: AnyDb): Promise<MigrationStatus> {
  if (db.dialect === 'sqlite') return sqliteMigrationStatus(db)
  const migrations = (JSON.parse(readFileSync(POSTGRES_JOURNAL, 'utf8')) as {entries: Array<{tag: string; when: number}>}).entries
  // drizzle's migrator keeps its bookkeeping in drizzle.__drizzle_migrations; none before the first migration.
  const [kept] = await rawRows<{present: boolean}>(db, sql`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`)
  let last: number | null = null
  if (kept.present) {
    const [row] = await rawRows<{created_at: number | string | null}>(db, sql`SELECT max(created_at) AS created_at FROM drizzle.__drizzle_migrations`)
    last = row.created_at === null ? null : Number(row.created_at)
  }
  const pending = migrations.filter((m) => last === null || last < m.when)
  return {applied: migrations.length - pending.length, total: migrations.length, pending: pending.map((m) => m.tag)}
}

/** Applies the pending migrations (PostgreSQL: under the advisory lock every host queues on); returns how many. */
export async function applyMigrations(db: AnyDb): Promise<number> {
  if (db.dialect === 'sqlite') return migrateSqlite(db)
  const before = (await migrationStatus(db)).pending.length
  const {migratePostgres} = await import('./pg-client.js')
  await migratePostgres(db as PostgresDb)
  return before - (await migrationStatus(db)).pending.length
}

/** harbormaster's tables the database does not have. */
export async function missingTables(db: AnyDb): Promise<string[]> {
  // SQLite's schema module also carries the model's vocabularies: only its tables count.
  const expected = Object.values(db.t)
    .filter((value) => is(value, Table))
    .map((table) => getTableName(table as Table))
  const present = new Set(
    db.dialect === 'sqlite'
      ? (db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{name: string}>).map((r) => r.name)
      : (await rawRows<{name: string}>(db, sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)).map((r) => r.name),
  )
  return expected.filter((t) => !present.has(t))
}
