// Pauses of jobs (the emergency stop), kept in the settings table under `pause:<job>` (`pause:*` for all
// jobs), on either database.
import {inArray, like} from 'drizzle-orm'

import type {Pause} from '../../schemas/jobs.js'
import {type AnyDb, write} from './transaction.js'

const PREFIX = 'pause:'
const keyOf = (job: string) => `${PREFIX}${job}`
const jobOf = (key: string) => key.slice(PREFIX.length)
// By code unit, as SQLite's BINARY collation orders keys (PostgreSQL's collation may not).
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Stores `pause` (replacing the job's earlier pause, if any). */
export async function savePause(db: AnyDb, pause: Pause, now: number): Promise<void> {
  const {settings} = db.t
  await write(db, async () => {
    await db.orm
      .insert(settings)
      .values({key: keyOf(pause.job), value: pause, updatedAt: now})
      .onConflictDoUpdate({target: settings.key, set: {value: pause, updatedAt: now}})
  })
}

/** Deletes the pauses of these jobs (`*` is the pause of all); returns the jobs that had one, in name order. */
export async function deletePauses(db: AnyDb, jobs: readonly string[]): Promise<string[]> {
  const {settings} = db.t
  const deleted = await write(db, () =>
    db.orm
      .delete(settings)
      .where(inArray(settings.key, jobs.map(keyOf)))
      .returning({key: settings.key}),
  )
  return deleted.map((row) => jobOf(row.key)).sort(byCodeUnit)
}

/** Every pause, in name order (the pause of all jobs, `*`, first). */
export async function allPauses(db: AnyDb): Promise<Pause[]> {
  const {settings} = db.t
  const rows = await db.orm.select().from(settings).where(like(settings.key, `${PREFIX}%`))
  return rows.sort((a, b) => byCodeUnit(a.key, b.key)).map((row) => row.value as Pause)
}

/** The pauses of these jobs that exist, by job. */
export async function pausesOf(db: AnyDb, jobs: readonly string[]): Promise<Map<string, Pause>> {
  const {settings} = db.t
  const rows = await db.orm.select().from(settings).where(inArray(settings.key, jobs.map(keyOf)))
  return new Map(rows.map((row) => [jobOf(row.key), row.value as Pause]))
}
