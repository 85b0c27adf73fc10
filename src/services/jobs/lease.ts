// One run per job across processes: a lease row in job_locks taken in one IMMEDIATE transaction, kept
// alive by a heartbeat, and reclaimed when its owner is gone (its pid dead on this host, or its lease expired).
import {hostname} from 'node:os'

import {and, eq} from 'drizzle-orm'

import type {Context} from '../context.js'
import {writeTransaction} from '../db/client.js'
import {leaseOf} from '../db/job-runs.js'
import {jobLocks} from '../db/schema.js'

export interface LeaseHolder {
  owner: string
  host: string
  pid: number
  acquiredAt: number
  leaseExpiresAt: number
}

export type LeaseResult = {acquired: true; lease: Lease} | {acquired: false; holder: LeaseHolder}

export interface Lease {
  job: string
  owner: string
  /** Stops the heartbeat and deletes the row if this process still owns it. */
  release(): void
  setRunId(runId: number): void
}

export const HOST = hostname()

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function describe(holder: LeaseHolder): string {
  return `${holder.owner}, since ${new Date(holder.acquiredAt).toISOString()}`
}

export type OwnerGone = 'process gone' | 'lease expired'

/**
 * The one rule for whether a lease's owner is gone (its lease may be reclaimed, its run was a crash): its
 * pid dead, checked only on the owner's own host (a pid means nothing elsewhere), or its lease expired
 * (the rule across hosts; a live owner's heartbeat keeps renewing it). Null while the owner lives.
 */
export function ownerGone(row: Pick<LeaseHolder, 'host' | 'pid' | 'leaseExpiresAt'>, now: number, pid: number = process.pid): OwnerGone | null {
  if (row.host === HOST && row.pid !== pid && !pidAlive(row.pid)) return 'process gone'
  if (row.leaseExpiresAt <= now) return 'lease expired'
  return null
}

/** Whether a lease row still binds others: its owner is not gone. */
export function leaseInForce(row: LeaseHolder, now: number, pid: number = process.pid): boolean {
  return ownerGone(row, now, pid) === null
}

export function holderText(job: string, holder: LeaseHolder): string {
  return `${job} is running (${describe(holder)})`
}

/** Who holds a job's lease right now (an owner not gone), as text; null when nobody does. */
export function leaseHolder(ctx: Context, job: string): string | null {
  const row = leaseOf(ctx.db, job)
  // This process's own pid counts as a holder here: a run it started is a run in progress.
  return row && leaseInForce(row, ctx.clock.now(), -1) ? holderText(job, row) : null
}

export interface LeaseOptions {
  pid?: number
  /** Called when a heartbeat finds the lease taken by another owner: the work must stop. */
  onLost?: (holder: string | null) => void
}

export function acquireLease(ctx: Context, job: string, options: LeaseOptions = {}): LeaseResult {
  const pid = options.pid ?? process.pid
  const owner = `${HOST}:${pid}`
  const leaseMs = ctx.config.lockLeaseSeconds * 1000
  const {db, clock, logger} = ctx

  const outcome = writeTransaction(db, (): LeaseResult | null => {
    const now = clock.now()
    const row = db.orm.select().from(jobLocks).where(eq(jobLocks.job, job)).get()
    if (row) {
      const inForce = leaseInForce(row, now, pid)
      if (inForce && row.owner !== owner) return {acquired: false, holder: row}
      if (row.owner !== owner) logger.warn(`reclaiming the ${job} lease from ${row.owner}`, {reason: ownerGone(row, now, pid)})
      db.orm.delete(jobLocks).where(eq(jobLocks.job, job)).run()
    }
    db.orm
      .insert(jobLocks)
      .values({job, owner, host: HOST, pid, acquiredAt: now, heartbeatAt: now, leaseExpiresAt: now + leaseMs})
      .run()
    return null
  })
  if (outcome) return outcome

  // Renews the lease while this owner holds it; finding it gone or taken means another run reclaimed it.
  const beat = () => {
    try {
      const holder = writeTransaction(db, (): string | null | undefined => {
        const now = clock.now()
        const kept = db.orm
          .update(jobLocks)
          .set({heartbeatAt: now, leaseExpiresAt: now + leaseMs})
          .where(and(eq(jobLocks.job, job), eq(jobLocks.owner, owner)))
          .run().changes
        if (kept > 0) return undefined
        return db.orm.select({owner: jobLocks.owner}).from(jobLocks).where(eq(jobLocks.job, job)).get()?.owner ?? null
      })
      if (holder === undefined || released) return
      clearInterval(timer)
      logger.error(`lost the ${job} lease${holder ? ` to ${holder}` : ''}: stopping`)
      options.onLost?.(holder)
    } catch (error) {
      logger.warn(`heartbeat of the ${job} lease failed`, {error: (error as Error).message})
    }
  }
  const timer = setInterval(beat, Math.max(1000, leaseMs / 3))
  timer.unref()
  let released = false
  return {
    acquired: true,
    lease: {
      job,
      owner,
      setRunId(runId) {
        writeTransaction(db, () => {
          db.orm.update(jobLocks).set({runId}).where(eq(jobLocks.job, job)).run()
        })
      },
      release() {
        if (released) return
        released = true
        clearInterval(timer)
        if (!db.sqlite.open) return
        writeTransaction(db, () => {
          const row = db.orm.select({owner: jobLocks.owner}).from(jobLocks).where(eq(jobLocks.job, job)).get()
          if (row?.owner === owner) db.orm.delete(jobLocks).where(eq(jobLocks.job, job)).run()
        })
      },
    },
  }
}
