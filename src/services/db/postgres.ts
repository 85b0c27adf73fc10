// Connecting to PostgreSQL: a pool named after the command (application_name), a statement timeout,
// integers read as JS numbers, the URL shown with its password masked, which errors are worth a retry, and
// migrations applied once under an advisory lock however many hosts start at the same moment.
import {join} from 'node:path'

import pg from 'pg'

import {PACKAGE_ROOT} from '../package-root.js'

export {databaseLocation, type DatabaseLocation, databasePassword, isPostgresUrl, redactDatabaseUrl} from './location.js'

let parsersSet = false

/** bigint (int8) and numeric as JS numbers: epoch milliseconds and counts stay far below 2^53. */
function setTypeParsers(): void {
  if (parsersSet) return
  pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10))
  pg.types.setTypeParser(1700, (v) => Number.parseFloat(v))
  parsersSet = true
}

export interface PoolOptions {
  /** Connections at most (HARBORMASTER_DB_POOL_SIZE). */
  size: number
  /** Shown in pg_stat_activity: which command holds a connection. */
  applicationName: string
  statementTimeoutMs: number
  connectTimeoutMs?: number
}

export function createPool(url: string, options: PoolOptions): pg.Pool {
  setTypeParsers()
  const pool = new pg.Pool({
    connectionString: url,
    max: options.size,
    application_name: options.applicationName.slice(0, 63),
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 10_000,
  })
  // An idle client whose server went away (a restart) reports here; the next query gets a new one.
  pool.on('error', () => undefined)
  return pool
}

export const POSTGRES_MIGRATIONS_FOLDER = join(PACKAGE_ROOT, 'drizzle', 'postgres')

/** A fixed key for pg_advisory_lock: every harbormaster process migrating the same database queues on it. */
export const MIGRATION_LOCK_KEY = 0x6862_6d67 // "hbmg"
