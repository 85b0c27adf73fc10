// The column kinds harbormaster's tables are made of, as SQLite stores them: times and counts as integers,
// booleans as 0/1, JSON as text.
import {index, integer, primaryKey, real, sqliteTable, text, uniqueIndex} from 'drizzle-orm/sqlite-core'

export const sqliteKit = {
  dialect: 'sqlite' as 'sqlite' | 'postgres',
  table: sqliteTable,
  /** An auto-incrementing integer primary key. */
  id: (name: string) => integer(name).primaryKey({autoIncrement: true}),
  /** Counts, identifiers (MMSI, IMO) and UTC epoch milliseconds. */
  int: (name: string) => integer(name),
  real: (name: string) => real(name),
  text,
  json: (name: string) => text(name, {mode: 'json'}),
  bool: (name: string) => integer(name, {mode: 'boolean'}),
  index,
  uniqueIndex,
  primaryKey,
}

export type TableKit = typeof sqliteKit
