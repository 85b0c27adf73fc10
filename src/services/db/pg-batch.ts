// Raw statements for the hot paths (batch ingest, congestion, detection): on PostgreSQL whole columns sent
// as array parameters that `unnest` turns back into rows, and rows read back as arrays, on the open
// transaction's connection (inside `write`/`read`) or the pool; and reads written once for both databases.
import type pg from 'pg'

import type {PostgresDb} from './pg-client.js'
import type {AnyDb} from './transaction.js'

type Queryable = Pick<pg.Pool, 'query'>

/** The connection of the transaction open on `db` in this async context, else the pool. */
function connection(db: PostgresDb): Queryable {
  return (db.orm as unknown as {$client: Queryable}).$client
}

/** Rows as arrays of column values, in the order the statement names them. */
export async function pgArrays<T extends unknown[]>(db: PostgresDb, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await connection(db).query({text, values, rowMode: 'array'})
  return result.rows as T[]
}

/** Rows as objects keyed by column name (alias them as the caller's fields). */
export async function pgObjects<T>(db: PostgresDb, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await connection(db).query(text, values)
  return result.rows as T[]
}

/** Runs a statement; returns the rows it changed. */
export async function pgExec(db: PostgresDb, text: string, values: unknown[] = []): Promise<number> {
  const result = await connection(db).query(text, values)
  return result.rowCount ?? 0
}

/**
 * Rows as objects of a read written once for both databases in the SQL they share, with `?` placeholders
 * (numbered for PostgreSQL) and camelCase aliases double-quoted: SQLite's statement, PostgreSQL's query.
 */
export async function hotRows<T>(db: AnyDb, text: string, values: unknown[] = []): Promise<T[]> {
  if (db.dialect === 'sqlite') return db.sqlite.prepare(text).all(...values) as T[]
  let n = 0
  return pgObjects<T>(db, text.replace(/\?/g, () => `$${++n}`), values)
}
