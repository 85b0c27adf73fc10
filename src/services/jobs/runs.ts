// The job_runs history: a row per run with status, summary, error, duration and peak memory.
import {hostname} from 'node:os'

import {and, desc, eq, inArray} from 'drizzle-orm'

import type {Context} from '../context.js'
import {type Db, writeTransaction} from '../db/client.js'
import {type JobStatus, jobRuns} from '../db/schema.js'

export function startRun(db: Db, job: string, startedAt: number, trigger: string): number {
  return writeTransaction(db, () =>
    db.orm
      .insert(jobRuns)
      .values({job, status: 'running', startedAt, host: hostname(), pid: process.pid, trigger, startRssBytes: process.memoryUsage.rss()})
      .returning({id: jobRuns.id})
      .get(),
  ).id
}

export function finishRun(
  db: Db,
  id: number,
  outcome: {status: JobStatus; completedAt: number; startedAt: number; summary?: Record<string, unknown>; error?: string},
): void {
  writeTransaction(db, () => {
    db.orm
      .update(jobRuns)
      .set({
        status: outcome.status,
        completedAt: outcome.completedAt,
        durationMs: outcome.completedAt - outcome.startedAt,
        summary: outcome.summary,
        error: outcome.error,
        // maxRSS is in kilobytes.
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      })
      .where(eq(jobRuns.id, id))
      .run()
  })
}

/** A run that never started (lock held elsewhere), recorded so the history shows it. */
export function recordSkip(db: Db, job: string, at: number, trigger: string, reason: string): void {
  writeTransaction(db, () => {
    db.orm
      .insert(jobRuns)
      .values({job, status: 'skipped', startedAt: at, completedAt: at, durationMs: 0, error: reason, host: hostname(), pid: process.pid, trigger})
      .run()
  })
}

export function lastRun(ctx: Context, job: string, statuses: Array<typeof jobRuns.$inferSelect.status>) {
  return ctx.db.orm
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.job, job), inArray(jobRuns.status, statuses)))
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(1)
    .get()
}

/** Failed or timed-out runs in a row since the last success. */
export function consecutiveFailures(ctx: Context, job: string): number {
  const runs = ctx.db.orm
    .select({status: jobRuns.status})
    .from(jobRuns)
    .where(and(eq(jobRuns.job, job), inArray(jobRuns.status, ['success', 'failed', 'timeout'])))
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(100)
    .all()
  let n = 0
  for (const r of runs) {
    if (r.status === 'success') break
    n++
  }
  return n
}

