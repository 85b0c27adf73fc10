// Operations through the real CLI: kill -9 mid-ingest, many concurrent runs, the emergency stop,
// dependencies, timeouts, missed runs after a clock jump, backup and restore (and a full disk), cleanup
// retention, pings, and the crontab kept in step with the registry.
import {execFileSync} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeCapture} from '../helpers/captures.js'
import {batchBoundaries, untilStored} from '../helpers/ingest-batches.js'
import {collect, count, ROOT, runCli, startCli, tempDir, withDb} from '../helpers/cli.js'
import {startJsonServer} from '../helpers/feeds.js'
import {runInProcess} from '../helpers/in-process.js'
import {startNwsServer} from '../helpers/nws-server.js'
import {backend, cloneDatabase, emptyDb, firstUseDb, isPostgresLocation, seededDb, testPostgres} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')
const aishub = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'ais', 'aishub-examples.json'), 'utf8')) as Record<string, unknown>
/** Kills of the kill -9 test (a count, not a time: a busy machine takes longer, never fewer). */
const KILL_ITERATIONS = Number(process.env.KILL_ITERATIONS ?? 50)

describe('kill -9 in the middle of a vessels ingest', () => {
  const capture = join(tmp.dir, 'long-capture.nmea')
  /** Positions stored when each batch has committed, from 0 (none yet) to all of them. */
  let boundaries: number[]
  let total: number

  beforeAll(async () => {
    // The real sentences of the Piraeus capture, each stamped (NMEA 4.0 tag block) a second apart: 15,000
    // reports, so the ingest takes three batches, and the kills land before, between and after them.
    writeCapture(capture, {firstSecond: Math.floor(NOW / 1000) - 86_400, lines: 15_000})
    ;({boundaries, total} = await batchBoundaries(capture, join(tmp.dir, 'boundaries.db'), NOW))
    expect(boundaries.length).toBeGreaterThan(3)
  })


  const env = {HARBORMASTER_AIS_SOURCE: `nmea-file:${capture}`, HARBORMASTER_NOW: new Date(NOW).toISOString()}
  let db: string
  /** What each kill left stored. */
  const seen = new Set<number>()
  let kills = 0

  beforeAll(() => {
    db = seededDb(freshDb())
    withDb(db, (d) => d.prepare('DELETE FROM vessel_positions').run())
  })

  // Rounds of five kills, each round ended by a run that must reclaim the dead owner's lease and complete.
  const ROUNDS = Math.ceil(KILL_ITERATIONS / 5)
  for (let round = 1; round <= ROUNDS; round++) {
    const inRound = Math.min(5, KILL_ITERATIONS - (round - 1) * 5)
    it(`kills ${inRound} runs (round ${round} of ${ROUNDS}, ${KILL_ITERATIONS} kills in all): an intact database with whole batches only; the next run reclaims the lease`, async () => {
      for (let k = 0; k < inRound; k++) {
        const child = startCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env})
        const done = collect(child)
        // Each kill at another point of the ingest, in turn: while starting, then once each batch boundary has
        // been passed (while the next batch is being decoded or written), up to after the last one.
        const after = boundaries[kills++ % boundaries.length]
        if (after > 0) await untilStored(db, after, done)
        child.kill('SIGKILL')
        await done
        expect(withDb(db, (d) => d.pragma('integrity_check', {simple: true}))).toBe('ok')
        const positions = count(db, 'SELECT count(*) FROM vessel_positions')
        seen.add(positions)
        // From an empty table, a killed run can only have left whole batches.
        expect(boundaries.includes(positions), `${positions} positions is not a batch boundary`).toBe(true)
        if (k < inRound - 1) {
          withDb(db, (d) => d.prepare('DELETE FROM vessel_positions').run())
          withDb(db, (d) => d.prepare('UPDATE vessels SET position_at = NULL, lat = NULL, lon = NULL').run())
        }
      }
      // The dead owner's lease is reclaimed, and the next run completes the ingest (the rows of the last
      // kill are duplicates for it).
      const next = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env})
      expect(next.code, next.stderr).toBe(0)
      expect(JSON.parse(next.stdout).jobs.vessel_positions.skipped).toBeUndefined()
      expect(count(db, 'SELECT count(*) FROM vessel_positions')).toBe(total)
      expect(count(db, 'SELECT count(*) FROM job_locks')).toBe(0)
      // The killed runs that had begun are recorded as crashed, none is left running.
      expect(count(db, `SELECT count(*) FROM job_runs WHERE status = 'running'`)).toBe(0)
      expect(count(db, `SELECT count(*) FROM job_runs WHERE status = 'crashed' AND error LIKE 'crashed: process % is gone%'`)).toBeGreaterThan(0)
      withDb(db, (d) => d.prepare('DELETE FROM vessel_positions').run())
      withDb(db, (d) => d.prepare('UPDATE vessels SET position_at = NULL, lat = NULL, lon = NULL').run())
    })
  }

  it.runIf(KILL_ITERATIONS >= 3)('the kills landed at different points of the ingest, not all before or after it', () => {
    expect(seen.size).toBeGreaterThan(2)
  })
})

