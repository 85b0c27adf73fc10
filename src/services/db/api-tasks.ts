// Work started over HTTP in the background (job runs, refreshes): a row while it runs, then its outcome.
import {eq} from 'drizzle-orm'

import {type Db, writeTransaction} from './client.js'
import {apiTasks} from './schema.js'

export type ApiTask = typeof apiTasks.$inferSelect
export type TaskKind = ApiTask['kind']
export type TaskOutcome = Exclude<ApiTask['status'], 'running'>

export function insertTask(db: Db, task: {kind: TaskKind; target: string; requestedBy: string; createdAt: number}): number {
  return writeTransaction(db, () => db.orm.insert(apiTasks).values({...task, status: 'running'}).returning({id: apiTasks.id}).get()).id
}

export function finishTask(db: Db, id: number, outcome: {status: TaskOutcome; result: Record<string, unknown> | null; error?: string; completedAt: number}): void {
  writeTransaction(db, () =>
    db.orm
      .update(apiTasks)
      .set({status: outcome.status, result: outcome.result, error: outcome.error ?? null, completedAt: outcome.completedAt})
      .where(eq(apiTasks.id, id))
      .run(),
  )
}

export function taskById(db: Db, id: number): ApiTask | undefined {
  return db.orm.select().from(apiTasks).where(eq(apiTasks.id, id)).get()
}
