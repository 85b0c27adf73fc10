// What repositories need beyond drizzle's shared builders to run alike on both databases: raw SQL that
// returns rows, the number of rows a statement changed, and reads that see one snapshot.
import type {SQL} from 'drizzle-orm'

import {type AnyDb, currentTransaction, sqliteTurn, withTransaction} from './transaction.js'

/** Rows of a raw query on either database (PostgreSQL returns bigint and numeric as strings: cast or map them). */
export async function rawRows<T>(db: AnyDb, query: SQL): Promise<T[]> {
  if (db.dialect === 'sqlite') return db.orm.all<T>(query)
  const result = await (db.orm as unknown as {execute(q: SQL): Promise<{rows: T[]}>}).execute(query)
  return result.rows
}

/** Runs a raw statement on either database; returns the rows it changed. */
export async function rawExec(db: AnyDb, query: SQL): Promise<number> {
  if (db.dialect === 'sqlite') return db.orm.run(query).changes
  const result = await (db.orm as unknown as {execute(q: SQL): Promise<{rowCount: number | null}>}).execute(query)
  return result.rowCount ?? 0
}

/**
 * The rows an awaited insert, update or delete changed: SQLite's result says `changes`, PostgreSQL's
 * `rowCount`.
 */
export function affectedRows(result: unknown): number {
  const r = result as {changes?: number; rowCount?: number | null}
  return Number(r.changes ?? r.rowCount ?? 0)
}

/**
 * Runs `fn`'s reads against one snapshot: on SQLite one deferred read transaction (one lock for all the
 * statements instead of one each); on PostgreSQL one REPEATABLE READ, READ ONLY transaction. Inside an
 * open transaction `fn` simply runs. `fn` only reads.
 */
export function read<T>(db: AnyDb, fn: () => Promise<T>): Promise<T> {
  if (currentTransaction(db) !== undefined) return fn()
  if (db.dialect === 'postgres') {
    return db.transaction(async (tx) => {
      await (tx as unknown as {execute(q: string): Promise<unknown>}).execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      return withTransaction(db, tx, fn)
    })
  }
  // In the connection's turn: a write's transaction is never open across this one's awaits, nor this one across a write's.
  return sqliteTurn(db, async () => {
    db.sqlite.exec('BEGIN')
    try {
      const value = await withTransaction(db, db.sqlite, fn)
      if (db.sqlite.inTransaction) db.sqlite.exec('COMMIT')
      return value
    } catch (error) {
      if (db.sqlite.inTransaction) db.sqlite.exec('ROLLBACK')
      throw error
    }
  })
}
