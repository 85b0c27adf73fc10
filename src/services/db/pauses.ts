// Pauses kept in the settings table under `<prefix><name>` with who paused and why, on either database: the
// emergency stop of jobs (`pause:<job>`, `pause:*` for all) and the pauses of queues (`queue-pause:<queue>`).
import {inArray, like} from 'drizzle-orm'

import type {Pause} from '../../schemas/jobs.js'
import type {QueuePause} from '../../schemas/workers.js'
import {type AnyDb, write} from './transaction.js'

// By code unit, as SQLite's BINARY collation orders keys (PostgreSQL's collation may not).
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export interface PauseStore<P> {
  /** Stores `pause` (replacing the earlier pause of the same name, if any). */
  save(db: AnyDb, pause: P, now: number): Promise<void>
  /** Deletes the pauses of these names; returns the names that had one, in name order. */
  delete(db: AnyDb, names: readonly string[]): Promise<string[]>
  /** Every pause, in name order. */
  all(db: AnyDb): Promise<P[]>
  /** The pauses of these names that exist, by name. */
  of(db: AnyDb, names: readonly string[]): Promise<Map<string, P>>
}

function pauseStore<P>(prefix: string, nameOf: (pause: P) => string): PauseStore<P> {
  const keyOf = (name: string) => `${prefix}${name}`
  const nameOfKey = (key: string) => key.slice(prefix.length)
  return {
    async save(db, pause, now) {
      const {settings} = db.t
      await write(db, async () => {
        await db.orm
          .insert(settings)
          .values({key: keyOf(nameOf(pause)), value: pause, updatedAt: now})
          .onConflictDoUpdate({target: settings.key, set: {value: pause, updatedAt: now}})
      })
    },
    async delete(db, names) {
      const {settings} = db.t
      const deleted = await write(db, () =>
        db.orm
          .delete(settings)
          .where(inArray(settings.key, names.map(keyOf)))
          .returning({key: settings.key}),
      )
      return deleted.map((row) => nameOfKey(row.key)).sort(byCodeUnit)
    },
    async all(db) {
      const {settings} = db.t
      const rows = await db.orm.select().from(settings).where(like(settings.key, `${prefix}%`))
      return rows.sort((a, b) => byCodeUnit(a.key, b.key)).map((row) => row.value as P)
    },
    async of(db, names) {
      const {settings} = db.t
      const rows = await db.orm.select().from(settings).where(inArray(settings.key, names.map(keyOf)))
      return new Map(rows.map((row) => [nameOfKey(row.key), row.value as P]))
    },
  }
}

/** The emergency stop of jobs: `pause:<job>`, `pause:*` the pause of all (first in name order). */
export const jobPauses = pauseStore<Pause>('pause:', (p) => p.job)
/** Pauses of queues: `queue-pause:<queue>`. */
export const queuePauses = pauseStore<QueuePause>('queue-pause:', (p) => p.queue)
