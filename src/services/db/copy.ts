// `db copy`: every table from one database to another (SQLite to PostgreSQL and back), parents before
// children, in batches inside one transaction per table, each table verified by its row count and a
// checksum of its rows read back before the transaction commits.
import {createHash} from 'node:crypto'

import {asc, getTableColumns, getTableName, gt, sql, type SQL} from 'drizzle-orm'
import {getTableConfig, type SQLiteColumn, type SQLiteTable} from 'drizzle-orm/sqlite-core'

import {HarbormasterError, usageError} from '../errors.js'
import type {Tables} from './client.js'
import * as sqliteSchema from './schema.js'
import {type AnyDb, write} from './transaction.js'

type TableKey = keyof Tables

/** Kept by triggers in each database from the rows inserted: never copied. */
const DERIVED: ReadonlySet<string> = new Set(['table_rows', 'queue_depths'])

export interface TableCopy {
  table: string
  rows: number
  checksum: string
}

export interface CopyReport {
  from: string
  to: string
  replaced: boolean
  tables: TableCopy[]
  rows: number
}

export interface CopyOptions {
  /** Empty the target first; without it a target holding any row is refused. */
  replace?: boolean
  batchSize?: number
  /** Told after each table. */
  onTable?(copied: TableCopy, done: number, total: number): void
  signal?: AbortSignal
}

interface TableMeta {
  key: TableKey
  name: string
  /** Column keys (drizzle's, shared by both schemas) in definition order. */
  columns: string[]
  /** The primary key's column keys: rows are read and compared in this order. */
  primaryKey: string[]
  /** Keys of JSON columns: compared by content, since PostgreSQL's jsonb reorders object keys. */
  json: Set<string>
  /** The auto-incrementing id's column name: on PostgreSQL its sequence must move past the copied ids. */
  serial?: string
}

function isTable(value: unknown): value is SQLiteTable {
  return typeof value === 'object' && value !== null && Symbol.for('drizzle:IsDrizzleTable') in value
}

/** Every copied table, parents before the tables whose foreign keys point at them. */
export function tablesInCopyOrder(): TableMeta[] {
  const metas = new Map<string, TableMeta>()
  const parents = new Map<string, string[]>()
  for (const [key, table] of Object.entries(sqliteSchema)) {
    if (!isTable(table)) continue
    const config = getTableConfig(table)
    if (DERIVED.has(config.name)) continue
    const columns = getTableColumns(table) as Record<string, SQLiteColumn>
    const keyOf = (column: SQLiteColumn) => Object.keys(columns).find((k) => columns[k] === column) as string
    const single = Object.keys(columns).filter((k) => columns[k].primary)
    // A table without a primary key is ordered by its first unique index (provider_usage).
    const unique = config.indexes.find((index) => index.config.unique)?.config.columns as SQLiteColumn[] | undefined
    const primaryKey = single.length > 0 ? single : (config.primaryKeys[0]?.columns.map(keyOf) ?? unique?.map(keyOf) ?? [])
    if (primaryKey.length === 0) throw new Error(`table ${config.name} has neither a primary key nor a unique index: db copy cannot order its rows`)
    const json = new Set(Object.keys(columns).filter((k) => columns[k].columnType === 'SQLiteTextJson'))
    const id = single.length === 1 ? (columns[single[0]] as SQLiteColumn & {autoIncrement?: boolean}) : undefined
    const serial = id?.autoIncrement ? id.name : undefined
    metas.set(config.name, {key: key as TableKey, name: config.name, columns: Object.keys(columns), primaryKey, json, serial})
    parents.set(
      config.name,
      config.foreignKeys.map((fk) => getTableName(fk.reference().foreignTable)).filter((p) => p !== config.name),
    )
  }
  const ordered: TableMeta[] = []
  const placed = new Set<string>()
  const place = (name: string, path: string[]) => {
    if (placed.has(name)) return
    if (path.includes(name)) throw new Error(`foreign keys form a cycle: ${[...path, name].join(' -> ')}`)
    for (const parent of parents.get(name) ?? []) if (metas.has(parent)) place(parent, [...path, name])
    placed.add(name)
    ordered.push(metas.get(name) as TableMeta)
  }
  for (const name of [...metas.keys()].sort()) place(name, [])
  return ordered
}

/** JSON with object keys sorted at every level: the same content gives the same text on both databases. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const object = value as Record<string, unknown>
  return `{${Object.keys(object)
    .sort()
    .filter((k) => object[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`)
    .join(',')}}`
}

/** A running checksum of rows in primary key order: column by column, JSON by content. */
class TableDigest {
  private readonly hash = createHash('sha256')
  rows = 0

  constructor(private readonly meta: TableMeta) {}

  add(row: Record<string, unknown>): void {
    this.rows++
    for (const key of this.meta.columns) {
      const value = row[key]
      this.hash.update(this.meta.json.has(key) ? canonical(value) : value === null || value === undefined ? 'null' : JSON.stringify(value))
      this.hash.update('\u0000')
    }
    this.hash.update('\u0001')
  }

  private done?: string

  digest(): string {
    this.done ??= this.hash.digest('hex').slice(0, 16)
    return this.done
  }
}

/**
 * The rows of a table in primary key order, a batch at a time: by key ranges when the key is one column
 * (fast at any depth), by offsets when it spans several (the small tables).
 */
