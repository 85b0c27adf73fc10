// The archive's rows on either database: the tables it archives and by which time each ages, a month's rows
// read a batch at a time in id order (positions can be millions), rows put back with their ids (a row already
// there is left alone), and the record of which months of which table are archived.
import {and, asc, eq, getTableColumns, getTableName, gt, gte, inArray, isNotNull, lt, min, type SQL} from 'drizzle-orm'
import {getTableConfig, type SQLiteColumn, type SQLiteTable} from 'drizzle-orm/sqlite-core'

import type {Tables} from './client.js'
import {affectedRows} from './query.js'
import * as sqliteSchema from './schema.js'
import {type AnyDb, write} from './transaction.js'

/** The archived tables, parents before children (a restore puts events back before their notifications). */
export const ARCHIVED_TABLES = ['vessel_positions', 'safety_events', 'alert_events', 'notifications'] as const
export type ArchivedTable = (typeof ARCHIVED_TABLES)[number]

export interface ArchivedMonth {
  month: string
  tableName: string
  rows: number
  file: string
  sha256: string
  bytes: number
  archivedAt: number
}

type Row = Record<string, unknown>

/** The drizzle table of an archived table, and the column its rows age by (the one cleanup deletes on). */
function tableOf(db: AnyDb, table: ArchivedTable): {t: SQLiteTable; id: SQLiteColumn; age: SQLiteColumn; resolvedOnly: boolean} {
  const {alertEvents, notifications, safetyEvents, vesselPositions} = db.t
  // Both schemas have the same columns; the SQLite types stand for either in the query builder.
  switch (table) {
    case 'vessel_positions':
      return {t: vesselPositions as unknown as SQLiteTable, id: vesselPositions.id as unknown as SQLiteColumn, age: vesselPositions.receivedAt as unknown as SQLiteColumn, resolvedOnly: false}
    case 'safety_events':
      return {t: safetyEvents as unknown as SQLiteTable, id: safetyEvents.id as unknown as SQLiteColumn, age: safetyEvents.resolvedAt as unknown as SQLiteColumn, resolvedOnly: true}
    case 'alert_events':
      return {t: alertEvents as unknown as SQLiteTable, id: alertEvents.id as unknown as SQLiteColumn, age: alertEvents.resolvedAt as unknown as SQLiteColumn, resolvedOnly: true}
    case 'notifications':
      return {t: notifications as unknown as SQLiteTable, id: notifications.id as unknown as SQLiteColumn, age: notifications.createdAt as unknown as SQLiteColumn, resolvedOnly: false}
  }
}

/** Column keys (drizzle's) to column names (the database's): the archive files speak the database's names. */
export function columnNames(db: AnyDb, table: ArchivedTable): Array<[key: string, name: string]> {
  return Object.entries(getTableColumns(tableOf(db, table).t) as Record<string, SQLiteColumn>).map(([key, column]) => [key, column.name])
}

function ageRange(db: AnyDb, table: ArchivedTable, from: number | undefined, to: number): SQL | undefined {
  const {age, resolvedOnly} = tableOf(db, table)
  return and(resolvedOnly ? isNotNull(age) : undefined, from === undefined ? undefined : gte(age, from), lt(age, to))
}

/** The oldest age (stored, resolved or made) of the table's rows before `before`; undefined when there is none. */
export async function oldestAgeBefore(db: AnyDb, table: ArchivedTable, before: number): Promise<number | undefined> {
  const {t, age} = tableOf(db, table)
  const [row] = await db.orm.select({oldest: min(age)}).from(t).where(ageRange(db, table, undefined, before))
  return row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest)
}

/** The table's rows aged within [from, to), in id order, `size` at a time: never the whole month at once. */
export async function* rowsAgedBetween(db: AnyDb, table: ArchivedTable, from: number, to: number, size: number): AsyncGenerator<Row[]> {
  const {t, id} = tableOf(db, table)
  let after: number | undefined
  for (;;) {
    const rows = (await db.orm
      .select()
      .from(t)
      .where(and(ageRange(db, table, from, to), after === undefined ? undefined : gt(id, after)))
      .orderBy(asc(id))
      .limit(size)) as Row[]
    if (rows.length === 0) return
    yield rows
    if (rows.length < size) return
    after = Number(rows.at(-1)?.id)
  }
}

/** A foreign key of an archived table: the child's column (drizzle key), the parent table and column, and what deleting the parent does. */
interface ParentLink {
  column: string
  parent: keyof Tables
  parentColumn: string
  onDelete: string | undefined
}

