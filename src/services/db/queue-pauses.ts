// Pauses of queues, kept in the settings table under `queue-pause:<queue>` with who paused and why, on
// either database.
import {inArray, like} from 'drizzle-orm'

import type {QueuePause} from '../../schemas/workers.js'
import {type AnyDb, write} from './transaction.js'

const PREFIX = 'queue-pause:'
const keyOf = (queue: string) => `${PREFIX}${queue}`
const queueOf = (key: string) => key.slice(PREFIX.length)
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Stores `pause` (replacing the queue's earlier pause, if any). */
export async function saveQueuePause(db: AnyDb, pause: QueuePause, now: number): Promise<void> {
  const {settings} = db.t
  await write(db, async () => {
    await db.orm
      .insert(settings)
      .values({key: keyOf(pause.queue), value: pause, updatedAt: now})
      .onConflictDoUpdate({target: settings.key, set: {value: pause, updatedAt: now}})
  })
}

/** Deletes the pauses of these queues; returns the queues that had one, in name order. */
export async function deleteQueuePauses(db: AnyDb, queues: readonly string[]): Promise<string[]> {
  const {settings} = db.t
  const deleted = await write(db, () =>
    db.orm
      .delete(settings)
      .where(inArray(settings.key, queues.map(keyOf)))
      .returning({key: settings.key}),
  )
  return deleted.map((row) => queueOf(row.key)).sort(byCodeUnit)
}

/** Every queue pause, in queue name order. */
export async function allQueuePauses(db: AnyDb): Promise<QueuePause[]> {
  const {settings} = db.t
  const rows = await db.orm.select().from(settings).where(like(settings.key, `${PREFIX}%`))
  return rows.sort((a, b) => byCodeUnit(a.key, b.key)).map((row) => row.value as QueuePause)
}
