// Work started over HTTP in the background (job runs, refreshes): a row while it runs, then its outcome.
import {eq} from 'drizzle-orm'

import type {apiTasks} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type ApiTask = typeof apiTasks.$inferSelect
export type TaskKind = ApiTask['kind']
export type TaskOutcome = Exclude<ApiTask['status'], 'running'>

export async function insertTask(db: AnyDb, task: {kind: TaskKind; target: string; requestedBy: string; createdAt: number}): Promise<number> {
  const {apiTasks} = db.t
  return write(db, async () => {
    const [row] = await db.orm
      .insert(apiTasks)
      .values({...task, status: 'running'})
      .returning({id: apiTasks.id})
    return row.id
  })
}

export async function finishTask(db: AnyDb, id: number, outcome: {status: TaskOutcome; result: Record<string, unknown> | null; error?: string; completedAt: number}): Promise<void> {
  const {apiTasks} = db.t
  await write(db, async () => {
    await db.orm
      .update(apiTasks)
      .set({status: outcome.status, result: outcome.result, error: outcome.error ?? null, completedAt: outcome.completedAt})
      .where(eq(apiTasks.id, id))
  })
}

export async function taskById(db: AnyDb, id: number): Promise<ApiTask | undefined> {
  const [row] = await db.orm.select().from(db.t.apiTasks).where(eq(db.t.apiTasks.id, id))
  return row
}