describe('16 concurrent invocations of one job', () => {
  it('exactly one works; the others exit 0 saying who holds the lease; no SQLITE_BUSY escapes', async () => {
    const db = seededDb(freshDb())
    // AISHub's web service, holding its answer until the test lets it go: the one run that takes the lease
    // keeps it (waiting for the answer) until the fifteen others have come and gone.
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
      const runs = Array.from({length: 16}, () =>
        collect(startCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env})).then((result) => {
          if (++ended === 15) fifteenEnded()
          return result
        }),
      )
      // Fifteen have ended while one waits for AISHub; a second run at the gate would be a second owner.
      const secondOwner = service.gate.whenHeld(2).then(() => {
        throw new Error('two runs called AISHub at once')
      })
      await Promise.race([Promise.all([fifteen, service.gate.whenHeld()]), secondOwner])
      expect(service.requests).toHaveLength(1)
      service.gate.open()
      const results = await Promise.all(runs)
      expect(results.map((r) => r.code)).toEqual(Array(16).fill(0))
      const skipped = results.filter((r) => /skipped: vessels is running \(.+:\d+, since /.test(r.stderr))
      expect(skipped).toHaveLength(15)
      for (const r of results) expect(r.stderr).not.toMatch(/SQLITE_BUSY|database is locked/)
      expect(withDb(db, (d) => d.prepare(`SELECT status, count(*) AS n FROM job_runs WHERE job = 'vessels' GROUP BY status ORDER BY status`).all())).toEqual([
        {status: 'skipped', n: 15},
        {status: 'success', n: 1},
      ])
    } finally {
      await service.close()
    }
  })
})

