// Several hosts sharing one PostgreSQL database, simulated by HARBORMASTER_HOST on this machine, through the
// real CLI against a real server this file starts (it restarts that server mid-run, so it has its own):
// sixteen runs from two hosts give one worker; a holder killed on host a keeps host b out until its lease
// ends, then b takes over; a server restart mid-ingest stores whole batches only and the next run succeeds;
// kill -9 at every point of an ingest leaves whole batches only.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import pg from 'pg'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'

import {copyBetween} from '../../src/services/db/copy.js'
import {writeCapture} from '../helpers/captures.js'
import {batchBoundaries, untilStored} from '../helpers/ingest-batches.js'
import {collect, ROOT, runCli, startCli, tempDir} from '../helpers/cli.js'
import {startJsonServer} from '../helpers/feeds.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const tmp = tempDir()
const aishub = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'ais', 'aishub-examples.json'), 'utf8')) as Record<string, unknown>
/** Kills of the kill -9 test on PostgreSQL (a count, not a time). */
const KILL_ITERATIONS = Number(process.env.PG_KILL_ITERATIONS ?? 7)

let server: TestPostgres | null = null
let made = 0

beforeAll(async () => {
  server = await postgresForTests()
})
afterAll(() => {
  server?.stop()
  tmp.cleanup()
})

async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as T[]
  } finally {
    await client.end()
  }
}

const countOf = async (url: string, sql: string): Promise<number> => Number(Object.values((await query(url, sql))[0])[0])

/** A new database on the server holding what `ensure-fallback-data` leaves (copied from the run's SQLite template). */
async function seededDatabase(): Promise<string> {
  if (!server) throw new Error('PostgreSQL is not installed')
  const name = `hosts_${++made}`
  await query(server.url, `CREATE DATABASE ${name}`)
  const url = databaseUrl(server.url, name)
  await copyBetween(inject('templates').seeded, url, {})
  return url
}

const onHost = (host: string, env: Record<string, string> = {}) => ({...env, HARBORMASTER_HOST: host})

describe('sixteen runs of one job from two hosts', () => {
  it('exactly one works; the fifteen others exit 0 saying which host and pid hold the lease', async () => {
    const db = await seededDatabase()
    const service = await startJsonServer({status: 200, body: JSON.stringify(aishub.human_format_test_capture)})
    service.gate.close()
    try {
      const env = {
        HARBORMASTER_AIS_SOURCE: 'aishub',
        AISHUB_USERNAME: 'harbor-user',
        HARBORMASTER_AISHUB_URL: service.url,
        HARBORMASTER_HTTP_TIMEOUT_MS: '3600000',
        HARBORMASTER_HTTP_DEADLINE_MS: '3600000',
      }
      let ended = 0
      let fifteenEnded: () => void
      const fifteen = new Promise<void>((resolve) => (fifteenEnded = resolve))
      const runs = Array.from({length: 16}, (_, k) =>
        collect(startCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: onHost(k % 2 === 0 ? 'host-a' : 'host-b', env)})).then((result) => {
          if (++ended === 15) fifteenEnded()
          return result
        }),
      )
      const secondOwner = service.gate.whenHeld(2).then(() => {
        throw new Error('two runs called AISHub at once')
      })
      await Promise.race([Promise.all([fifteen, service.gate.whenHeld()]), secondOwner])
      expect(service.requests).toHaveLength(1)
      service.gate.open()
      const results = await Promise.all(runs)
      expect(results.map((r) => r.code)).toEqual(Array(16).fill(0))
      const skipped = results.filter((r) => /skipped: vessels is running \(host-[ab]:\d+, since /.test(r.stderr))
      expect(skipped).toHaveLength(15)
      const rows = await query<{status: string; n: number}>(db, `SELECT status, count(*)::int AS n FROM job_runs WHERE job = 'vessels' GROUP BY status ORDER BY status`)
      expect(rows).toEqual([
        {status: 'skipped', n: 15},
        {status: 'success', n: 1},
      ])
      const hosts = await query<{host: string}>(db, `SELECT DISTINCT host FROM job_runs ORDER BY host`)
      expect(hosts.map((h) => h.host)).toEqual(['host-a', 'host-b'])
    } finally {
      await service.close()
    }
  })
})

