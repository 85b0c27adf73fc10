// The emergency stop: a pause per job or for all jobs, kept in settings with who paused and why.
// Paused jobs are skipped (exit 0, saying so); a running job sees the pause at its next batch boundary.
import {userInfo} from 'node:os'

import type {Context} from '../context.js'
import {jobPauses} from '../db/pauses.js'
import {usageError} from '../errors.js'
import type {Pause} from '../../schemas/jobs.js'
import {RECORDED_JOB_NAMES, type RecordedJobName} from './names.js'

export type {Pause} from '../../schemas/jobs.js'

const ALL = '*'

const isRecordedJob = (name: string): name is RecordedJobName => (RECORDED_JOB_NAMES as readonly string[]).includes(name)

/** Who is acting, for a pause's `by`: the OS user at this host (the host alone when the user cannot be read). */
export function operator(host: string): string {
  try {
    return `${userInfo().username}@${host}`
  } catch {
    return host
  }
}

/** Pauses one job (all when `job` is undefined); `by` is who pauses it (the OS user at this host unless said). */
export async function pauseJobs(ctx: Context, job: string | undefined, reason: string, by = operator(ctx.config.host)): Promise<Pause[]> {
  if (!reason.trim()) throw usageError('a pause needs a reason', 'pass --reason "…" (it is shown to everyone whose run is skipped)')
  if (job && !isRecordedJob(job)) throw usageError(`no job ${job}`, `choose one of ${RECORDED_JOB_NAMES.join(', ')}`)
  const value: Pause = {job: (job as RecordedJobName | undefined) ?? ALL, by, reason: reason.trim(), since: new Date(ctx.clock.now()).toISOString()}
  await jobPauses.save(ctx.db, value, ctx.clock.now())
  return listPauses(ctx)
}

export async function resumeJobs(ctx: Context, job: string | undefined): Promise<{resumed: string[]}> {
  const resumed = await jobPauses.delete(ctx.db, job ? [job] : [ALL, ...RECORDED_JOB_NAMES])
  if (resumed.length === 0) throw usageError(job ? `${job} is not paused` : 'no job is paused')
  return {resumed}
}

export async function listPauses(ctx: Context): Promise<Pause[]> {
  return jobPauses.all(ctx.db)
}

/** The pause that stops `job` (the pause of all jobs, else its own), if any. */
export async function pauseOf(ctx: Context, job: string): Promise<Pause | undefined> {
  const pauses = await jobPauses.of(ctx.db, [ALL, job])
  return pauses.get(ALL) ?? pauses.get(job)
}

export function describePause(p: Pause): string {
  return `paused by ${p.by} since ${p.since}: ${p.reason}`
}
