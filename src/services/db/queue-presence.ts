// Whether the queue holds any job at all, asked without loading an engine: on SQLite one row of the
// `queue_jobs` table; on PostgreSQL pg-boss's job table, once something has installed it. What `health`
// asks before it looks at the queue, so an install that never used it pays one indexed lookup.
import {sql} from 'drizzle-orm'

import {rawRows} from './query.js'
import type {AnyDb} from './transaction.js'

/** The schema pg-boss keeps its tables in (engines/pg-boss.ts). */
export const PG_BOSS_SCHEMA = 'pgboss'

export async function queueHoldsJobs(db: AnyDb): Promise<boolean> {
  if (db.dialect === 'sqlite') {
    // A database opened read-only before its migrations ran (health never migrates) has no queue table yet.
    const [table] = await rawRows(db, sql`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_jobs'`)
    return table !== undefined && (await rawRows(db, sql`SELECT 1 FROM queue_jobs LIMIT 1`)).length > 0
  }
  const [installed] = await rawRows<{present: boolean}>(db, sql`SELECT to_regclass(${`${PG_BOSS_SCHEMA}.job`}) IS NOT NULL AS present`)
  if (!installed?.present) return false
  return (await rawRows(db, sql.raw(`SELECT 1 FROM ${PG_BOSS_SCHEMA}.job LIMIT 1`))).length > 0
}
