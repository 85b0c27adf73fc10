// The database as a whole: how big it is (and each table, on PostgreSQL), how many connections it has, its
// integrity check, and the upkeep that keeps it fast, step by step (SQLite: REINDEX, ANALYZE, PRAGMA optimize,
// VACUUM; PostgreSQL: REINDEX TABLE CONCURRENTLY, VACUUM (ANALYZE)).
import {existsSync, statSync} from 'node:fs'

import {sql} from 'drizzle-orm'

import type {Db} from './client.js'
import {rawRows} from './query.js'
import type {PostgresDb} from './pg-client.js'
import type {AnyDb} from './transaction.js'

/** Bytes the database takes: SQLite's file and its write-ahead log; PostgreSQL's pg_database_size. */
export async function databaseBytes(db: AnyDb): Promise<number> {
  if (db.dialect === 'sqlite') return sqliteFileBytes(db.path)
  const [row] = await rawRows<{bytes: number}>(db, sql`SELECT pg_database_size(current_database())::bigint AS bytes`)
  return Number(row.bytes)
}

function sqliteFileBytes(path: string): number {
  return ['', '-wal'].reduce((sum, suffix) => sum + (existsSync(path + suffix) ? statSync(path + suffix).size : 0), 0)
}

export interface TableBytes {
  table: string
  /** pg_total_relation_size: the table, its indexes and its TOAST data. */
  bytes: number
}

/** PostgreSQL: each of harbormaster's tables (those of the current schema) with its size, largest first. */
export async function tableBytes(db: PostgresDb): Promise<TableBytes[]> {
  const rows = await rawRows<{table: string; bytes: number}>(
    db,
    sql`SELECT c.relname AS "table", pg_total_relation_size(c.oid)::bigint AS bytes
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        ORDER BY bytes DESC, c.relname`,
  )
  return rows.map((r) => ({table: r.table, bytes: Number(r.bytes)}))
}

export interface ConnectionUse {
  /** Backends connected to this database now (pg_stat_database.numbackends). */
  connections: number
  /** The server's max_connections (shared by every database it holds). */
  maxConnections: number
}

/** PostgreSQL: connections to this database against what the server allows. */
export async function connectionUse(db: PostgresDb): Promise<ConnectionUse> {
  const [row] = await rawRows<{connections: number; max_connections: number}>(
    db,
    sql`SELECT (SELECT numbackends FROM pg_stat_database WHERE datname = current_database())::int AS connections,
               current_setting('max_connections')::int AS max_connections`,
  )
  return {connections: Number(row.connections), maxConnections: Number(row.max_connections)}
}

/**
 * SQLite's PRAGMA integrity_check findings ("ok" alone when there are none); a file too damaged to check
 * says so.
 */
export function sqliteIntegrityFindings(db: Pick<Db, 'sqlite'>): string[] {
  try {
    // One finding per row, or several lines in one row under a "*** in database main ***" heading.
    return (db.sqlite.pragma('integrity_check') as Array<{integrity_check: string}>)
      .flatMap((r) => r.integrity_check.split('\n'))
      .filter((line) => line.trim() !== '' && !line.startsWith('***'))
  } catch (error) {
    const code = (error as {code?: string}).code
    if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return [`the check itself could not read the file (${code})`]
    throw error
  }
}

/** One upkeep step as it ran: what ran, how long it took, and the database's size either side of it. */
export interface UpkeepStep {
  step: 'integrity_check' | 'reindex' | 'analyze' | 'optimize' | 'vacuum' | 'vacuum_analyze'
  detail: string
  ms: number
  bytesBefore: number
  bytesAfter: number
}

/** Runs one step between two measures of the database's size. */
export async function measuredStep(db: AnyDb, step: UpkeepStep['step'], detail: string, run: () => unknown): Promise<UpkeepStep> {
  const bytesBefore = await databaseBytes(db)
  const started = performance.now()
  await run()
  const ms = performance.now() - started
  return {step, detail, ms, bytesBefore, bytesAfter: await databaseBytes(db)}
}

/**
 * The weekly upkeep, step by step, with the database's size before and after each and overall. SQLite:
 * REINDEX (every index rebuilt from its table), ANALYZE, PRAGMA optimize, VACUUM (the file rewritten without
 * its free pages), the log folded into the file after each so the sizes are the file's. PostgreSQL, on a
 * connection of its own without the statement timeout (each step reads every table): REINDEX TABLE
 * CONCURRENTLY table by table (writes go on meanwhile; it cannot run in a transaction, nor REINDEX DATABASE
 * on a role that does not own the database), then VACUUM (ANALYZE), whose freed space the tables reuse, so
 * the database rarely shrinks.
 */
export async function compact(db: AnyDb): Promise<{before: number; after: number; steps: UpkeepStep[]}> {
  if (db.dialect === 'sqlite') {
    const {sqlite} = db
    const folded = (statement: () => void) => () => {
      statement()
      sqlite.pragma('wal_checkpoint(TRUNCATE)')
    }
    folded(() => undefined)()
    const before = await databaseBytes(db)
    const steps = [
      await measuredStep(db, 'reindex', 'REINDEX', folded(() => sqlite.exec('REINDEX'))),
      await measuredStep(db, 'analyze', 'ANALYZE', folded(() => sqlite.exec('ANALYZE'))),
      await measuredStep(db, 'optimize', 'PRAGMA optimize', folded(() => sqlite.pragma('optimize'))),
      await measuredStep(db, 'vacuum', 'VACUUM', folded(() => sqlite.exec('VACUUM'))),
    ]
    return {before, after: await databaseBytes(db), steps}
  }
  const before = await databaseBytes(db)
  const client = await db.pool.connect()
  let broken: Error | undefined
  const steps: UpkeepStep[] = []
  try {
    await client.query('SET statement_timeout = 0')
    // The current schema's tables this role may reindex (its own; a superuser's are all).
    const tables = await client.query<{name: string}>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind = 'r' AND pg_has_role(current_user, c.relowner, 'MEMBER') ORDER BY c.relname`,
    )
    steps.push(
      await measuredStep(db, 'reindex', `REINDEX TABLE CONCURRENTLY, ${tables.rows.length} tables`, async () => {
        // Outside any transaction, one table at a time: REINDEX CONCURRENTLY cannot run inside one.
        for (const {name} of tables.rows) await client.query(`REINDEX TABLE CONCURRENTLY "${name.replaceAll('"', '""')}"`)
      }),
    )
    // Outside any transaction: VACUUM cannot run inside one.
    steps.push(await measuredStep(db, 'vacuum_analyze', 'VACUUM (ANALYZE)', () => client.query('VACUUM (ANALYZE)')))
  } finally {
    // A connection that cannot take its timeout back is closed, not returned to the pool.
    await client.query('RESET statement_timeout').catch((error: Error) => (broken = error))
    client.release(broken)
  }
  return {before, after: await databaseBytes(db), steps}
}
