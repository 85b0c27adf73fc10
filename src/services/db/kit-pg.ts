// The same column kinds as PostgreSQL stores them: every integer a bigint read as a JS number (epoch
// milliseconds outgrow int4), real as double precision, booleans as boolean, JSON as jsonb.
import {bigint, bigserial, boolean, doublePrecision, index, jsonb, pgTable, primaryKey, text, uniqueIndex} from 'drizzle-orm/pg-core'

import type {TableKit} from './kit-sqlite.js'

const pgKitImpl = {
  dialect: 'postgres' as const,
  table: pgTable,
  id: (name: string) => bigserial(name, {mode: 'number'}).primaryKey(),
  int: (name: string) => bigint(name, {mode: 'number'}),
  real: (name: string) => doublePrecision(name),
  text,
  json: (name: string) => jsonb(name),
  bool: (name: string) => boolean(name),
  index,
  uniqueIndex,
  primaryKey,
}

/**
 * Typed as the SQLite kit: the tables it builds have the same columns and JS types, and repositories are
 * written once against those types; at run time the columns are PostgreSQL's.
 */
export const pgKit = pgKitImpl as unknown as TableKit
