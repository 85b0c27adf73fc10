// The three seed commands and health through the real CLI (bin/run.js) against temp databases of the run's
// backend (SQLite files, or PostgreSQL databases in the `postgres` project).
import {createHash} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {healthReport} from '../../src/schemas/health.js'
import {backgroundJobsSummary} from '../../src/schemas/jobs.js'
import {collect, count, ROOT, runCli, startCli, tempDir, withDb} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {placeVessel} from '../helpers/arrange.js'
import {runInProcess} from '../helpers/in-process.js'
import {startNwsServer} from '../helpers/nws-server.js'
import {backend, cloneDatabase, emptyDb, firstUseDb, seededDb} from '../helpers/template.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
/** A new database: a SQLite path not yet created, or an empty migrated PostgreSQL database. */
const freshDb = () => emptyDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))

// The seed's summary and health JSON as the product defines them (src/schemas): the seed's keys, each field
// typed, nothing undeclared (see test/helpers/contract.ts).
function summaryOf(stdout: string) {
  const document: unknown = JSON.parse(stdout)
  expect(contractProblems('run-background-jobs', document)).toEqual([])
  return backgroundJobsSummary.parse(document)
}

function healthOf(stdout: string) {
  const document: unknown = JSON.parse(stdout)
  expect(contractProblems('health', document)).toEqual([])
  return healthReport.parse(document)
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

/** What the database holds, as one value: the file's bytes on SQLite; every table's rows on PostgreSQL. */
function contents(location: string): string {
  if (backend() === 'sqlite') return sha(location)
  return withDb(location, (d) => {
    const tables = d.prepare(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`).all() as Array<{name: string}>
    return tables.map(({name}) => (d.prepare(`SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS h FROM "${name}" r`).get() as {h: string}).h).join(',')
  })
}

describe('run-background-jobs on a fresh database', () => {
  const db = freshDb()
  let first: Awaited<ReturnType<typeof runCli>>

  beforeAll(async () => {
    first = await runCli(['run-background-jobs', '--json', '--db', db])
  })

  it('prints exactly the summary JSON of the seed and nothing else on stdout', () => {
    expect(first.code, first.stderr).toBe(0)
    const summary = summaryOf(first.stdout)
    expect(summary.total_success).toBe(true)
    expect(Object.keys(JSON.parse(first.stdout).jobs)).toEqual(['vessel_positions', 'port_congestion', 'safety_events'])
    expect(summary.jobs.vessel_positions?.vessels_updated).toBe(43)
    expect(summary.jobs.port_congestion?.ports_updated).toBe(3766)
  })

  it('stores the ports, the sample vessels with their flags, congestion snapshots and zones, each run in job_runs', () => {
    expect(count(db, 'SELECT count(*) FROM ports')).toBe(3766)
    expect(count(db, 'SELECT count(*) FROM vessels')).toBe(43)
    expect(count(db, `SELECT count(*) FROM vessels WHERE flag = 'Greece'`)).toBeGreaterThan(20)
    expect(count(db, 'SELECT count(*) FROM vessel_positions')).toBe(84)
    expect(count(db, `SELECT count(*) FROM vessel_positions WHERE source = 'emergency'`)).toBe(84)
    expect(count(db, 'SELECT count(*) FROM port_congestion')).toBe(3766)
    // Piraeus and its neighbours hold the capture's stopped vessels; every other port says no_data, never a number.
    expect(count(db, `SELECT count(*) FROM port_congestion WHERE level = 'no_data' AND vessels_waiting IS NULL`)).toBe(3762)
    const piraeus = withDb(db, (d) =>
      d.prepare(`SELECT c.* FROM port_congestion c JOIN ports p ON p.id = c.port_id WHERE p.unlocode = 'GRPIR'`).get(),
    ) as {vessels_in_port: number; source: string}
    expect(piraeus.vessels_in_port).toBeGreaterThan(0)
    expect(piraeus.source).toBe('emergency')
    expect(count(db, `SELECT count(*) FROM safety_zones WHERE kind = 'piracy' AND source = 'emergency'`)).toBeGreaterThan(5)
    expect(count(db, `SELECT count(*) FROM safety_zones WHERE kind = 'storm' AND source = 'emergency'`)).toBe(2)
    expect(withDb(db, (d) => d.prepare(`SELECT job, status FROM job_runs ORDER BY id`).all())).toEqual([
      {job: 'vessels', status: 'success'},
      {job: 'ports', status: 'success'},
      {job: 'safety', status: 'success'},
    ])
    expect(count(db, 'SELECT count(*) FROM job_locks')).toBe(0)
  })

  it('logs the fallbacks it served as warnings on stderr', () => {
    expect(first.stderr).toMatch(/WARNING AIS data is the shipped sample capture/)
    expect(first.stderr).toMatch(/WARNING NWS alerts unavailable; storm zones come from the shipped capture/)
  })

  it('is idempotent: a second run stores no duplicate positions, events or zones', async () => {
    const positions = count(db, 'SELECT count(*) FROM vessel_positions')
    const zones = count(db, 'SELECT count(*) FROM safety_zones')
    const second = await runInProcess(['run-background-jobs', '--json', '--db', db])
    expect(second.code, second.stderr).toBe(0)
    const summary = summaryOf(second.stdout)
    expect(summary.jobs.vessel_positions?.vessels_updated).toBe(0)
    expect(summary.jobs.safety_events?.total_events_created).toBe(0)
    expect(count(db, 'SELECT count(*) FROM vessel_positions')).toBe(positions)
    expect(count(db, 'SELECT count(*) FROM safety_zones')).toBe(zones)
    expect(count(db, 'SELECT count(*) FROM (SELECT dedupe_key FROM safety_events WHERE resolved_at IS NULL GROUP BY dedupe_key HAVING count(*) > 1) AS repeated')).toBe(0)
  })

  it('prints a readable table without --json', async () => {
    const result = await runInProcess(['run-background-jobs', '--job', 'ports', '--db', db])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^job\s+status\s+errors\s+source/m)
    expect(result.stdout).toMatch(/port_congestion\s+ok/)
    expect(result.stdout).not.toMatch(/vessel_positions/)
    expect(result.stdout).not.toMatch(/\u001B\[/)
  })
})

describe('safety detection and notifications with a live NWS feed', () => {
  const now = Date.parse('2026-11-24T12:00:00Z')
  const db = seededDb(freshDb())
  let nws: Awaited<ReturnType<typeof startNwsServer>>
  const env = () => ({HARBORMASTER_NWS_URL: nws.url, HARBORMASTER_NOW: new Date(now).toISOString()})

  beforeAll(async () => {
    nws = await startNwsServer(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), now)
    // A watcher of a tanker that is inside the Special Marine Warning polygon over Matagorda Bay, Texas.
    withDb(db, (d) => {
      d.prepare(`INSERT INTO users (name, role, token_hash, created_at) VALUES ('ops', 'OPERATOR', 'x', 0)`).run()
      d.prepare(`INSERT INTO watchlists (user_id, kind, mmsi, created_at) VALUES (1, 'vessel', 366999001, 0)`).run()
      d.prepare(`INSERT INTO users (name, role, token_hash, created_at) VALUES ('gulf', 'VIEWER', 'y', 0)`).run()
      d.prepare(`INSERT INTO watchlists (user_id, kind, min_lon, min_lat, max_lon, max_lat, created_at) VALUES (2, 'area', -98, 27, -94, 30, 0)`).run()
    })
  })
  afterAll(() => nws.close())

  it('stores live storm zones from the feed and puts a vessel inside one into an event that notifies its watchers once', async () => {
    const result = await runInProcess(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {env: env()})
    expect(result.code, result.stderr).toBe(0)
    expect(nws.requests[0].userAgent).toMatch(/^harbormaster\/\d+\.\d+\.\d+/)
    const zone = withDb(db, (d) =>
      d.prepare(`SELECT * FROM safety_zones WHERE kind = 'storm' AND source = 'live' AND name LIKE 'Special Marine Warning%' LIMIT 1`).get(),
    ) as {name: string; geometry: string | object; max_lat: number}
    expect(zone).toBeTruthy()
    // JSON text on SQLite, jsonb (read as an object) on PostgreSQL.
    const geometry = typeof zone.geometry === 'string' ? JSON.parse(zone.geometry) : zone.geometry
    const ring = (geometry as {coordinates: number[][][]}).coordinates[0]
    // The centroid of the warning's own polygon.
    const lon = ring.slice(0, -1).reduce((s, p) => s + p[0], 0) / (ring.length - 1)
    const lat = ring.slice(0, -1).reduce((s, p) => s + p[1], 0) / (ring.length - 1)
    placeVessel(db, {mmsi: 366999001, lat, lon, at: now - 60_000, name: 'GULF TANKER'})
    placeVessel(db, {mmsi: 366999002, lat: zone.max_lat + 1, lon, at: now - 60_000, name: 'OUTSIDE'})

    const dry = await runInProcess(['check-events', '--dry-run', '--json', '--db', db], {env: env()})
    expect(dry.code, dry.stderr).toBe(0)
    const plan = JSON.parse(dry.stdout)
    expect(plan.dry_run).toBe(true)
    expect(plan.created.map((e: {title: string}) => e.title)).toEqual([`GULF TANKER inside ${zone.name}`])
    expect(count(db, 'SELECT count(*) FROM safety_events')).toBe(0)

    const run = await runInProcess(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {env: env()})
    const summary = summaryOf(run.stdout)
    expect(summary.jobs.safety_events?.total_events_created).toBe(1)
    // Both the vessel's watcher and the area watcher, once each.
    expect(summary.jobs.safety_events?.total_notifications_created).toBe(2)
    const event = withDb(db, (d) => d.prepare(`SELECT * FROM safety_events`).get()) as {type: string; source: string; mmsi: number}
    // This run came within the weather cache time of the first: the alerts were served from the cache.
    expect(event).toMatchObject({type: 'storm', source: 'cached', mmsi: 366999001})
    expect(nws.requests.filter((r) => r.path.startsWith('/alerts/active'))).toHaveLength(1)

    const again = await runInProcess(['check-events', '--json', '--db', db], {env: env()})
    expect(JSON.parse(again.stdout)).toMatchObject({events_created: 0, notifications_created: 0})
    expect(count(db, 'SELECT count(*) FROM notifications')).toBe(2)

    // The vessel sails out: the event is resolved, with the time.
    placeVessel(db, {mmsi: 366999001, lat: zone.max_lat + 2, lon, at: now, name: 'GULF TANKER'})
    const out = await runInProcess(['check-events', '--json', '--db', db], {env: env()})
    expect(JSON.parse(out.stdout)).toMatchObject({events_created: 0, events_resolved: 1})
    expect(count(db, 'SELECT count(*) FROM safety_events WHERE resolved_at = ?', now)).toBe(1)
  })

  it('check-events --dry-run leaves the database as it was (on SQLite the file byte-identical) and writes no job_runs row', async () => {
    placeVessel(db, {mmsi: 366999003, lat: 1.1, lon: 103.6, at: now, name: 'IN THE STRAIT'})
    const runsBefore = count(db, 'SELECT count(*) FROM job_runs')
    const before = contents(db)
    const dry = await runInProcess(['check-events', '--dry-run', '--db', db], {env: env()})
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/dry run \(nothing written\)/)
    expect(contents(db)).toBe(before)
    expect(count(db, 'SELECT count(*) FROM job_runs')).toBe(runsBefore)
  })

  it('events from shipped (emergency) zones notify nobody', async () => {
    // Singapore Strait: inside a piracy risk area built from the shipped ASAM incidents.
    const result = await runInProcess(['check-events', '--json', '--db', db], {env: env()})
    const check = JSON.parse(result.stdout)
    const piracy = check.created.filter((e: {type: string}) => e.type === 'piracy')
    expect(piracy.length).toBeGreaterThan(0)
    expect(piracy.every((e: {source: string}) => e.source === 'emergency')).toBe(true)
    expect(check.notifications_created).toBe(0)
  })
})

describe('one run per job at a time', () => {
  it('a run exits 0 saying who holds the lease while another process holds it', async () => {
    // Another process (this test's) holds the lease: the run is a process of its own.
    const db = firstUseDb(freshDb())
    const since = Date.now()
    withDb(db, (d) =>
      d
        .prepare(`INSERT INTO job_locks (job, owner, host, pid, acquired_at, heartbeat_at, lease_expires_at) VALUES ('vessels', ?, ?, ?, ?, ?, ?)`)
        .run(`${hostname()}:${process.pid}`, hostname(), process.pid, since, since, since + 600_000),
    )
    const result = await runCli(['run-background-jobs', '--job', 'vessels', '--db', db])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`skipped: vessels is running (${hostname()}:${process.pid}, since ${new Date(since).toISOString()})`)
    expect(count(db, 'SELECT count(*) FROM vessel_positions')).toBe(0)
    expect(withDb(db, (d) => d.prepare(`SELECT status FROM job_runs`).all())).toEqual([{status: 'skipped'}])
  })

  it('reclaims the lease of a process that is gone', async () => {
    const db = firstUseDb(freshDb())
    const dead = 2 ** 22 + 12_345 // above Linux's default pid_max: never a live process
    withDb(db, (d) =>
      d
        .prepare(`INSERT INTO job_locks (job, owner, host, pid, acquired_at, heartbeat_at, lease_expires_at) VALUES ('vessels', ?, ?, ?, 0, 0, ?)`)
        .run(`${hostname()}:${dead}`, hostname(), dead, Date.now() + 600_000),
    )
    const result = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/reclaiming the vessels lease/)
    expect(count(db, 'SELECT count(*) FROM vessel_positions')).toBe(84)
  })

  it('two concurrent runs of one job: exactly one works, the other exits 0 and skips', async () => {
    const db = seededDb(freshDb())
    const nws = await startNwsServer(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), Date.now())
    // The first run's safety job waits for NWS, its lease held, until the second has found it running.
    nws.gate.close()
    try {
      const env = {HARBORMASTER_NWS_URL: nws.url, HARBORMASTER_HTTP_TIMEOUT_MS: '3600000', HARBORMASTER_HTTP_DEADLINE_MS: '3600000'}
      const a = collect(startCli(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {env}))
      await nws.gate.whenHeld()
      const b = await runCli(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {env})
      nws.gate.open()
      const results = [await a, b]
      expect(results.map((r) => r.code)).toEqual([0, 0])
      const summaries = results.map((r) => summaryOf(r.stdout).jobs.safety_events as Record<string, unknown>)
      expect(summaries[0].skipped).toBeUndefined()
      expect(summaries[1].skipped).toBe(true)
      expect(withDb(db, (d) => d.prepare(`SELECT status FROM job_runs WHERE job = 'safety' ORDER BY status`).all())).toEqual([
        {status: 'skipped'},
        {status: 'success'},
      ])
    } finally {
      await nws.close()
    }
  })
})

describe('under cron conditions', () => {
  it('runs with an empty environment, a minimal PATH, no TTY, another working directory and an absolute --db', async () => {
    const db = freshDb()
    const result = await runCli(['run-background-jobs', '--db', db], {
      cleanEnv: true,
      env: {PATH: '/usr/bin:/bin', HARBORMASTER_NWS_URL: 'http://127.0.0.1:9'},
      cwd: '/',
      node: existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath,
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/all jobs succeeded/)
    expect(result.stdout + result.stderr).not.toMatch(/\u001B\[/)
    expect(count(db, 'SELECT count(*) FROM vessels')).toBe(43)
    // Nothing was created relative to the working directory.
    expect(existsSync('/var/harbormaster.db')).toBe(false)
  })

  it('writes JSON lines to HARBORMASTER_LOG_FILE', async () => {
    const db = firstUseDb(freshDb())
    const log = join(tmp.dir, 'logs', 'harbormaster.jsonl')
    const result = await runCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env: {HARBORMASTER_LOG_FILE: log}})
    expect(result.code).toBe(0)
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.some((l) => l.level === 'warn' && /shipped sample/.test(l.msg))).toBe(true)
    expect(lines.every((l) => typeof l.time === 'string')).toBe(true)
  })
})

describe('bad input: exit 2 and one clear line', () => {
  it('an unknown --job lists the valid ones', async () => {
    const result = await runInProcess(['run-background-jobs', '--job', 'bogus', '--db', freshDb()])
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n'), JSON.stringify(result.stderr)).toHaveLength(1)
    expect(result.stderr).toMatch(/bogus/)
    expect(result.stderr).toMatch(/Expected --job=bogus to be one of: vessels, ports, safety, behaviour, all/)
  })

  // A file path's own failures: SQLite only.
  it.runIf(backend() === 'sqlite')('a database path that is not writable', async () => {
    const dir = join(tmp.dir, 'readonly')
    mkdirSync(dir)
    chmodSync(dir, 0o500)
    // root ignores directory permissions; then /proc stands in for a place nobody can write.
    const path = process.getuid?.() === 0 ? '/proc/harbormaster/h.db' : join(dir, 'sub', 'h.db')
    const unwritable = await runInProcess(['run-background-jobs', '--db', path])
    chmodSync(dir, 0o700)
    expect(unwritable.code).toBe(2)
    expect(unwritable.stderr.trim().split('\n')).toHaveLength(1)
    expect(unwritable.stderr).toMatch(/not writable/)
  })

  it.runIf(backend() === 'sqlite')('a file that is not a SQLite database is refused and never overwritten', async () => {
    const path = join(tmp.dir, 'notes.db')
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(20))
    const before = sha(path)
    for (const command of [['run-background-jobs'], ['ensure-fallback-data'], ['check-events', '--dry-run'], ['db', 'migrate']]) {
      const result = await runInProcess([...command, '--db', path])
      expect(result.code, command.join(' ')).toBe(2)
      expect(result.stderr).toMatch(/is not a SQLite file \(refusing to overwrite it\); pass --db or move the file/)
    }
    expect(sha(path)).toBe(before)
  })

  it('an invalid setting names the variable and the fix', async () => {
    const result = await runInProcess(['run-background-jobs', '--db', freshDb()], {env: {HARBORMASTER_AIS_SOURCE: 'carrier-pigeon'}})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/HARBORMASTER_AIS_SOURCE="carrier-pigeon" is invalid/)
  })
})

describe('ensure-fallback-data', () => {
  it('creates what is missing, keeps what exists, and --force recreates fallback rows only', async () => {
    const db = freshDb()
    const first = await runInProcess(['ensure-fallback-data', '--json', '--db', db])
    expect(first.code, first.stderr).toBe(0)
    const report = JSON.parse(first.stdout)
    expect(report.ports).toMatchObject({created: 3766, kept: 0})
    expect(report.vessels).toMatchObject({created: 43})
    expect(report.safety_zones.created).toBeGreaterThan(5)
    const cells = report.anchorage_cells.created
    expect(cells).toBe(count(db, `SELECT count(*) FROM port_area_cells WHERE origin = 'fallback'`))
    expect(cells).toBeGreaterThan(30_000)

    const second = JSON.parse((await runInProcess(['ensure-fallback-data', '--json', '--db', db])).stdout)
    expect(second.ports).toMatchObject({created: 0, kept: 3766})
    expect(second.vessels).toMatchObject({created: 0, kept: 43})
    expect(second.safety_zones.created).toBe(0)
    expect(second.anchorage_cells).toMatchObject({created: 0, kept: cells})

    // An operator's own port, and a shipped port that was edited by hand.
    withDb(db, (d) => {
      d.prepare(`INSERT INTO ports (name, lat, lon, radius_km, origin, created_at, updated_at) VALUES ('Private Jetty', 10, 10, 1, 'user', 0, 0)`).run()
      d.prepare(`UPDATE ports SET name = 'Edited' WHERE unlocode = 'GRPIR'`).run()
      d.prepare(`UPDATE vessels SET name = 'RENAMED' WHERE mmsi = 240205400`).run()
      // A shipped anchorage cell lost, and one learned from the stored AIS.
      d.prepare(`DELETE FROM port_area_cells WHERE id = (SELECT min(id) FROM port_area_cells)`).run()
      d.prepare(
        `INSERT INTO port_area_cells (port_id, cell, lat, lon, kind, method, vessels, origin, created_at, updated_at)
         SELECT id, '80dd3a67', 33.7, -118.17, 'anchorage', 'learned', 3, 'ingest', 0, 0 FROM ports WHERE unlocode = 'USLGB'`,
      ).run()
    })
    const forced = await runInProcess(['ensure-fallback-data', '--force', '--db', db])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toMatch(/^ports\s+0\s+0\s+3766\s+0/m)
    expect(forced.stdout).toMatch(new RegExp(`^anchorage_cells\\s+1\\s+0\\s+${cells - 1}\\s+0`, 'm'))
    expect(count(db, `SELECT count(*) FROM port_area_cells WHERE origin = 'fallback'`)).toBe(cells)
    expect(count(db, `SELECT count(*) FROM port_area_cells WHERE origin = 'ingest'`)).toBe(1)
    expect(withDb(db, (d) => d.prepare(`SELECT name FROM ports WHERE unlocode = 'GRPIR'`).get())).toEqual({name: 'Piraievs'})
    expect(withDb(db, (d) => d.prepare(`SELECT name, origin FROM ports WHERE name = 'Private Jetty'`).get())).toEqual({name: 'Private Jetty', origin: 'user'})
    expect(withDb(db, (d) => d.prepare(`SELECT name FROM vessels WHERE mmsi = 240205400`).get())).not.toEqual({name: 'RENAMED'})
    expect(count(db, 'SELECT count(*) FROM vessels')).toBe(43)
  })
})

describe('health', () => {
  it('reports the seed JSON shape with exit codes a monitor understands', async () => {
    // The exit codes are what a monitor reads: health runs as the monitor runs it, a process of its own.
    const db = emptyDb(freshDb())
    await runInProcess(['db', 'migrate', '--db', db])
    const empty = await runCli(['health', '--json', '--db', db])
    expect(empty.code).toBe(1)
    const emptyReport = healthOf(empty.stdout)
    expect(emptyReport.components.database.status).toBe('degraded')

    const seeded = firstUseDb(freshDb())
    expect((await runInProcess(['run-background-jobs', '--db', seeded])).code).toBe(0)
    const after = await runCli(['health', '--json', '--db', seeded])
    const report = healthOf(after.stdout)
    expect(report.components.database).toMatchObject({status: 'healthy', ports: 3766, vessels: 43})
    expect(report.components.ais_service).toMatchObject({status: 'degraded', sample_data_available: true})
    expect(report.components.recent_activity.status).toBe('healthy')
    expect(after.code).toBe(1)

    // A database that cannot be read: a file that is no SQLite database; a server that is not there.
    const broken = backend() === 'sqlite' ? join(tmp.dir, 'broken.db') : 'postgres://harbormaster@127.0.0.1:9/nowhere'
    if (backend() === 'sqlite') writeFileSync(broken, 'x'.repeat(4096))
    const unhealthy = await runCli(['health', '--json', '--db', broken])
    expect(unhealthy.code).toBe(2)
    expect(healthOf(unhealthy.stdout).overall_status).toBe('unhealthy')
  })
})

describe('db migrate', () => {
  it('creates the database directory, applies the migrations once, and reports up to date after', async () => {
    // On PostgreSQL a database with nothing in it yet.
    const db = backend() === 'sqlite' ? freshDb() : cloneDatabase('template0')
    const first = await runInProcess(['db', 'migrate', '--db', db])
    expect(first.code, first.stderr).toBe(0)
    const journal = JSON.parse(readFileSync(join(ROOT, 'drizzle', backend(), 'meta', '_journal.json'), 'utf8')) as {entries: unknown[]}
    expect(first.stdout).toMatch(new RegExp(`applied ${journal.entries.length} migrations?`))
    const second = await runInProcess(['db', 'migrate', '--db', db])
    expect(second.stdout).toMatch(/is up to date/)
    if (backend() === 'sqlite') expect(withDb(db, (d) => d.pragma('journal_mode', {simple: true}))).toBe('wal')
    else expect(count(db, 'SELECT count(*) FROM drizzle.__drizzle_migrations')).toBe(journal.entries.length)
  })
})
