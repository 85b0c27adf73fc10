// A SQLite database with a second, read-only connection, for a process that answers reads while it writes
// (serve): a write transaction stays open across its awaits on the one write connection, so while it is
// open every other async flow reads on the second connection and sees committed rows only, as PostgreSQL's
// pool gives each flow a connection of its own.
import type Database from 'better-sqlite3'
import {drizzle} from 'drizzle-orm/better-sqlite3'

import type {Db, Orm} from './client.js'
import {asyncWriteOpen, currentTransaction} from './transaction.js'
import {openSqlite} from './sqlite-connection.js'

/**
 * `db` with a read connection beside its own, which then only writes and reads for the flow holding its write
 * transaction (and when none is open, for everyone, as before). `db` itself is not to be used any more:
 * close the returned one. An in-memory database has no second connection and is returned as is.
 */
export function withReadConnection(db: Db, options: {busyTimeoutMs?: number} = {}): Db {
  if (db.path === ':memory:' || db.reader) return db
  const reader = openSqlite(db.path, {readonly: true, fileMustExist: true})
  try {
    reader.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
  } catch (error) {
    reader.close()
    throw error
  }
  const writer = db.sqlite
  let readerOrm: Orm | undefined
  const routed: Db = {
    dialect: 'sqlite',
    t: db.t,
    path: db.path,
    writer,
    reader,
    /**
     * The connection of the transaction this flow has open (the writer's in `write`, the reader's in `read`);
     * else the reader while another flow's write is open on the writer, the writer otherwise.
     */
    get sqlite(): Database.Database {
      const own = currentTransaction<Database.Database>(routed)
      if (own) return own
      return asyncWriteOpen(writer) ? reader : writer
    },
    get orm(): Orm {
      if (routed.sqlite === reader) return (readerOrm ??= drizzle(reader))
      return db.orm
    },
    close() {
      if (reader.open) reader.close()
      db.close()
    },
  }
  return routed
}
