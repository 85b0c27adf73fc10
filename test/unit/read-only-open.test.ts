// A read-only command (health, jobs list, ...) on a database an older harbormaster left: one migration behind.
// Whoever may write the file gets it migrated first and then read; the reading connection sees the whole schema.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {readMigrationFiles} from 'drizzle-orm/migrator'
import {afterAll, expect, it} from 'vitest'

import {MIGRATIONS_FOLDER, migrationStatus, openDatabase} from '../../src/services/db/client.js'

const dir = mkdtempSync(join(tmpdir(), 'harbormaster-read-only-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A database with every migration but the last applied, as drizzle's migrator records them. */
function oneMigrationBehind(path: string): string {
  const migrations = readMigrationFiles({migrationsFolder: MIGRATIONS_FOLDER})
  const sqlite = new Database(path)
  sqlite.exec('CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric)')
  for (const m of migrations.slice(0, -1)) {
    for (const statement of m.sql) if (statement.trim()) sqlite.exec(statement)
    sqlite.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run(m.hash, m.folderMillis)
  }
  sqlite.close()
  return migrations.at(-1)!.hash
}

it('migrates a writable database one migration behind, then reads it; a current one is opened as it is', () => {
  const path = join(dir, 'behind.db')
  oneMigrationBehind(path)
  const before = new Database(path, {readonly: true})
  expect(migrationStatus({sqlite: before}).pending).toHaveLength(1)
  before.close()

  const db = openDatabase(path, {readonly: true})
  try {
    expect(db.sqlite.readonly).toBe(true)
    expect(migrationStatus(db).pending).toEqual([])
    expect((db.sqlite.prepare('SELECT count(*) AS n FROM ports').get() as {n: number}).n).toBe(0)
  } finally {
    db.close()
  }
  // Opened again: nothing left to apply, the same migrations recorded once each.
  const again = openDatabase(path, {readonly: true})
  try {
    const hashes = again.sqlite.prepare('SELECT hash FROM __drizzle_migrations').pluck().all() as string[]
    expect(new Set(hashes).size).toBe(hashes.length)
  } finally {
    again.close()
  }
})