describe('emergency stop, dependencies, timeouts and retries', () => {
  it('a paused job is skipped (exit 0, by whom and why) and runs again after resume', async () => {
    const db = firstUseDb(freshDb())
    await runInProcess(['jobs', 'pause', '--all', '--reason', 'migrating the database', '--db', db])
    const paused = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db])
    expect(paused.code).toBe(0)
    expect(paused.stderr).toMatch(/skipped: vessels is paused by .+ since .+: migrating the database/)
    expect(count(db, 'SELECT count(*) FROM vessel_positions')).toBe(0)
    const list = await runInProcess(['jobs', 'list', '--json', '--db', db])
    expect(JSON.parse(list.stdout).jobs[0].paused).toMatch(/migrating the database/)
    await runInProcess(['jobs', 'resume', '--all', '--db', db])
    const again = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db])
    expect(again.stderr).not.toMatch(/skipped/)
    expect(count(db, 'SELECT count(*) FROM vessel_positions')).toBe(84)
  })

  it('a failing job is retried by priority, counted, skips its dependants, and makes health unhealthy after 3 in a row', async () => {
    const db = seededDb(freshDb())
    // Every insert of a position fails, as a broken disk would make it.
    const breakInserts = isPostgresLocation(db)
      ? `CREATE FUNCTION broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
         CREATE TRIGGER broken BEFORE INSERT ON vessel_positions FOR EACH ROW EXECUTE FUNCTION broken()`
      : `CREATE TRIGGER broken BEFORE INSERT ON vessel_positions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`
    withDb(db, (d) => d.exec(`DELETE FROM vessel_positions; ${breakInserts}`))
    const env = {HARBORMASTER_JOB_RETRY_BASE_MS: '10'}
    for (let i = 0; i < 3; i++) {
      const failed = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db], {env})
      expect(failed.code).toBe(1)
      expect(failed.stderr).toMatch(/attempt 1 failed: disk on fire; retrying/)
      expect(failed.stderr).toMatch(/ERROR failed: disk on fire \(job=vessels, run=\d+, attempts=3, consecutive_failures=\d\)/)
    }
    const history = JSON.parse((await runInProcess(['jobs', 'history', '--job', 'vessels', '--json', '--db', db])).stdout).runs
    expect(history.map((r: {status: string}) => r.status)).toEqual(['failed', 'failed', 'failed'])
    const ports = await runInProcess(['run-background-jobs', '--job', 'ports', '--db', db])
    expect(ports.code).toBe(0)
    expect(ports.stderr).toMatch(/skipped: dependencies not met: vessels has never succeeded/)
    const health = JSON.parse((await runInProcess(['health', '--json', '--db', db])).stdout)
    expect(health.overall_status).toBe('unhealthy')
    expect(health.components.jobs.checks).toContainEqual({job: 'vessels', check: 'failures', status: 'unhealthy', reason: '3 failed run(s) in a row'})
  })

  it('a job past its timeout is stopped, not left running: recorded as timed out, exits 1, writes nothing after', async () => {
    const nws = await startNwsServer(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), NOW)
    // NWS never answers: a job left running past its timeout would hold the process open.
    nws.gate.close()
    try {
      // The timeout must find the NWS call in flight; on a busy machine the job may not have made it within
      // the first limit, so the limit doubles until it has.
      for (let seconds = 1; ; seconds *= 2) {
        const db = seededDb(freshDb())
        const zonesBefore = count(db, `SELECT count(*) FROM safety_zones`)
        const calls = nws.requests.filter((r) => r.path.startsWith('/alerts/active')).length
        const result = await runCli(['run-background-jobs', '--job', 'safety', '--db', db], {
          env: {HARBORMASTER_NWS_URL: nws.url, HARBORMASTER_JOB_TIMEOUTS: `safety=${seconds}`, HARBORMASTER_HTTP_TIMEOUT_MS: '3600000', HARBORMASTER_HTTP_DEADLINE_MS: '3600000'},
        })
        expect(result.code).toBe(1)
        expect(result.stderr).toMatch(new RegExp(`ERROR timed out: timed out after ${seconds} s`))
        expect(withDb(db, (d) => d.prepare(`SELECT status, error FROM job_runs WHERE job = 'safety'`).get())).toEqual({status: 'timeout', error: `timed out after ${seconds} s`})
        // Nothing written in its place, the lease released.
        expect(count(db, `SELECT count(*) FROM safety_zones`)).toBe(zonesBefore)
        expect(count(db, 'SELECT count(*) FROM job_locks')).toBe(0)
        // The call was in flight and was abandoned: no storm zones from it, no fallback written in its place.
        if (nws.requests.filter((r) => r.path.startsWith('/alerts/active')).length === calls + 1) break
        expect(seconds, 'the safety job never reached its NWS call').toBeLessThan(64)
      }
    } finally {
      await nws.close()
    }
  })
})

