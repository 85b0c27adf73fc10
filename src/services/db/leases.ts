// Job leases in job_locks, on either database: claimed, renewed, tied to a run and released, each in one
// transaction. On PostgreSQL claimers of one job queue on a transaction advisory lock and lease times come
// from the server's clock, so hosts whose clocks drift still agree; on SQLite BEGIN IMMEDIATE queues them and
// the process's clock (a fake one in tests) is the one every process on the host shares.
import {and, eq, sql} from 'drizzle-orm'

import {writeTransaction} from './client.js'
import {rawRows} from './query.js'
import type {JobLock} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type LeaseRow = JobLock

export interface Claim {
  job: string
  owner: string
  host: string
  pid: number
  leaseMs: number
  /** This process's clock: the lease clock on SQLite. */
  now: number
}

export type ClaimResult = {taken: true; reclaimed: LeaseRow | null; now: number} | {taken: false; holder: LeaseRow; now: number}

/** The lease clock: the database server's on PostgreSQL (shared by every host), the process's on SQLite. */
export async function leaseClock(db: AnyDb, processNow: number): Promise<number> {
  if (db.dialect === 'sqlite') return processNow
  const [row] = await rawRows<{now: number | string}>(db, sql`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`)
  return Number(row.now)
}

/**
 * Takes `claim.job`'s lease unless its holder is still in force (`inForce` decides, on the lease clock);
 * a holder that is gone is replaced and returned as `reclaimed`.
 */
export async function claimLease(db: AnyDb, claim: Claim, inForce: (row: LeaseRow, now: number) => boolean): Promise<ClaimResult> {
  const {jobLocks} = db.t
  return write(db, async () => {
    // Claimers of one job wait here for each other (SQLite's BEGIN IMMEDIATE already serialised them).
    if (db.dialect === 'postgres') await rawRows(db, sql`SELECT pg_advisory_xact_lock(hashtext(${`harbormaster lease ${claim.job}`}))`)
    const now = await leaseClock(db, claim.now)
    const [row] = await db.orm.select().from(jobLocks).where(eq(jobLocks.job, claim.job))
    if (row && row.owner !== claim.owner && inForce(row, now)) return {taken: false, holder: row, now}
    if (row) await db.orm.delete(jobLocks).where(eq(jobLocks.job, claim.job))
    await db.orm.insert(jobLocks).values({
      job: claim.job,
      owner: claim.owner,
      host: claim.host,
      pid: claim.pid,
      acquiredAt: now,
      heartbeatAt: now,
      leaseExpiresAt: now + claim.leaseMs,
    })
    return {taken: true, reclaimed: row && row.owner !== claim.owner ? row : null, now}
  })
}

/** Extends the lease while `owner` holds it: undefined when renewed, else who holds it now (null: nobody). */
export async function renewLease(db: AnyDb, job: string, owner: string, leaseMs: number, processNow: number): Promise<string | null | undefined> {
  const {jobLocks} = db.t
  return write(db, async () => {
    const now = await leaseClock(db, processNow)
    const kept = await db.orm
      .update(jobLocks)
      .set({heartbeatAt: now, leaseExpiresAt: now + leaseMs})
      .where(and(eq(jobLocks.job, job), eq(jobLocks.owner, owner)))
      .returning({job: jobLocks.job})
    if (kept.length > 0) return undefined
    const [holder] = await db.orm.select({owner: jobLocks.owner}).from(jobLocks).where(eq(jobLocks.job, job))
    return holder?.owner ?? null
  })
}

/** Records which run the lease carries (inside the transaction that starts the run, when there is one). */
export async function setLeaseRun(db: AnyDb, job: string, owner: string, runId: number): Promise<void> {
  const {jobLocks} = db.t
  await write(db, async () => {
    await db.orm
      .update(jobLocks)
      .set({runId})
      .where(and(eq(jobLocks.job, job), eq(jobLocks.owner, owner)))
  })
}

/** Deletes the lease if `owner` still holds it; another owner's lease is left alone. */
export async function releaseLease(db: AnyDb, job: string, owner: string): Promise<void> {
  // A SQLite connection already closed (the process on its way out) has nothing left to release.
  if (db.dialect === 'sqlite' && !db.sqlite.open) return
  const {jobLocks} = db.t
  await write(db, async () => {
    await db.orm.delete(jobLocks).where(and(eq(jobLocks.job, job), eq(jobLocks.owner, owner)))
  })
}

/**
 * The same, for a process exiting at once (a second signal): done before this returns on SQLite (a
 * transaction the work in progress left open is rolled back first, so that this delete commits); on
 * PostgreSQL sent without waiting: if it does not arrive, the lease expires.
 */
export function releaseLeaseAtOnce(db: AnyDb, job: string, owner: string): void {
  if (db.dialect === 'postgres') {
    void releaseLease(db, job, owner).catch(() => undefined)
    return
  }
  if (!db.sqlite.open) return
  if (db.sqlite.inTransaction) db.sqlite.exec('ROLLBACK')
  writeTransaction(db, () => {
    db.sqlite.prepare('DELETE FROM job_locks WHERE job = ? AND owner = ?').run(job, owner)
  })
}

/** The lease row of a job (or lock name), if any. */
export async function leaseRow(db: AnyDb, job: string): Promise<LeaseRow | undefined> {
  const [row] = await db.orm.select().from(db.t.jobLocks).where(eq(db.t.jobLocks.job, job))
  return row
}

/**
 * The jobs whose leases are in force at `now` on the lease clock (see leaseClock): those running now. Only
 * the columns every version of the table has: a restore reads them from databases of older versions.
 */
export async function leasesInForce(db: AnyDb, now: number): Promise<Array<Pick<LeaseRow, 'job' | 'owner'>>> {
  const {jobLocks} = db.t
  return db.orm.select({job: jobLocks.job, owner: jobLocks.owner}).from(jobLocks).where(sql`${jobLocks.leaseExpiresAt} > ${now}`)
}
