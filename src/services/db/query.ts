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
  // On the read connection when there is one (serve): reads neither wait for writes nor hold them up. Else
  // in the connection's turn: a write's transaction is never open across this one's awaits, nor this one across a write's.
  const connection = db.reader ?? db.sqlite
  return sqliteTurn(db.reader ?? db, async () => {
    connection.exec('BEGIN')
    try {
      const value = await withTransaction(db, connection, fn)
      if (connection.inTransaction) connection.exec('COMMIT')
      return value
    } catch (error) {
      if (connection.inTransaction) connection.exec('ROLLBACK')
      throw error
    }
  })
}