describe('missed runs', () => {
  it('after a clock jump of 6 h, jobs run-due runs each missed job once, not once per missed slot', async () => {
    const db = firstUseDb(freshDb())
    const at = (ms: number) => ({HARBORMASTER_NOW: new Date(ms).toISOString()})
    const first = await runInProcess(['jobs', 'run-due', '--json', '--db', db], {env: at(NOW)})
    expect(first.code, first.stderr).toBe(0)
    const runs = () =>
      Object.fromEntries(
        (withDb(db, (d) => d.prepare(`SELECT job, count(*) AS n FROM job_runs WHERE status != 'skipped' GROUP BY job`).all()) as Array<{job: string; n: number}>).map((r) => [r.job, r.n]),
      )
    expect(runs()).toEqual({vessels: 1, ports: 1, behaviour: 1, safety: 1, backup: 1, maintain: 1, cleanup: 1, 'usage-report': 1, 'health-check': 1, 'profile-refresh': 1, 'quota-monitor': 1, 'quota-reset': 1, archive: 1, 'weekly-summary': 1})
    // Half a minute on: not even the every-minute quota monitor is due.
    const again = await runInProcess(['jobs', 'run-due', '--db', db], {env: at(NOW + 30_000)})
    expect(again.stdout).toMatch(/no job is due/)
    const later = await runInProcess(['jobs', 'run-due', '--db', db], {env: at(NOW + 6 * 3_600_000)})
    expect(later.code, later.stderr).toBe(0)
    // 24 vessels and behaviour slots, 12 ports slots, 72 health-check slots and 360 quota-monitor slots were missed; each job runs once. The daily, weekly and monthly jobs were not due.
    expect(runs()).toEqual({vessels: 2, ports: 2, behaviour: 2, safety: 2, backup: 1, maintain: 1, cleanup: 2, 'usage-report': 1, 'health-check': 2, 'profile-refresh': 1, 'quota-monitor': 2, 'quota-reset': 1, archive: 1, 'weekly-summary': 1})
    expect(later.stderr).toMatch(/catching up: last success 2026-11-24T12:00:00.000Z, 23 scheduled run\(s\) missed; running once now \(job=vessels\)/)
  })
})

