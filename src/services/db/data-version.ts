// A cheap fingerprint of the database's contents: it changes whenever anything is written, by this
// connection or any other, so answers derived from the data can be kept until it changes.
import type {Statement} from 'better-sqlite3'

import type {Db} from './client.js'

const statements = new WeakMap<Db, Statement>()

/**
 * `data_version` moves when another connection commits; `total_changes()` counts this connection's own
 * writes (which `data_version` does not see). One small statement and no table read: read on every call,
 * so a request sees every write committed before it. Over-reports change (a rolled-back write moves it
 * too), never under-reports it.
 */
export function dataVersion(db: Db): string {
  let statement = statements.get(db)
  if (!statement) {
    statement = db.sqlite.prepare('SELECT data_version, total_changes() FROM pragma_data_version').raw()
    statements.set(db, statement)
  }
  const [committedElsewhere, changedHere] = statement.get() as [number, number]
  return `${committedElsewhere}.${changedHere}`
}
