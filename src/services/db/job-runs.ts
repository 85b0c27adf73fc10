// Runs in progress and the leases that carry them, as crash accounting reads and amends them.
import {and, eq} from 'drizzle-orm'

import type {Db} from './client.js'
import {type JobLock, jobLocks, jobRuns} from './schema.js'

export interface RunningRun {
  id: number
  job: string
  startedAt: number
  host: string
  pid: number
}

/** Runs recorded `running`. */
export function runningRuns(db: Db): RunningRun[] {
  return db.orm
    .select({id: jobRuns.id, job: jobRuns.job, startedAt: jobRuns.startedAt, host: jobRuns.host, pid: jobRuns.pid})
    .from(jobRuns)
    .where(eq(jobRuns.status, 'running'))
    .all()
}

/** Every lease held, by the run it carries. */
export function leasesByRun(db: Db): Map<number, JobLock> {
  const out = new Map<number, JobLock>()
  for (const lock of db.orm.select().from(jobLocks).all()) if (lock.runId !== null) out.set(lock.runId, lock)
  return out
}

/** Records a run still `running` as crashed; `endedAt` is its last sign of life when known. */
export function recordCrash(db: Db, run: {id: number; startedAt: number; endedAt: number | null; error: string}): void {
  db.orm
    .update(jobRuns)
    .set({status: 'crashed', completedAt: run.endedAt, durationMs: run.endedAt === null ? null : run.endedAt - run.startedAt, error: run.error})
    .where(and(eq(jobRuns.id, run.id), eq(jobRuns.status, 'running')))
    .run()
}