describe('backup and restore', () => {
  const hash = (rows: unknown) => createHash('sha256').update(JSON.stringify(rows)).digest('hex')
  /** Every table's rows, hashed: a SQLite file's, or a PostgreSQL database's (harbormaster's schemas, rows in a stable order). */
  const dump = (location: string) =>
    withDb(location, (d) => {
      if (!isPostgresLocation(location)) {
        const tables = (d.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{name: string}>).map((t) => t.name)
        return Object.fromEntries(tables.map((t) => [t, hash(d.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all())]))
      }
      const tables = (
        d.prepare(`SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle') AND table_type = 'BASE TABLE' ORDER BY 1`).all() as Array<{name: string}>
      ).map((t) => t.name)
      return Object.fromEntries(tables.map((t) => [t, hash(d.prepare(`SELECT to_jsonb(x)::text AS r FROM ${t.replace(/(\w+)/g, '"$1"')} x ORDER BY 1`).all())]))
    })
  /** What a backup file holds: the SQLite file itself, or a PostgreSQL archive read by PostgreSQL's own pg_restore into a database of its own. */
  const backupContents = (file: string) => {
    if (backend() === 'sqlite') return dump(file)
    const server = testPostgres()
    const scratch = cloneDatabase('template0')
    execFileSync(join(server.binDir, 'pg_restore'), ['--no-owner', `--dbname=${scratch}`, file])
    return dump(scratch)
  }

  it('a backup restored gives identical table contents', async () => {
    const db = firstUseDb(freshDb())
    await runInProcess(['run-background-jobs', '--db', db])
    // Backup runs after the usage report (its dependency).
    await runInProcess(['usage-report', '--db', db])
    const backup = await runInProcess(['db', 'backup', '--json', '--db', db])
    expect(backup.code, backup.stderr).toBe(0)
    const {summary} = JSON.parse(backup.stdout)
    expect(summary).toMatchObject({integrity: 'ok', kept: 1})
    // What the backup holds: the database as it was, less the backup's own job_runs row written after it.
    const before = backupContents(summary.file)
    withDb(db, (d) => d.exec(`DELETE FROM vessels; DELETE FROM safety_zones WHERE kind = 'piracy'`))
    const refused = await runInProcess(['db', 'restore', summary.file, '--db', db])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/pass --yes to confirm/)
    const restored = await runInProcess(['db', 'restore', summary.file, '--yes', '--db', db])
    expect(restored.code, restored.stderr).toBe(0)
    expect(dump(db)).toEqual(before)
    expect(count(db, 'SELECT count(*) FROM vessels')).toBe(43)
  })

  it('refuses a file that is not a backup', async () => {
    const db = emptyDb(freshDb())
    const fake = join(tmp.dir, 'fake-backup.db')
    writeFileSync(fake, 'not a database'.repeat(100))
    const result = await runInProcess(['db', 'restore', fake, '--yes', '--db', db])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(backend() === 'sqlite' ? /is not a SQLite database/ : /is not a PostgreSQL archive \(pg_dump -Fc\)/)
  })

  it('a backup onto a full disk fails clearly and keeps the last good backup', async () => {
    const mountPoint = join(tmp.dir, 'small-disk')
    mkdirSync(mountPoint)
    const db = firstUseDb(freshDb())
    await runInProcess(['run-background-jobs', '--db', db])
    await runInProcess(['usage-report', '--db', db])
    // A disk with room for one backup and a half: a SQLite backup is the size of the file; a PostgreSQL
    // archive, compressed, is measured by writing one elsewhere first.
    const measured = backend() === 'sqlite' ? undefined : await runInProcess(['db', 'backup', '--json', '--db', db], {env: {HARBORMASTER_BACKUP_DIR: join(tmp.dir, 'measure')}})
    const bytes = measured ? (JSON.parse(measured.stdout).summary.bytes as number) : statSync(db).size + (statSync(`${db}-wal`, {throwIfNoEntry: false})?.size ?? 0)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil((1.5 * bytes) / 1024)}k`, 'tmpfs', mountPoint], {stdio: 'ignore'})
    } catch {
      console.log('skipped: this machine does not let the test mount a small tmpfs (needs root and mount permission)')
      return
    }
    try {
      const env = {HARBORMASTER_BACKUP_DIR: mountPoint}
      const good = await runInProcess(['db', 'backup', '--json', '--db', db], {env})
      expect(good.code, good.stderr).toBe(0)
      const goodFile = JSON.parse(good.stdout).summary.file as string
      const goodHash = createHash('sha256').update(readFileSync(goodFile)).digest('hex')
      // Grow the database past what the small disk has left (to twice its size): text a compressed archive cannot shrink.
      withDb(db, (d) => {
        const insert = d.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)`)
        for (let i = 0; i < Math.ceil(bytes / 8000); i++) insert.run(`padding-${i}`, JSON.stringify(backend() === 'sqlite' ? 'x'.repeat(8000) : randomBytes(6000).toString('base64')))
      })
      const full = await runInProcess(['db', 'backup', '--db', db], {env: {...env, HARBORMASTER_NOW: new Date(Date.now() + 86_400_000).toISOString()}})
      expect(full.code).toBe(1)
      expect(full.stderr).toMatch(/backup to .* failed: the disk is full; the previous backups are untouched/)
      expect(readdirSync(mountPoint)).toEqual([goodFile.split('/').pop()])
      expect(createHash('sha256').update(readFileSync(goodFile)).digest('hex')).toBe(goodHash)
      if (backend() === 'sqlite') {
        const check = new Database(goodFile, {readonly: true})
        expect(check.pragma('integrity_check', {simple: true})).toBe('ok')
        check.close()
      } else {
        execFileSync(join(testPostgres().binDir, 'pg_restore'), ['--file=/dev/null', goodFile])
      }
    } finally {
      // Lazily, so a handle still closing cannot leave the mount behind.
      execFileSync('umount', ['-l', mountPoint], {stdio: 'ignore'})
    }
  })
})

