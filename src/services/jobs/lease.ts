// One run per job across processes: a lease row in job_locks taken in one IMMEDIATE transaction, kept
// alive by a heartbeat, and reclaimed when its owner is gone (its pid dead on this host, or its lease expired).
import type {Clock} from '../clock.js'
import type {Config} from '../config.js'
import {claimLease, leaseClock, leaseRow, releaseLease, releaseLeaseAtOnce, renewLease, setLeaseRun} from '../db/leases.js'
import type {AnyDb} from '../db/transaction.js'
import type {Logger} from '../log/logger.js'

/** What taking a lease needs: the database, this host's name and the lease length, a clock, a logger. */
export interface LeaseContext {
  db: AnyDb
  config: Pick<Config, 'host' | 'lockLeaseSeconds'>
  clock: Clock
  logger: Logger
}

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
  release(): Promise<void>
  /**
   * The same, synchronously, for a process exiting at once (a second signal). On PostgreSQL the delete is
   * sent without waiting: if it does not arrive, the lease expires.
   */
  releaseAtOnce(): void
  setRunId(runId: number): Promise<void>
}

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
export function ownerGone(
  row: Pick<LeaseHolder, 'host' | 'pid' | 'leaseExpiresAt'>,
  now: number,
  self: {host: string; pid?: number},
): OwnerGone | null {
  if (row.host === self.host && row.pid !== (self.pid ?? process.pid) && !pidAlive(row.pid)) return 'process gone'
  if (row.leaseExpiresAt <= now) return 'lease expired'
  return null
}

/** Whether a lease row still binds others: its owner is not gone. */
export function leaseInForce(row: LeaseHolder, now: number, self: {host: string; pid?: number}): boolean {
  return ownerGone(row, now, self) === null
}

export function holderText(job: string, holder: LeaseHolder): string {
  return `${job} is running (${describe(holder)})`
}

/** Who holds a job's lease right now (an owner not gone), as text; null when nobody does. */
export async function leaseHolder(ctx: LeaseContext, job: string): Promise<string | null> {
  const row = await leaseRow(ctx.db, job)
  if (!row) return null
  // This process's own pid counts as a holder here: a run it started is a run in progress.
  return leaseInForce(row, await leaseClock(ctx.db, ctx.clock.now()), {host: ctx.config.host, pid: -1}) ? holderText(job, row) : null
}

export interface LeaseOptions {
  pid?: number
  /** Called when a heartbeat finds the lease taken by another owner: the work must stop. */
  onLost?: (holder: string | null) => void
}

/**
 * The leases this process holds (or is claiming), by database, then job and owner. The row names this
 * process as its owner whichever of its runs holds it, so without this a second run of the job in the same
 * process (a worker running a registry:run and a vessel:analyze at once) would take it over from the first.
 */
const heldHere = new WeakMap<object, Map<string, LeaseHolder>>()

export async function acquireLease(ctx: LeaseContext, job: string, options: LeaseOptions = {}): Promise<LeaseResult> {
  const pid = options.pid ?? process.pid
  const host = ctx.config.host
  const owner = `${host}:${pid}`
  const leaseMs = ctx.config.lockLeaseSeconds * 1000
  const {db, clock, logger} = ctx

  let held = heldHere.get(db)
  if (!held) heldHere.set(db, (held = new Map()))
  const key = `${job}\n${owner}`
  const holding = held.get(key)
  if (holding) return {acquired: false, holder: holding}
  // Marked before the claim is awaited: a second claim from this process meanwhile finds it.
  const now = clock.now()
  held.set(key, {owner, host, pid, acquiredAt: now, leaseExpiresAt: now + leaseMs})
  let claimed: Awaited<ReturnType<typeof claimLease>>
  try {
    claimed = await claimLease(db, {job, owner, host, pid, leaseMs, now}, (row, at) => leaseInForce(row, at, {host, pid}))
  } catch (error) {
    held.delete(key)
    throw error
  }
  if (!claimed.taken) {
    held.delete(key)
    return {acquired: false, holder: claimed.holder}
  }
  if (claimed.reclaimed) logger.warn(`reclaiming the ${job} lease from ${claimed.reclaimed.owner}`, {reason: ownerGone(claimed.reclaimed, claimed.now, {host, pid})})

  let released = false
  let beating = false
  // Renews the lease while this owner holds it; finding it gone or taken means another run reclaimed it.
  const beat = async () => {
    if (beating || released) return
    beating = true
    try {
      const holder = await renewLease(db, job, owner, leaseMs, clock.now())
      if (holder === undefined || released) return
      clearInterval(timer)
      held.delete(key)
      logger.error(`lost the ${job} lease${holder ? ` to ${holder}` : ''}: stopping`)
      options.onLost?.(holder)
    } catch (error) {
      logger.warn(`heartbeat of the ${job} lease failed`, {error: (error as Error).message})
    } finally {
      beating = false
    }
  }
  const timer = setInterval(() => void beat(), Math.max(1000, leaseMs / 3))
  timer.unref()
  const stop = () => {
    if (released) return false
    released = true
    clearInterval(timer)
    held.delete(key)
    return true
  }
  return {
    acquired: true,
    lease: {
      job,
      owner,
      setRunId: (runId) => setLeaseRun(db, job, owner, runId),
      async release() {
        if (stop()) await releaseLease(db, job, owner)
      },
      releaseAtOnce() {
        if (stop()) releaseLeaseAtOnce(db, job, owner)
      },
    },
  }
}
