// Whether pg-boss's tables exist in a PostgreSQL database (created when an engine first starts), without
// loading pg-boss: what `health` asks before it looks at the queue.
import {sql} from 'drizzle-orm'

import type {PostgresDb} from './pg-client.js'
import {rawRows} from './query.js'

/** The schema pg-boss keeps its tables in. */
export const PG_BOSS_SCHEMA = 'pgboss'

export async function pgBossInstalled(db: PostgresDb): Promise<boolean> {
  const [row] = await rawRows<{present: boolean}>(db, sql`SELECT to_regclass(${`${PG_BOSS_SCHEMA}.job`}) IS NOT NULL AS present`)
  return Boolean(row?.present)
}