describe('cleanup', () => {
  it('deletes exactly what is past retention', async () => {
    const db = seededDb(freshDb())
    const day = 86_400_000
    withDb(db, (d) => {
      d.exec('DELETE FROM vessel_positions; DELETE FROM job_runs')
      const pos = d.prepare(`INSERT INTO vessel_positions (mmsi, observed_at, lat, lon, source, received_at) VALUES (?, ?, 37, 23, 'live', ?)`)
      pos.run(237000001, NOW - 31 * day, NOW - 31 * day) // past 30 days: deleted
      pos.run(237000002, NOW - 29 * day, NOW - 29 * day) // kept
      const discarded = d.prepare(`INSERT INTO discarded_positions (mmsi, observed_at, lat, lon, source, received_at) VALUES (?, ?, 40, 23, 'live', ?)`)
      discarded.run(237000001, NOW - 31 * day, NOW - 31 * day) // a report the track rule discarded, aged with the positions: deleted
      discarded.run(237000002, NOW - 29 * day, NOW - 29 * day) // kept
      const event = d.prepare(
        `INSERT INTO safety_events (type, severity, dedupe_key, title, source, observed_at, created_at, last_seen_at, resolved_at) VALUES ('storm', 'high', ?, 't', 'live', 0, ?, 0, ?)`,
      )
      event.run('old-resolved', NOW - 200 * day, NOW - 91 * day) // resolved 91 days ago: deleted
      event.run('recent-resolved', NOW - 200 * day, NOW - 89 * day) // kept
      event.run('old-but-open', NOW - 200 * day, null) // open: kept
      const run = d.prepare(`INSERT INTO job_runs (job, status, started_at, host, pid) VALUES ('vessels', ?, ?, 'h', 1)`)
      run.run('success', NOW - 91 * day) // deleted
      run.run('success', NOW - 89 * day) // kept
      const cache = d.prepare(`INSERT INTO api_cache (key, source, payload, fetched_at, ttl_seconds) VALUES (?, 'nws', '{}', ?, 600)`)
      cache.run('expired-long-ago', NOW - 8 * day) // a week past its time to live: deleted
      cache.run('expired-recently', NOW - day) // stale but kept as a fallback
      const stop = d.prepare(
        `INSERT INTO vessel_stops (mmsi, kind, cell, lat, lon, started_at, last_at, ended_at) VALUES (?, 'outside', '47c44bb9', 51.88, 4.3, ?, ?, ?)`,
      )
      stop.run(244000001, NOW - 40 * day, NOW - 32 * day, NOW - 31 * day) // ended past the positions' 30 days: deleted
      stop.run(244000002, NOW - 40 * day, NOW - 29 * day, NOW - 29 * day) // kept
      stop.run(244000003, NOW - 40 * day, NOW - 39 * day, null) // still open: kept
      const daily = d.prepare(`INSERT INTO port_congestion_daily (port_id, day, median_waiting, snapshots) VALUES (1, ?, 2, 4)`)
      daily.run(NOW - 91 * day) // past the snapshots' 90 days: deleted
      daily.run(NOW - 89 * day) // kept
    })
    const result = await runInProcess(['cleanup', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(NOW).toISOString()}})
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).summary.deleted).toMatchObject({vessel_positions: 1, discarded_positions: 1, safety_events: 1, job_runs: 1, api_cache: 1, vessel_stops: 1, port_congestion_daily: 1})
    expect(withDb(db, (d) => d.prepare(`SELECT mmsi FROM vessel_stops ORDER BY mmsi`).all())).toEqual([{mmsi: 244000002}, {mmsi: 244000003}])
    expect(withDb(db, (d) => d.prepare(`SELECT mmsi FROM vessel_positions`).all())).toEqual([{mmsi: 237000002}])
    expect(withDb(db, (d) => d.prepare(`SELECT mmsi FROM discarded_positions`).all())).toEqual([{mmsi: 237000002}])
    expect(withDb(db, (d) => d.prepare(`SELECT dedupe_key FROM safety_events ORDER BY id`).all())).toEqual([{dedupe_key: 'recent-resolved'}, {dedupe_key: 'old-but-open'}])
    expect(withDb(db, (d) => d.prepare(`SELECT key FROM api_cache`).all())).toEqual([{key: 'expired-recently'}])
  })
})