/** Read from the shared table definitions (the SQLite build stands for both). */
function parentLinks(table: ArchivedTable): ParentLink[] {
  const tables = Object.entries(sqliteSchema).filter(([, t]) => typeof t === 'object' && t !== null && Symbol.for('drizzle:IsDrizzleTable') in t) as Array<[string, SQLiteTable]>
  const child = tables.find(([, t]) => getTableName(t) === table)?.[1] as SQLiteTable
  const keyIn = (t: SQLiteTable, name: string) => Object.entries(getTableColumns(t) as Record<string, SQLiteColumn>).find(([, c]) => c.name === name)?.[0] as string
  return getTableConfig(child).foreignKeys.map((fk) => {
    const ref = fk.reference()
    const parentName = getTableName(ref.foreignTable)
    const [parentKey, parent] = tables.find(([, t]) => getTableName(t) === parentName) as [string, SQLiteTable]
    return {column: keyIn(child, ref.columns[0].name), parent: parentKey as keyof Tables, parentColumn: keyIn(parent, ref.foreignColumns[0].name), onDelete: fk.onDelete}
  })
}

/**
 * Archived rows as the database would hold them had they stayed: a row whose parent has been deleted since
 * goes as its foreign key's cascade would have taken it, and a reference to a deleted parent is cleared as
 * `set null` would have cleared it. Returns the rows to insert and how many went or lost a reference.
 */
export async function withLivingParents(db: AnyDb, table: ArchivedTable, rows: Row[]): Promise<{rows: Row[]; withoutParent: number; referencesCleared: number}> {
  let kept = rows
  let referencesCleared = 0
  for (const link of parentLinks(table)) {
    const values = [...new Set(kept.map((r) => r[link.column]).filter((v) => v !== null && v !== undefined))] as number[]
    if (values.length === 0) continue
    const parent = db.t[link.parent] as unknown as SQLiteTable
    const column = (getTableColumns(parent) as Record<string, SQLiteColumn>)[link.parentColumn]
    const present = new Set((await db.orm.select({v: column}).from(parent).where(inArray(column, values))).map((r) => Number(r.v)))
    const gone = (r: Row) => r[link.column] !== null && r[link.column] !== undefined && !present.has(Number(r[link.column]))
    if (link.onDelete === 'set null') {
      kept = kept.map((r) => (gone(r) ? (referencesCleared++, {...r, [link.column]: null}) : r))
    } else {
      kept = kept.filter((r) => !gone(r))
    }
  }
  return {rows: kept, withoutParent: rows.length - kept.length, referencesCleared}
}

/** Puts archived rows back as they were (ids kept); a row whose id (or unique key) is there already is left alone. Returns the rows inserted. */
export async function insertArchivedRows(db: AnyDb, table: ArchivedTable, rows: Row[]): Promise<number> {
  if (rows.length === 0) return 0
  const {t} = tableOf(db, table)
  if (db.dialect === 'sqlite') {
    // One prepared statement run per row: building drizzle's multi-row inserts cost 8 times the inserting.
    const columns = Object.entries(getTableColumns(t) as Record<string, SQLiteColumn>)
    const statement = db.sqlite.prepare(
      `INSERT INTO "${table}" (${columns.map(([, c]) => `"${c.name}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`,
    )
    let inserted = 0
    for (const row of rows) inserted += statement.run(...columns.map(([key]) => sqliteValue(row[key]))).changes
    return inserted
  }
  const perInsert = Math.max(1, Math.floor(30_000 / Object.keys(rows[0]).length))
  let inserted = 0
  for (let k = 0; k < rows.length; k += perInsert) {
    inserted += affectedRows(
      await db.orm
        .insert(t)
        .values(rows.slice(k, k + perInsert) as never)
        .onConflictDoNothing(),
    )
  }
  return inserted
}

/** A value as SQLite stores it: JSON columns as text, booleans as 0 and 1. */
function sqliteValue(value: unknown): unknown {
  if (value === undefined) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value !== null && typeof value === 'object') return JSON.stringify(value)
  return value
}

/** Every archived month of every table, oldest first. */
export async function archivedMonths(db: AnyDb): Promise<ArchivedMonth[]> {
  const {archivedMonths: t} = db.t
  return db.orm.select().from(t).orderBy(asc(t.month), asc(t.tableName))
}

/** The archived months of one month (one row per table written). */
export async function archivedMonthOf(db: AnyDb, month: string): Promise<ArchivedMonth[]> {
  const {archivedMonths: t} = db.t
  return db.orm.select().from(t).where(eq(t.month, month)).orderBy(asc(t.tableName))
}

export async function recordArchivedMonth(db: AnyDb, entry: ArchivedMonth): Promise<void> {
  const {archivedMonths: t} = db.t
  await write(db, async () => {
    await db.orm
      .insert(t)
      .values(entry)
      .onConflictDoUpdate({target: [t.month, t.tableName], set: {rows: entry.rows, file: entry.file, sha256: entry.sha256, bytes: entry.bytes, archivedAt: entry.archivedAt}})
  })
}
