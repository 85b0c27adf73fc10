// Opening either database from what an operator writes: a PostgreSQL URL (postgres:// or postgresql://)
// or a SQLite file path.
import {isWritableDatabase, openDatabase} from './client.js'
import {isPostgresUrl} from './location.js'
import type {AnyDb} from './transaction.js'

export interface OpenAnyOptions {
  /** Shown by PostgreSQL as the connection's application_name (the command's name). */
  applicationName: string
  /** SQLite: open for reading only (the file must exist). PostgreSQL connects alike either way. */
  readonly?: boolean
  /** Apply pending migrations (default true). */
  migrate?: boolean
  /** PostgreSQL: the pool's size and the statement timeout (HARBORMASTER_DB_POOL_SIZE, _STATEMENT_TIMEOUT_MS). */
  poolSize?: number
  statementTimeoutMs?: number
}

export async function openAnyDatabase(location: string, options: OpenAnyOptions): Promise<AnyDb> {
  // PostgreSQL's driver only when the database is one: SQLite commands (health, --help) never load it.
  if (isPostgresUrl(location)) return (await import('./pg-client.js')).openPostgres(location, options)
  return openDatabase(location, {readonly: options.readonly, migrate: options.migrate})
}

export async function closeAnyDatabase(db: AnyDb): Promise<void> {
  await db.close()
}

/** Whether this process may write there: a PostgreSQL server is asked when connecting; a SQLite file is checked now. */
export function isWritableLocation(location: string): boolean {
  return isPostgresUrl(location) || isWritableDatabase(location)
}