describe('dead-man\'s switch', () => {
  it('pings /start and success, and a failing ping never fails the job', async () => {
    const pings: string[] = []
    const server = createServer((req, res) => {
      pings.push(`${req.method} ${req.url}`)
      res.writeHead(req.url?.includes('broken') ? 500 : 200).end('OK')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      // Pings go out as the jobs run, without holding them up: the process that runs them sends them before it exits.
      const db = firstUseDb(freshDb())
      const ok = await runCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: {HARBORMASTER_PING_URL: `${base}/ping/{job}`}})
      expect(ok.code).toBe(0)
      expect(pings).toEqual(['POST /ping/vessels/start', 'POST /ping/vessels'])
      const broken = await runCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: {HARBORMASTER_PING_URL: `${base}/broken`}})
      expect(broken.code).toBe(0)
      expect(broken.stderr).toMatch(/dead-man's-switch ping \(start\) failed; the job is not affected \(error=HTTP 500\)/)
      expect(broken.stderr).not.toContain(`${base}/broken`)
    } finally {
      await new Promise((r) => server.close(r))
    }
  })
})

describe('schedules', () => {
  it('crontab.example is exactly `schedule crontab`', async () => {
    const result = await runInProcess(['schedule', 'crontab'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(readFileSync(join(ROOT, 'crontab.example'), 'utf8'))
    expect(result.stdout).toMatch(/^\*\/15 \* \* \* \* cd \/opt\/harbormaster && \.\/bin\/run\.js run-background-jobs --job vessels --db \/var\/lib\/harbormaster\/harbormaster\.db >> \/var\/log\/harbormaster\/vessels\.log 2>&1$/m)
    expect(result.stdout).toMatch(/^0 2 \* \* \* cd .* run-background-jobs --verbose /m)
    expect(result.stdout).toMatch(/^0 3 \* \* \* cd .* db backup /m)
  })

  it('schedule crontab for PostgreSQL names the URL without its password, quoted for the shell', async () => {
    const result = await runInProcess(['schedule', 'crontab', '--db', 'postgres://harbor:s3cret-pw@db.example:5432/harbor?sslmode=require&application_name=cron%20jobs'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).not.toContain('s3cret-pw')
    expect(result.stdout).toMatch(/^# The PostgreSQL password is not written here: give it to cron's user in ~\/\.pgpass or as PGPASSWORD above\.$/m)
    expect(result.stdout).toContain(
      `*/15 * * * * cd /opt/harbormaster && ./bin/run.js run-background-jobs --job vessels --db 'postgres://harbor@db.example:5432/harbor?sslmode=require&application_name=cron\\%20jobs' >> /var/log/harbormaster/vessels.log 2>&1\n`,
    )
  })

  it('schedule list gives each job in words with its next runs', async () => {
    const list = JSON.parse((await runInProcess(['schedule', 'list', '--json'])).stdout).schedules
    expect(list.find((s: {name: string}) => s.name === 'maintain')).toMatchObject({in_words: 'weekly on Saturday at 02:00 UTC'})
    expect(list.find((s: {name: string}) => s.name === 'vessels').next_runs).toHaveLength(3)
  })
})

