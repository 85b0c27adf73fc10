// Job leases on both databases, several hosts simulated by their names: one claimer of sixteen wins; a dead
// pid frees a lease only on its own host; an expired lease is taken over from another host; a holder whose
// lease was taken learns it at its next heartbeat.
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fixedClock, systemClock, type Clock} from '../../src/services/clock.js'
import {openDatabase} from '../../src/services/db/client.js'
import {leaseClock, leaseRow} from '../../src/services/db/leases.js'
import {openPostgres, type PostgresDb} from '../../src/services/db/pg-client.js'
import type {AnyDb} from '../../src/services/db/transaction.js'
import {acquireLease, type LeaseContext, pidAlive} from '../../src/services/jobs/lease.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {tempDir} from '../helpers/cli.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

/** Pids of processes that outlive the test (init and kernel threads): distinct live owners on one host. */
function livePids(n: number): number[] {
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b)
    .filter((pid) => pid !== process.pid && pidAlive(pid))
  if (pids.length < n) throw new Error(`only ${pids.length} live processes found`)
  return pids.slice(0, n)
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {encoding: 'utf8'})
  const pid = Number(child.stdout.trim())
  expect(pidAlive(pid)).toBe(false)
  return pid
}

function on(db: AnyDb, host: string, options: {clock?: Clock; leaseSeconds?: number} = {}): LeaseContext {
  return {db, config: {host, lockLeaseSeconds: options.leaseSeconds ?? 60}, clock: options.clock ?? systemClock, logger: silentLogger}
}

function leaseRules(open: () => Promise<AnyDb>, expire: (db: AnyDb, job: string) => Promise<void>) {
  it('sixteen claimers from two hosts at once: exactly one holds the lease, the others see who', async () => {
    const db = await open()
    const pids = livePids(16)
    const results = await Promise.all(pids.map((pid, k) => acquireLease(on(db, k % 2 === 0 ? 'host-a' : 'host-b'), 'ports', {pid})))
    const winners = results.filter((r) => r.acquired)
    expect(winners).toHaveLength(1)
    const owner = winners[0].acquired ? winners[0].lease.owner : ''
    for (const r of results) if (!r.acquired) expect(r.holder.owner).toBe(owner)
    expect((await leaseRow(db, 'ports'))?.owner).toBe(owner)
    for (const r of winners) if (r.acquired) await r.lease.release()
    expect(await leaseRow(db, 'ports')).toBeUndefined()
  })

  it("a dead pid frees the lease on its own host only; another host waits for the lease's expiry", async () => {
    const db = await open()
    const [live] = livePids(1)
    const gone = await acquireLease(on(db, 'host-a'), 'safety', {pid: deadPid()})
    expect(gone.acquired).toBe(true)
    // The pid means nothing on host b: the lease is in force there until it expires.
    const fromB = await acquireLease(on(db, 'host-b'), 'safety', {pid: live})
    expect(fromB.acquired).toBe(false)
    // On host a the pid is known dead: the lease is taken over at once.
    const fromA = await acquireLease(on(db, 'host-a'), 'safety', {pid: live})
    expect(fromA.acquired).toBe(true)
    if (fromA.acquired) expect((await leaseRow(db, 'safety'))?.owner).toBe(`host-a:${live}`)
    // Host a's new holder stops beating (killed): once its lease expires, host b takes it over.
    await expire(db, 'safety')
    const later = await acquireLease(on(db, 'host-b', {clock: fixedClock(Date.now() + 3_600_000)}), 'safety', {pid: live})
    expect(later.acquired).toBe(true)
    expect((await leaseRow(db, 'safety'))?.owner).toBe(`host-b:${live}`)
    if (fromA.acquired) await fromA.lease.release()
    // Host a's late release leaves host b's lease alone.
    expect((await leaseRow(db, 'safety'))?.owner).toBe(`host-b:${live}`)
    if (later.acquired) await later.lease.release()
  })

  it('a holder whose lease another host took learns it at its next heartbeat and is told who', async () => {
    const db = await open()
    const [live] = livePids(1)
    let lost!: (holder: string | null) => void
    const told = new Promise<string | null>((resolve) => (lost = resolve))
    // A 3-second lease beats every second.
    const held = await acquireLease(on(db, 'host-a', {leaseSeconds: 3}), 'vessels', {pid: live, onLost: (holder) => lost(holder)})
    expect(held.acquired).toBe(true)
    await expire(db, 'vessels')
    const taken = await acquireLease(on(db, 'host-b', {clock: fixedClock(Date.now() + 3_600_000)}), 'vessels', {pid: live})
    expect(taken.acquired).toBe(true)
    expect(await told).toBe(`host-b:${live}`)
    if (held.acquired) await held.lease.release()
    if (taken.acquired) await taken.lease.release()
  })
}

describe('SQLite', () => {
  const temp = tempDir()
  const dbs: AnyDb[] = []
  afterAll(() => {
    for (const db of dbs) if (db.dialect === 'sqlite') db.close()
    temp.cleanup()
  })
  let n = 0
  leaseRules(
    async () => {
      const db = openDatabase(join(temp.dir, `leases-${++n}.db`))
      dbs.push(db)
      return db
    },
    // The lease clock is the process's: a claimer whose clock reads an hour later finds the lease expired.
    async () => undefined,
  )
})

describe('PostgreSQL', () => {
  let server: TestPostgres | null = null
  const opened: PostgresDb[] = []
  let n = 0
  beforeAll(async () => {
    server = await postgresForTests()
  })
  afterAll(async () => {
    for (const db of opened) await db.close()
    server?.stop()
  })
  leaseRules(
    async () => {
      if (!server) throw new Error('PostgreSQL is not installed: skipped')
      const admin = new pg.Client({connectionString: server.url})
      await admin.connect()
      await admin.query(`CREATE DATABASE leases_${++n}`)
      await admin.end()
      const db = await openPostgres(databaseUrl(server.url, `leases_${n}`), {applicationName: 'harbormaster lease test'})
      opened.push(db)
      return db
    },
    // The lease clock is the server's, whatever a process's clock says: the lease is made to end now, as
    // it would once its holder stopped beating (waiting for that is the same event, later).
    async (db, job) => {
      if (db.dialect !== 'postgres') return
      await db.pool.query('UPDATE job_locks SET lease_expires_at = $1 WHERE job = $2', [(await leaseClock(db, 0)) - 1, job])
      await sleep(0)
    },
  )
})
