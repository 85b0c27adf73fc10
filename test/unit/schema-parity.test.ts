// The SQLite and PostgreSQL schemas hold the same tables with the same columns (names, nullability,
// defaults), primary keys, foreign keys and indexes, and their migrations create exactly those tables.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import {getTableConfig as pgConfig, type PgTable} from 'drizzle-orm/pg-core'
import {getTableConfig as sqliteConfig, type SQLiteTable} from 'drizzle-orm/sqlite-core'
import {describe, expect, it} from 'vitest'

import * as pgSchema from '../../src/services/db/schema-pg.js'
import * as sqliteSchema from '../../src/services/db/schema.js'
import {ROOT} from '../helpers/cli.js'

type Config = ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>

/** What both databases must agree on, in dialect-free terms. */
function shape(config: Config) {
  const columnName = (c: {name: string}) => c.name
  return {
    name: config.name,
    columns: config.columns
      // An integer primary key is SQLite's rowid, which always has a value: only the key itself is compared.
      .map((c) => ({name: c.name, notNull: c.notNull, primary: c.primary, ...(c.primary ? {} : {hasDefault: c.hasDefault, default: c.hasDefault ? c.default : null})}))
      .sort((a, b) => a.name.localeCompare(b.name)),
    primaryKeys: config.primaryKeys.map((pk) => pk.columns.map(columnName)),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference()
        return {columns: ref.columns.map(columnName), to: ref.foreignColumns.map(columnName), onDelete: fk.onDelete ?? null}
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    indexes: config.indexes
      .map((i) => ({name: i.config.name ?? '', unique: i.config.unique, columns: i.config.columns.map((c) => (c as {name: string}).name), partial: Boolean(i.config.where)}))
      .sort((a, b) => a.name.localeCompare(b.name)),
  }
}

const tablesOf = <T>(schema: Record<string, unknown>, isTable: (v: unknown) => v is T) =>
  Object.entries(schema).filter((entry): entry is [string, T] => isTable(entry[1]))

const isSqliteTable = (v: unknown): v is SQLiteTable => typeof v === 'object' && v !== null && Symbol.for('drizzle:IsDrizzleTable') in v
const isPgTable = (v: unknown): v is PgTable => typeof v === 'object' && v !== null && Symbol.for('drizzle:IsDrizzleTable') in v

describe('schema parity', () => {
  const sqlite = new Map(tablesOf(sqliteSchema as Record<string, unknown>, isSqliteTable).map(([key, t]) => [key, shape(sqliteConfig(t))]))
  const pg = new Map(tablesOf(pgSchema as Record<string, unknown>, isPgTable).map(([key, t]) => [key, shape(pgConfig(t))]))

  it('both schemas hold the same tables', () => {
    expect(sqlite.size).toBeGreaterThan(20)
    expect([...pg.keys()].sort()).toEqual([...sqlite.keys()].sort())
  })

  it('every table has the same columns, keys and indexes in both', () => {
    for (const [key, table] of sqlite) expect(pg.get(key), key).toEqual(table)
  })

  it('the migrations of each database create every table of the schema', () => {
    const created = (dir: string) => {
      const names = new Set<string>()
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
        for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/CREATE TABLE [`"](\w+)[`"]/g)) names.add(m[1])
      }
      return [...names].sort()
    }
    const expected = [...sqlite.values()].map((t) => t.name).sort()
    expect(created(join(ROOT, 'drizzle', 'sqlite'))).toEqual(expect.arrayContaining(expected))
    expect(created(join(ROOT, 'drizzle', 'postgres'))).toEqual(expected)
  })
})