describe('a holder killed on host a', () => {
  it('keeps host b out while its lease is in force (b cannot see a pid on another host); b takes over once it ends', async () => {
    const db = await seededDatabase()
    const service = await startJsonServer({status: 200, body: JSON.stringify(aishub.human_format_test_capture)})
    service.gate.close()
    try {
      const env = {HARBORMASTER_AIS_SOURCE: 'aishub', AISHUB_USERNAME: 'harbor-user', HARBORMASTER_AISHUB_URL: service.url, HARBORMASTER_HTTP_TIMEOUT_MS: '3600000', HARBORMASTER_HTTP_DEADLINE_MS: '3600000'}
      const holder = startCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: onHost('host-a', env)})
      const held = collect(holder)
      await service.gate.whenHeld()
      holder.kill('SIGKILL')
      await held
      const [lease] = await query<{host: string; pid: number}>(db, `SELECT host, pid FROM job_locks WHERE job = 'vessels'`)
      expect(lease).toMatchObject({host: 'host-a', pid: holder.pid})

      // Host b: the lease is in force and host a's pid means nothing here, so b skips and leaves it be.
      service.gate.open()
      const early = await runCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: onHost('host-b', env)})
      expect(early.code, early.stderr).toBe(0)
      expect(early.stderr).toMatch(new RegExp(`skipped: vessels is running \\(host-a:${holder.pid}, since `))
      expect(await countOf(db, `SELECT count(*) FROM job_locks WHERE host = 'host-a'`)).toBe(1)

      // The lease's end, on the server's clock (which no process can fake): moved to now, as time passing would.
      await query(db, `UPDATE job_locks SET lease_expires_at = floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1 WHERE job = 'vessels'`)
      const later = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: onHost('host-b', env)})
      expect(later.code, later.stderr).toBe(0)
      expect(JSON.parse(later.stdout).jobs.vessel_positions.skipped).toBeUndefined()
      expect(await countOf(db, `SELECT count(*) FROM job_locks`)).toBe(0)
      // Host a's run is recorded as crashed by the host that took over, which says whose it was.
      const crashed = await query<{host: string; error: string}>(db, `SELECT host, error FROM job_runs WHERE status = 'crashed'`)
      expect(crashed).toHaveLength(1)
      expect(crashed[0].host).toBe('host-a')
      expect(await countOf(db, `SELECT count(*) FROM job_runs WHERE status = 'running'`)).toBe(0)
    } finally {
      await service.close()
    }
  })
})

describe('ingest on PostgreSQL interrupted', () => {
  const capture = join(tmp.dir, 'long-capture.nmea')
  let boundaries: number[]
  let total: number
  const env = () => ({HARBORMASTER_AIS_SOURCE: `nmea-file:${capture}`, HARBORMASTER_NOW: new Date(NOW).toISOString(), HARBORMASTER_HOST: 'host-a'})

  beforeAll(async () => {
    // The real sentences of the Piraeus capture, a second apart: 30,000 reports, six batches.
    writeCapture(capture, {firstSecond: Math.floor(NOW / 1000) - 86_400, lines: 30_000})
    ;({boundaries, total} = await batchBoundaries(capture, join(tmp.dir, 'boundaries.db'), NOW))
    expect(boundaries.length).toBeGreaterThan(5)
  })


  async function emptyPositions(db: string): Promise<void> {
    await query(db, 'DELETE FROM vessel_positions')
    await query(db, 'UPDATE vessels SET position_at = NULL, lat = NULL, lon = NULL')
  }

  it('a server restart (pg_ctl restart -m fast) mid-ingest: the run retries or fails clearly, whole batches only, the next run succeeds', async () => {
    const db = await seededDatabase()
    await emptyPositions(db)
    const run = collect(startCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: env()}))
    await untilStored(db, boundaries[1], run)
    server!.ctl(['restart', '-m', 'fast'])
    const result = await run
    const positions = await countOf(db, 'SELECT count(*) FROM vessel_positions')
    expect(boundaries.includes(positions), `${positions} positions is not a batch boundary`).toBe(true)
    if (result.code !== 0) {
      // A clear failure: one line saying what happened and what to do, never a stack.
      expect(result.stderr).toMatch(/Error: /)
      expect(result.stderr).not.toMatch(/This is a bug|\n\s+at /)
    } else {
      expect(positions).toBe(total)
    }
    const next = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: env()})
    expect(next.code, next.stderr).toBe(0)
    expect(await countOf(db, 'SELECT count(*) FROM vessel_positions')).toBe(total)
    expect(await countOf(db, `SELECT count(*) FROM job_runs WHERE status = 'running'`)).toBe(0)
  })

  it(`kill -9 at ${KILL_ITERATIONS} points of an ingest leaves whole batches only; the next run reclaims the lease and completes`, async () => {
    const db = await seededDatabase()
    const seen = new Set<number>()
    for (let k = 0; k < KILL_ITERATIONS; k++) {
      await emptyPositions(db)
      const child = startCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: env()})
      const done = collect(child)
      const after = boundaries[k % boundaries.length]
      if (after > 0) await untilStored(db, after, done)
      child.kill('SIGKILL')
      await done
      const positions = await countOf(db, 'SELECT count(*) FROM vessel_positions')
      seen.add(positions)
      expect(boundaries.includes(positions), `${positions} positions is not a batch boundary`).toBe(true)
    }
    expect(seen.size).toBeGreaterThan(2)
    await emptyPositions(db)
    const next = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: env()})
    expect(next.code, next.stderr).toBe(0)
    expect(JSON.parse(next.stdout).jobs.vessel_positions.skipped).toBeUndefined()
    expect(await countOf(db, 'SELECT count(*) FROM vessel_positions')).toBe(total)
    expect(await countOf(db, 'SELECT count(*) FROM job_locks')).toBe(0)
    expect(await countOf(db, `SELECT count(*) FROM job_runs WHERE status = 'running'`)).toBe(0)
    expect(await countOf(db, `SELECT count(*) FROM job_runs WHERE status = 'crashed'`)).toBeGreaterThan(0)
  })
})