async function* batches(db: AnyDb, meta: TableMeta, size: number): AsyncGenerator<Array<Record<string, unknown>>> {
  const table = db.t[meta.key] as unknown as SQLiteTable
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>
  const order = meta.primaryKey.map((k) => asc(columns[k]))
  if (meta.primaryKey.length === 1) {
    const keyColumn = columns[meta.primaryKey[0]]
    let after: unknown
    for (;;) {
      const where: SQL | undefined = after === undefined ? undefined : gt(keyColumn, after)
      const rows = (await db.orm
        .select()
        .from(table)
        .where(where)
        .orderBy(...order)
        .limit(size)) as Array<Record<string, unknown>>
      if (rows.length === 0) return
      yield rows
      after = rows.at(-1)?.[meta.primaryKey[0]]
      if (rows.length < size) return
    }
  }
  for (let offset = 0; ; offset += size) {
    const rows = (await db.orm
      .select()
      .from(table)
      .orderBy(...order)
      .limit(size)
      .offset(offset)) as Array<Record<string, unknown>>
    if (rows.length === 0) return
    yield rows
    if (rows.length < size) return
  }
}

async function rowCount(db: AnyDb, meta: TableMeta): Promise<number> {
  const rows = await db.orm.select({n: sql<number>`count(*)`}).from(db.t[meta.key] as unknown as SQLiteTable)
  return Number(rows[0]?.n ?? 0)
}

function where(db: AnyDb): string {
  return db.dialect === 'postgres' ? db.location : db.path
}

/** Copies every table of `from` into `to`, which must be migrated to the same version. */
export async function copyDatabase(from: AnyDb, to: AnyDb, options: CopyOptions = {}): Promise<CopyReport> {
  const size = options.batchSize ?? 2000
  const tables = tablesInCopyOrder()
  const occupied: string[] = []
  for (const meta of tables) if ((await rowCount(to, meta)) > 0) occupied.push(meta.name)
  if (occupied.length > 0 && !options.replace) {
    throw usageError(
      `the target ${where(to)} already holds data (${occupied.slice(0, 5).join(', ')}${occupied.length > 5 ? `, and ${occupied.length - 5} more tables` : ''})`,
      'copy into an empty database, or pass --replace to delete what it holds first',
    )
  }
  if (occupied.length > 0) {
    // Children first, so no foreign key is left pointing at a deleted row.
    await write(to, async () => {
      for (const meta of [...tables].reverse()) await to.orm.delete(to.t[meta.key] as unknown as SQLiteTable)
    })
  }

  const copied: TableCopy[] = []
  for (const meta of tables) {
    options.signal?.throwIfAborted()
    const target = to.t[meta.key] as unknown as SQLiteTable
    const source = new TableDigest(meta)
    await write(to, async () => {
      for await (const rows of batches(from, meta, size)) {
        options.signal?.throwIfAborted()
        for (const row of rows) source.add(row)
        // SQLite takes at most 32,766 values per statement (PostgreSQL 65,535).
        const perInsert = Math.max(1, Math.floor(30_000 / meta.columns.length))
        for (let k = 0; k < rows.length; k += perInsert) await to.orm.insert(target).values(rows.slice(k, k + perInsert) as never)
      }
      // Read back before committing: a table that does not match is not kept.
      const stored = new TableDigest(meta)
      for await (const rows of batches(to, meta, size)) for (const row of rows) stored.add(row)
      if (stored.rows !== source.rows || stored.digest() !== source.digest()) {
        throw new HarbormasterError(
          `table ${meta.name}: ${stored.rows} row(s) read back (checksum ${stored.digest()}) against ${source.rows} copied (checksum ${source.digest()})`,
          {hint: 'nothing of this table was kept; check that both databases are migrated to the same version (`harbormaster db migrate`)'},
        )
      }
    })
    if (to.dialect === 'postgres' && meta.serial) {
      // Ids were copied as they were: the sequence moves past them, or the next insert would reuse one.
      const column = meta.serial
      await to.pool.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max("${column}") FROM "${meta.name}"), 0) + 1, false)`,
        [meta.name, column],
      )
    }
    const entry = {table: meta.name, rows: source.rows, checksum: source.digest()}
    copied.push(entry)
    options.onTable?.(entry, copied.length, tables.length)
  }
  return {from: where(from), to: where(to), replaced: occupied.length > 0, tables: copied, rows: copied.reduce((n, t) => n + t.rows, 0)}
}

/** Opens both databases (the source for reading only), copies, and closes them whatever happens. */
export async function copyBetween(fromLocation: string, toLocation: string, options: CopyOptions & {poolSize?: number; statementTimeoutMs?: number}): Promise<CopyReport> {
  const {closeAnyDatabase, openAnyDatabase} = await import('./open.js')
  const from = await openAnyDatabase(fromLocation, {applicationName: 'harbormaster db copy', readonly: true, poolSize: options.poolSize, statementTimeoutMs: options.statementTimeoutMs})
  try {
    const to = await openAnyDatabase(toLocation, {applicationName: 'harbormaster db copy', poolSize: options.poolSize, statementTimeoutMs: options.statementTimeoutMs})
    try {
      return await copyDatabase(from, to, options)
    } finally {
      await closeAnyDatabase(to)
    }
  } finally {
    await closeAnyDatabase(from)
  }
}
