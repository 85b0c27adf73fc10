// Opening a PostgreSQL database: the pool, drizzle over it with PostgreSQL's tables, and migrations applied
// once under an advisory lock however many hosts start at the same moment.
import {drizzle} from 'drizzle-orm/node-postgres'
import {migrate as drizzleMigrate} from 'drizzle-orm/node-postgres/migrator'
import type pg from 'pg'


import {HarbormasterError} from '../errors.js'
import type {Orm, Tables} from './client.js'
import {createPool, MIGRATION_LOCK_KEY, POSTGRES_MIGRATIONS_FOLDER, redactDatabaseUrl} from './postgres.js'
import * as pgSchema from './schema-pg.js'
import {currentTransaction} from './transaction.js'

export interface PostgresDb {
  dialect: 'postgres'
  /**
   * drizzle on the open transaction's connection inside `write`, else on the pool. Typed as SQLite's
   * drizzle: repositories use the builders both share and `await` them.
   */
  readonly orm: Orm
  /** PostgreSQL's tables, typed as SQLite's (same columns, same JS types). */
  t: Tables
  pool: pg.Pool
  /** The URL with its password masked. */
  location: string
  /** Runs `fn` in a transaction on a connection of its own: BEGIN, COMMIT, or ROLLBACK when it throws. */
  transaction<T>(fn: (orm: Orm) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface PostgresOptions {
  /** Shown in pg_stat_activity (the command's name). */
  applicationName: string
  poolSize?: number
  statementTimeoutMs?: number
  /** Apply pending migrations (default true). */
  migrate?: boolean
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<PostgresDb> {
  const location = redactDatabaseUrl(url)
  const pool = createPool(url, {size: options.poolSize ?? 5, applicationName: options.applicationName, statementTimeoutMs: options.statementTimeoutMs ?? 60_000})
  // Relational queries are not used: drizzle without the schema is cheap to make per transaction.
  const base = drizzle(pool)
  const db: PostgresDb = {
    dialect: 'postgres',
    get orm() {
      return (currentTransaction<Orm>(db) ?? base) as unknown as Orm
    },
    t: pgSchema as unknown as Tables,
    pool,
    location,
    transaction: (fn) => inTransaction(pool, fn),
    close: () => pool.end(),
  }
  try {
    // A connection now: a wrong URL or a server that is down says so here, once, with what to do.
    const client = await pool.connect().catch((error: Error) => {
      throw new HarbormasterError(`database ${location}: cannot connect (${error.message})`, {
        hint: 'check HARBORMASTER_DB (host, port, user, password, database) and that the server accepts connections from this host',
        cause: error,
      })
    })
    client.release()
    if (options.migrate ?? true) await migratePostgres(db)
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }
  return db
}

/**
 * Applies pending migrations on one connection holding a session advisory lock: a second host starting at
 * the same moment waits, then finds nothing left to apply.
 */
export async function migratePostgres(db: PostgresDb): Promise<void> {
  const client = await db.pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await drizzleMigrate(drizzle(client, {schema: pgSchema}), {migrationsFolder: POSTGRES_MIGRATIONS_FOLDER})
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  } finally {
    client.release()
  }
}

async function inTransaction<T>(pool: pg.Pool, fn: (orm: Orm) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  // A server restart breaks a connection in use too: its error is the query's, not an unhandled event.
  const ignore = () => undefined
  client.on('error', ignore)
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    const result = await fn(drizzle(client) as unknown as Orm)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed))
    throw error
  } finally {
    client.off('error', ignore)
    // A connection that could not even roll back is closed, not returned to the pool.
    client.release(broken)
  }
}
