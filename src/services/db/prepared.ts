// Statements prepared once per SQLite connection and kept: building a drizzle query costs far more than
// running a small one, so reads that run on every health check or API request are built once. Repositories
// use it on their `db.dialect === 'sqlite'` side; on PostgreSQL the server keeps its own plans.
import type {Db} from './client.js'

// Keyed by the connection: with a read connection beside the write one (serve) the same database has two.
const byDb = new WeakMap<object, Map<string, unknown>>()

/** The statement `build` makes for this connection under `key`, built on first use. */
export function preparedOnce<T>(db: Db, key: string, build: () => T): T {
  let statements = byDb.get(db.sqlite)
  if (!statements) byDb.set(db.sqlite, (statements = new Map()))
  let statement = statements.get(key) as T | undefined
  if (statement === undefined) statements.set(key, (statement = build()))
  return statement
}
