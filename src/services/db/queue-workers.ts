// Queue workers in queue_workers, on either database: registered at start, their heartbeat and what they
// hold kept current, marked stopped at the end; times on the lease clock (see leases.ts), so hosts whose
// clocks drift still agree on who is alive.
import {and, desc, eq, gte, isNull, lt} from 'drizzle-orm'

import {leaseClock} from './leases.js'
import type {queueWorkers} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type QueueWorkerRow = typeof queueWorkers.$inferSelect

export interface WorkerRegistration {
  id: string
  host: string
  pid: number
  queues: Record<string, number>
  strict: boolean
  concurrency: number
  scheduler: boolean
}

export interface WorkerProgress {
  currentJobs: string[]
  processed: number
  failed: number
}

/** Registers a worker (heartbeat now) and forgets workers silent since before `forgetBefore`; returns the row. */
export async function insertWorker(db: AnyDb, worker: WorkerRegistration, processNow: number, forgetBeforeMs: number): Promise<QueueWorkerRow> {
  const {queueWorkers} = db.t
  return write(db, async () => {
    const now = await leaseClock(db, processNow)
    await db.orm.delete(queueWorkers).where(lt(queueWorkers.heartbeatAt, now - forgetBeforeMs))
    const [row] = await db.orm
      .insert(queueWorkers)
      .values({...worker, startedAt: now, heartbeatAt: now, currentJobs: [], processed: 0, failed: 0})
      .returning()
    return row
  })
}

/** The worker's heartbeat and what it holds now; false when its row is gone (forgotten as lost). */
export async function beatWorker(db: AnyDb, id: string, progress: WorkerProgress, processNow: number): Promise<boolean> {
  const {queueWorkers} = db.t
  return write(db, async () => {
    const now = await leaseClock(db, processNow)
    const kept = await db.orm
      .update(queueWorkers)
      .set({heartbeatAt: now, ...progress})
      .where(eq(queueWorkers.id, id))
      .returning({id: queueWorkers.id})
    return kept.length > 0
  })
}

export async function markWorkerStopped(db: AnyDb, id: string, progress: WorkerProgress, processNow: number): Promise<void> {
  const {queueWorkers} = db.t
  await write(db, async () => {
    const now = await leaseClock(db, processNow)
    await db.orm
      .update(queueWorkers)
      .set({heartbeatAt: now, stoppedAt: now, ...progress})
      .where(eq(queueWorkers.id, id))
  })
}

/** Ids of the workers not stopped whose heartbeat is within `windowMs` of the lease clock's now. */
export async function liveWorkerIds(db: AnyDb, windowMs: number, processNow: number): Promise<string[]> {
  const {queueWorkers} = db.t
  const now = await leaseClock(db, processNow)
  const rows = await db.orm
    .select({id: queueWorkers.id})
    .from(queueWorkers)
    .where(and(isNull(queueWorkers.stoppedAt), gte(queueWorkers.heartbeatAt, now - windowMs)))
  return rows.map((row) => row.id)
}

/** Every worker registered, newest first, with the lease clock's now to judge them by. */
export async function workerRows(db: AnyDb, processNow: number): Promise<{now: number; rows: QueueWorkerRow[]}> {
  const {queueWorkers} = db.t
  const now = await leaseClock(db, processNow)
  const rows = await db.orm.select().from(queueWorkers).orderBy(desc(queueWorkers.startedAt), queueWorkers.id)
  return {now, rows}
}

export async function workerRow(db: AnyDb, id: string): Promise<QueueWorkerRow | undefined> {
  const [row] = await db.orm.select().from(db.t.queueWorkers).where(eq(db.t.queueWorkers.id, id))
  return row
}
