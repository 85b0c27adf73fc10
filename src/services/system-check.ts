// The checks every command relies on (Django's system checks): configuration valid, database reachable,
// every migration applied and every table present. Reports; never fixes.
import {getTableName, is} from 'drizzle-orm'
import {SQLiteTable} from 'drizzle-orm/sqlite-core'

import {describeConfig, type Config} from './config.js'
import {migrationStatus, openDatabase} from './db/client.js'
import * as schema from './db/schema.js'
import {errorMessage} from './errors.js'

export interface SystemCheck {
  ok: boolean
  settings: ReturnType<typeof describeConfig>
  database: {path: string; ok: boolean; migrations_applied?: number; migrations_total?: number; missing_tables?: string[]; problem?: string}
}

const TABLES = Object.values(schema)
  .filter((t) => is(t, SQLiteTable))
  .map((t) => getTableName(t as SQLiteTable))

export function systemCheck(config: Config): SystemCheck {
  const settings = describeConfig(config)
  let database: SystemCheck['database']
  try {
    const db = openDatabase(config.dbPath, {migrate: false})
    try {
      const status = migrationStatus(db)
      const present = new Set((db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{name: string}>).map((r) => r.name))
      const missing = TABLES.filter((t) => !present.has(t))
      const problems = [
        ...(status.pending.length > 0 ? [`${status.pending.length} migration(s) pending: run \`harbormaster db migrate\``] : []),
        ...(missing.length > 0 ? [`tables missing: ${missing.join(', ')}`] : []),
      ]
      database = {
        path: config.dbPath,
        ok: problems.length === 0,
        migrations_applied: status.applied,
        migrations_total: status.total,
        missing_tables: missing,
        ...(problems.length > 0 ? {problem: problems.join('; ')} : {}),
      }
    } finally {
      db.close()
    }
  } catch (error) {
    database = {path: config.dbPath, ok: false, problem: errorMessage(error)}
  }
  return {ok: database.ok, settings, database}
}
