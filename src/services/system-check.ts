// The checks every command relies on (Django's system checks): configuration valid, database reachable,
// every migration applied and every table present. Reports; never fixes, never creates a database.
import type {SystemCheck} from '../schemas/config.js'
import type {ConfigInspection} from './config.js'
import {redactDatabaseUrl} from './db/location.js'
import {closeAnyDatabase, openAnyDatabase} from './db/open.js'
import {migrationStatus, missingTables} from './db/schema-state.js'
import {environmentError, errorMessage, HarbormasterError} from './errors.js'

export type {SystemCheck} from '../schemas/config.js'

export async function systemCheck(inspection: ConfigInspection): Promise<SystemCheck> {
  const {settings} = inspection
  const problems = [
    ...Object.values(settings)
      .filter((s) => s.problem)
      .map((s) => `${s.env}: ${s.problem}`),
    ...inspection.problems,
  ]
  const location = inspection.dbLocation
  let database: SystemCheck['database']
  if (settings.db_path.problem) {
    database = {path: redactDatabaseUrl(location), ok: false, problem: settings.db_path.problem}
  } else {
    database = await checkDatabase(location)
  }
  return {ok: problems.length === 0 && database.ok, settings, problems, database}
}

async function checkDatabase(location: string): Promise<SystemCheck['database']> {
  const path = redactDatabaseUrl(location)
  try {
    const db = await openAnyDatabase(location, {applicationName: 'harbormaster config check', readonly: true, migrate: false, poolSize: 1})
    try {
      const status = await migrationStatus(db)
      const missing = await missingTables(db)
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
      await closeAnyDatabase(db)
    }
  } catch (error) {
    const known = error instanceof HarbormasterError ? error : environmentError(error, {dbPath: location})
    return {path, ok: false, problem: known?.message ?? errorMessage(error), ...(known?.hint ? {hint: known.hint} : {})}
  }
}
