// The checks every command relies on (Django's system checks): configuration valid, database reachable,
// every migration applied and every table present. Reports; never fixes, never creates a database.
import {getTableName, is} from 'drizzle-orm'
import {SQLiteTable} from 'drizzle-orm/sqlite-core'

import type {SystemCheck} from '../schemas/config.js'
import type {ConfigInspection} from './config.js'
import {migrationStatus, openDatabase} from './db/client.js'
import * as schema from './db/schema.js'
import {environmentError, errorMessage, HarbormasterError} from './errors.js'

export type {SystemCheck} from '../schemas/config.js'

const TABLES = Object.values(schema)
  .filter((t) => is(t, SQLiteTable))
  .map((t) => getTableName(t as SQLiteTable))

export function systemCheck(inspection: ConfigInspection): SystemCheck {
  const {settings} = inspection
  const problems = [
    ...Object.values(settings)
      .filter((s) => s.problem)
      .map((s) => `${s.env}: ${s.problem}`),
    ...inspection.problems,
  ]
  const path = String(settings.db_path.value ?? '')
  let database: SystemCheck['database']
  if (settings.db_path.problem) {
    database = {path, ok: false, problem: settings.db_path.problem}
  } else {
    database = checkDatabase(path)
  }
  return {ok: problems.length === 0 && database.ok, settings, problems, database}
}

function checkDatabase(path: string): SystemCheck['database'] {
  try {
    const db = openDatabase(path, {readonly: true, migrate: false})
    try {
      const status = migrationStatus(db)
      const present = new Set((db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{name: string}>).map((r) => r.name))
      const missing = TABLES.filter((t) => !present.has(t))
      const problems = [
        ...(status.pending.length > 0 ? [`${status.pending.length} migration(s) pending: run \`harbormaster db migrate\``] : []),
        ...(missing.length > 0 ? [`tables missing: ${missing.join(', ')}`] : []),
      ]
      return {
        path,
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
    const known = error instanceof HarbormasterError ? error : environmentError(error, {dbPath: path})
    return {path, ok: false, problem: known?.message ?? errorMessage(error), ...(known?.hint ? {hint: known.hint} : {})}
  }
}
