// A cheap fingerprint of the database's contents: it changes whenever anything is written, by this
// connection or any other, so answers derived from the data can be kept until it changes.
import type {Statement} from 'better-sqlite3'
import {sql} from 'drizzle-orm'

import {rawRows} from './query.js'
import {type AnyDb, writesEndedOn} from './transaction.js'

// Per connection.
const statements = new WeakMap<object, Statement>()

/**
 * The version read last, per database, kept for the rest of this turn of the event loop unless this process
 * ends a write meanwhile: the requests answered in one turn (the auth check and the answer cache of each)
 * share one read, as if they had all arrived together.
 */
const thisTurn = new WeakMap<AnyDb, {version: string; writes: number}>()

/**
 * One small statement and no table read, at most once per turn of the event loop (`thisTurn`), so a request
 * sees every write committed before the turn it is answered in, and every write this process has ended.
 * Over-reports change (a rolled-back write, or on PostgreSQL any transaction that wrote anywhere on the
 * server, moves it too), never under-reports those.
 *
 * SQLite: `data_version` moves when another connection commits; `total_changes()` counts this connection's
 * own writes (which `data_version` does not see). With a read connection beside the write one (serve) the
 * read connection's `data_version` alone: every commit of the writer is another connection's, and an
 * uncommitted write does not move it.
 *
 * PostgreSQL: the current snapshot (`pg_current_snapshot()`: the transactions still running and the first
 * not yet finished) is what decides which rows a reader sees; it changes when a transaction that wrote ends.
 * A snapshot taken later sees at least what an earlier one saw, so data read after the version is never
 * older than the version says.
 */
export async function dataVersion(db: AnyDb): Promise<string> {
  const writes = writesEndedOn(db)
  const kept = thisTurn.get(db)
  if (kept?.writes === writes) return kept.version
  const version = await readVersion(db)
  if (!thisTurn.has(db)) setImmediate(() => thisTurn.delete(db))
  thisTurn.set(db, {version, writes})
  return version
}

async function readVersion(db: AnyDb): Promise<string> {
  if (db.dialect === 'postgres') {
    const [row] = await rawRows<{version: string}>(db, sql`SELECT pg_current_snapshot()::text AS version`)
    return row.version
  }
  const connection = db.reader ?? db.sqlite
  let statement = statements.get(connection)
  if (!statement) {
    statement = connection.prepare(db.reader ? 'SELECT data_version, 0 FROM pragma_data_version' : 'SELECT data_version, total_changes() FROM pragma_data_version').raw()
    statements.set(connection, statement)
  }
  const [committedElsewhere, changedHere] = statement.get() as [number, number]
  return `${committedElsewhere}.${changedHere}`
}
