// The emergency stop: a pause per job or for all jobs, kept in settings with who paused and why.
// Paused jobs are skipped (exit 0, saying so); a running job sees the pause at its next batch boundary.
import {userInfo} from 'node:os'

import {eq, inArray, like} from 'drizzle-orm'

import type {Context} from '../context.js'
import {writeTransaction} from '../db/client.js'
import {settings} from '../db/schema.js'
import {usageError} from '../errors.js'
import type {Pause} from '../../schemas/jobs.js'
import {RECORDED_JOB_NAMES, type RecordedJobName} from './names.js'

export type {Pause} from '../../schemas/jobs.js'

const key = (job: string) => `pause:${job}`
const ALL = '*'

const isRecordedJob = (name: string): name is RecordedJobName => (RECORDED_JOB_NAMES as readonly string[]).includes(name)

function operator(host: string): string {
  try {
    return `${userInfo().username}@${host}`
  } catch {
    return host
  }
}

export function pauseJobs(ctx: Context, job: string | undefined, reason: string): Pause[] {
  if (!reason.trim()) throw usageError('a pause needs a reason', 'pass --reason "…" (it is shown to everyone whose run is skipped)')
  if (job && !isRecordedJob(job)) throw usageError(`no job ${job}`, `choose one of ${RECORDED_JOB_NAMES.join(', ')}`)
  const value: Pause = {job: (job as RecordedJobName | undefined) ?? ALL, by: operator(ctx.config.host), reason: reason.trim(), since: new Date(ctx.clock.now()).toISOString()}
  writeTransaction(ctx.db, () => {
    ctx.db.orm
      .insert(settings)
      .values({key: key(value.job), value, updatedAt: ctx.clock.now()})
      .onConflictDoUpdate({target: settings.key, set: {value, updatedAt: ctx.clock.now()}})
      .run()
  })
  return listPauses(ctx)
}

export function resumeJobs(ctx: Context, job: string | undefined): {resumed: string[]} {
  const keys = job ? [key(job)] : [key(ALL), ...RECORDED_JOB_NAMES.map(key)]
  const existing = ctx.db.orm.select({key: settings.key}).from(settings).where(inArray(settings.key, keys)).all()
  if (existing.length === 0) throw usageError(job ? `${job} is not paused` : 'no job is paused')
  writeTransaction(ctx.db, () => ctx.db.orm.delete(settings).where(inArray(settings.key, keys)).run())
  return {resumed: existing.map((e) => e.key.slice('pause:'.length))}
}

export function listPauses(ctx: Context): Pause[] {
  return ctx.db.orm
    .select()
    .from(settings)
    .where(like(settings.key, 'pause:%'))
    .all()
    .map((row) => row.value as Pause)
}

/** The pause that stops `job` (its own, or the pause of all jobs), if any. */
export function pauseOf(ctx: Context, job: string): Pause | undefined {
  for (const k of [key(ALL), key(job)]) {
    const row = ctx.db.orm.select().from(settings).where(eq(settings.key, k)).get()
    if (row) return row.value as Pause
  }
  return undefined
}

export function describePause(p: Pause): string {
  return `paused by ${p.by} since ${p.since}: ${p.reason}`
}
