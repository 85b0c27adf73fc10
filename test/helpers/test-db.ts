// Direct access to a test's database for arranging rows and asserting on them, on either backend: on
// SQLite the better-sqlite3 connection itself; on PostgreSQL the same synchronous calls (prepare/all/get/
// run, exec, transaction) carried out by a worker thread, with `?` placeholders numbered as `$1, $2…`.
import {createRequire} from 'node:module'

import type Database from 'better-sqlite3'
import {createSyncFn} from 'synckit'

const require = createRequire(import.meta.url)

type Query = (url: string, sql: string | null, params?: unknown[]) => {rows: Record<string, unknown>[]; rowCount: number}
let query: Query | undefined

function pgQuery(): Query {
  query ??= createSyncFn(require.resolve('./pg-sync-worker.mjs'), {timeout: 120_000}) as Query
  return query
}

export const isPostgresLocation = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location)

/** SQLite's `?` placeholders as PostgreSQL's `$n`, leaving quoted text alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0
  let quoted = false
  let out = ''
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted
    out += ch === '?' && !quoted ? `$${++n}` : ch
  }
  return out
}

/** Runs one statement on the PostgreSQL database at `url` and waits for it. */
export function runPostgres(url: string, sql: string, params: unknown[] = []): {rows: Record<string, unknown>[]; rowCount: number} {
  return pgQuery()(url, sql, params)
}

/** Closes the worker's connection to `url` (before the database is dropped or used as a template). */
export function releasePostgres(url: string): void {
  if (query) query(url, null)
}

/** A better-sqlite3-shaped handle on a PostgreSQL database, for the calls tests make. */
function postgresHandle(url: string): Database.Database {
  const run = (sql: string, params: unknown[]) => runPostgres(url, numberPlaceholders(sql), params)
  const handle = {
    prepare(sql: string) {
      return {
        all: (...params: unknown[]) => run(sql, params).rows,
        get: (...params: unknown[]) => run(sql, params).rows[0],
        run: (...params: unknown[]) => ({changes: run(sql, params).rowCount}),
        pluck() {
          return {get: (...params: unknown[]) => Object.values(run(sql, params).rows[0] ?? {})[0], all: (...params: unknown[]) => run(sql, params).rows.map((r) => Object.values(r)[0])}
        },
      }
    },
    exec(sql: string) {
      runPostgres(url, sql)
      return handle
    },
    transaction<T>(fn: (...args: unknown[]) => T) {
      return (...args: unknown[]) => {
        runPostgres(url, 'BEGIN')
        try {
          const result = fn(...args)
          runPostgres(url, 'COMMIT')
          return result
        } catch (error) {
          runPostgres(url, 'ROLLBACK')
          throw error
        }
      }
    },
    pragma() {
      throw new Error('pragma is SQLite only: this test step does not apply to PostgreSQL')
    },
    close() {
      releasePostgres(url)
    },
  }
  return handle as unknown as Database.Database
}

/** Opens the test database at `location` (a SQLite path or a PostgreSQL URL) for direct reads and writes. */
export async function openDirect(location: string): Promise<Database.Database> {
  if (isPostgresLocation(location)) return postgresHandle(location)
  const {default: Sqlite} = await import('better-sqlite3')
  const db = new Sqlite(location)
  db.pragma('busy_timeout = 5000')
  return db
}

/** The same, synchronously (better-sqlite3 is already loaded by the caller's module). */
export function openDirectSync(location: string, Sqlite: typeof Database): Database.Database {
  if (isPostgresLocation(location)) return postgresHandle(location)
  const db = new Sqlite(location)
  db.pragma('busy_timeout = 5000')
  return db
}
