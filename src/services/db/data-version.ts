// A cheap fingerprint of the database's contents: it changes whenever anything is written, by this
// connection or any other, so answers derived from the data can be kept until it changes.
import type {Statement} from 'better-sqlite3'
import {sql} from 'drizzle-orm'

import type {Db} from './client.js'
import {rawRows} from './query.js'
import type {AnyDb} from './transaction.js'

const statements = new WeakMap<Db, Statement>()

/**
 * SQLite: `data_version` moves when another connection commits; `total_changes()` counts this connection's
 * own writes (which `data_version` does not see). PostgreSQL: the server's current snapshot, whose bounds and
 * in-progress list move whenever a transaction that wrote (it has a transaction id) begins or ends, on any
 * connection. One small statement and no table read: read on every call, so a request sees every write
 * committed before it. Over-reports change (a rolled-back write moves it too, and on PostgreSQL a write to
 * another database of the same server), never under-reports it.
 */
export async function dataVersion(db: AnyDb): Promise<string> {
  if (db.dialect === 'postgres') {
    const [row] = await rawRows<{snapshot: string}>(db, sql`SELECT pg_current_snapshot()::text AS snapshot`)
    return row.snapshot
  }
  let statement = statements.get(db)
  if (!statement) {
    statement = db.sqlite.prepare('SELECT data_version, total_changes() FROM pragma_data_version').raw()
    statements.set(db, statement)
  }
  const [committedElsewhere, changedHere] = statement.get() as [number, number]
  return `${committedElsewhere}.${changedHere}`
}
