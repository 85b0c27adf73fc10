// The alert worker as a real process: rules and readings in a temp database (SQLite or PostgreSQL), readings
// changed between cycles, SIGTERM, a database locked by another process, --dry-run, --config-check and bad rules.
import {spawn} from 'node:child_process'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterAll, describe, expect, it} from 'vitest'

import {type CycleMemory, type CyclePlan, planCycle} from '../../src/services/alerts/evaluate.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {placeSnapshots, placeVessel} from '../helpers/arrange.js'
import {count, ROOT, tempDir, tracked, watchCli, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {backend, emptyDb, isPostgresLocation, openTestDb, seededDb} from '../helpers/template.js'
import {runPostgres} from '../helpers/test-db.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const env = {HARBORMASTER_NOW: new Date(NOW).toISOString()}
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')

async function databaseWithRules(): Promise<string> {
  const db = seededDb(freshDb())
  const add = (...args: string[]) => runInProcess(['alerts', 'add', ...args, '--db', db], {env})
  expect((await add('--metric', 'vessel.speed', '--target', 'vessel:366000001', '--operator', '>', '--threshold', '10', '--severity', 'high')).code).toBe(0)
  expect((await add('--metric', 'vessel.ais_gap_minutes', '--target', 'all', '--operator', '>=', '--threshold', '30')).code).toBe(0)
  expect((await add('--metric', 'job.consecutive_failures', '--target', 'job:vessels', '--operator', '>=', '--threshold', '3')).code).toBe(0)
  return db
}

/** A write transaction another process holds on the SQLite file, until `commit()`. */
async function lockSqlite(db: string): Promise<{commit(): Promise<void>}> {
  const holder = tracked(
    spawn(
      process.execPath,
      [
        '-e',
        `const D=require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});const d=new D(${JSON.stringify(db)});d.exec('BEGIN IMMEDIATE');d.exec("INSERT INTO settings (key, value, updated_at) VALUES ('lock-test', '1', 0)");process.stdout.write('locked\\n');process.stdin.once('data',()=>{d.exec('COMMIT');d.close();process.exit(0)})`,
      ],
      {stdio: ['pipe', 'pipe', 'inherit']},
    ),
  )
  const closed = new Promise((r) => holder.on('close', r))
  let said = ''
  await new Promise<void>((resolve) => holder.stdout?.on('data', (d: Buffer) => (said += d.toString()).includes('locked') && resolve()))
  return {
    async commit() {
      holder.stdin?.end('commit\n')
      await closed
    },
  }
}

/** A transaction on another connection holding the alert events against writes (reads go on), until `commit()`. */
function lockAlertEvents(db: string): {commit(): Promise<void>} {
  runPostgres(db, 'BEGIN')
  runPostgres(db, 'LOCK TABLE alert_events IN EXCLUSIVE MODE')
  runPostgres(db, `INSERT INTO settings (key, value, updated_at) VALUES ('lock-test', '1', 0)`)
  return {commit: async () => void runPostgres(db, 'COMMIT')}
}

describe('alert worker', () => {
  it('opens an event when a threshold is crossed, resolves it when the value is back, and prints stats on SIGTERM', async () => {
    const db = await databaseWithRules()
    const posts: Array<Record<string, unknown>> = []
    const hook = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        posts.push(JSON.parse(body))
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    afterAll(() => new Promise((r) => hook.close(r)))
    await runInProcess(['users', 'add', 'watcher', '--role', 'VIEWER', '--webhook', `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`, '--db', db])
    await runInProcess(['watch', 'add', '--user', 'watcher', '--vessel', '366000001', '--db', db])
    placeVessel(db, {mmsi: 366000001, lat: 29.3, lon: -94.7, at: NOW - 60_000, sog: 12.5})
    placeVessel(db, {mmsi: 366000002, lat: 29.4, lon: -94.8, at: NOW - 45 * 60_000, sog: 0})

    const worker = watchCli(['alert-worker', '--interval', '1', '--db', db], {env})
    await worker.stderrMatching(/cycle \d+:/)
    const open = withDb(db, (d) =>
      d.prepare(`SELECT alert_id, target, current_value, threshold_value, operator, metric, CASE WHEN is_resolved THEN 1 ELSE 0 END AS is_resolved FROM alert_events ORDER BY alert_id`).all(),
    )
    expect(open).toEqual([
      {alert_id: 1, target: '366000001', current_value: 12.5, threshold_value: 10, operator: '>', metric: 'vessel.speed', is_resolved: 0},
      {alert_id: 2, target: '366000002', current_value: 45, threshold_value: 30, operator: '>=', metric: 'vessel.ais_gap_minutes', is_resolved: 0},
    ])
    expect(count(db, `SELECT count(*) FROM notifications WHERE alert_event_id IS NOT NULL AND channel = 'database'`)).toBe(1)
    expect(posts).toEqual([
      expect.objectContaining({user: 'watcher', alert: expect.objectContaining({rule_id: 1, metric: 'vessel.speed', target: '366000001', current_value: 12.5, operator: '>', threshold_value: 10})}),
    ])

    // The vessel slows down: the next cycles resolve its event, and never open a second one meanwhile.
    placeVessel(db, {mmsi: 366000001, lat: 29.31, lon: -94.7, at: NOW - 30_000, sog: 4})
    await worker.stderrMatching(/1 resolved/)
    worker.child.kill('SIGTERM')
    const result = await worker.done
    expect(result.code).toBe(0)
    expect(withDb(db, (d) => d.prepare(`SELECT CASE WHEN is_resolved THEN 1 ELSE 0 END AS is_resolved, resolved_at, resolution_value FROM alert_events WHERE alert_id = 1`).all())).toEqual([
      {is_resolved: 1, resolved_at: NOW, resolution_value: 4},
    ])
    expect(result.stdout).toMatch(/^cycles\s+[2-9]/m)
    expect(result.stdout).toMatch(/^triggered\s+2$/m)
    expect(result.stdout).toMatch(/^resolved\s+1$/m)
    expect(result.stderr).toMatch(/SIGTERM received/)
    expect(result.stderr).toMatch(/INFO alert worker stopped after \d+ cycles/)
  })

  it('skips and counts readings older than the freshness window', async () => {
    const db = await databaseWithRules()
    placeVessel(db, {mmsi: 366000001, lat: 29.3, lon: -94.7, at: NOW - 20 * 60_000, sog: 15})
    const result = await runInProcess(['alert-worker', '--once', '--json', '--db', db], {env})
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({cycles: 1, skipped: 1, triggered: 0})
  })

  it('rules over every vessel: fresh readings that cross open events, each stale vessel is counted per rule, an event resolves when its vessel slows', async () => {
    const db = seededDb(freshDb())
    const add = async (...args: string[]) => expect((await runInProcess(['alerts', 'add', ...args, '--db', db], {env})).code).toBe(0)
    await add('--metric', 'vessel.speed', '--target', 'all', '--operator', '>', '--threshold', '20')
    await add('--metric', 'vessel.speed', '--target', 'all', '--operator', '<=', '--threshold', '1')
    const dryRun = async () => JSON.parse((await runInProcess(['alert-worker', '--dry-run', '--json', '--db', db], {env})).stdout)
    const mine = (opens: Array<{target: string}>) => opens.filter((o) => o.target.startsWith('3660001'))
    const before = await dryRun()
    placeVessel(db, {mmsi: 366000101, lat: 29.3, lon: -94.7, at: NOW - 60_000, sog: 25})
    placeVessel(db, {mmsi: 366000102, lat: 29.3, lon: -94.8, at: NOW - 60_000, sog: 0.5})
    placeVessel(db, {mmsi: 366000103, lat: 29.3, lon: -94.9, at: NOW - 60_000, sog: 10})
    placeVessel(db, {mmsi: 366000104, lat: 29.4, lon: -94.7, at: NOW - 20 * 60_000, sog: 30})
    const plan = await dryRun()
    expect(plan.skipped_stale - before.skipped_stale).toBe(2)
    expect(mine(plan.would_open)).toEqual([
      {rule: 1, metric: 'vessel.speed', target: '366000101', value: 25, operator: '>', threshold: 20, severity: 'medium'},
      {rule: 2, metric: 'vessel.speed', target: '366000102', value: 0.5, operator: '<=', threshold: 1, severity: 'medium'},
    ])
    expect((await runInProcess(['alert-worker', '--once', '--json', '--db', db], {env})).code).toBe(0)
    // The fast vessel slows down: its event is resolved with its new speed; the slow vessel's stays open.
    placeVessel(db, {mmsi: 366000101, lat: 29.31, lon: -94.7, at: NOW - 30_000, sog: 12})
    expect(JSON.parse((await runInProcess(['alert-worker', '--once', '--json', '--db', db], {env})).stdout)).toMatchObject({triggered: 0, resolved: 1})
    const events = withDb(db, (d) =>
      d
        .prepare(`SELECT alert_id, target, CASE WHEN is_resolved THEN 1 ELSE 0 END AS is_resolved, resolution_value FROM alert_events WHERE target LIKE '3660001%' ORDER BY alert_id`)
        .all(),
    )
    expect(events).toEqual([
      {alert_id: 1, target: '366000101', is_resolved: 1, resolution_value: 12},
      {alert_id: 2, target: '366000102', is_resolved: 0, resolution_value: null},
    ])
  })

  it('a database locked by another process delays a cycle but does not crash the worker', async () => {
    const db = await databaseWithRules()
    placeVessel(db, {mmsi: 366000001, lat: 29.3, lon: -94.7, at: NOW - 60_000, sog: 12.5})
    // Another process holds a write transaction until the test lets it commit: on SQLite the database's write
    // lock (a line on its stdin ends it); on PostgreSQL a lock on the alert events the cycle reads and writes.
    const holder = isPostgresLocation(db) ? lockAlertEvents(db) : await lockSqlite(db)
    // The worker begins its cycle while the lock is held; the lock goes once it has.
    const worker = watchCli(['alert-worker', '--once', '--json', '--db', db], {env})
    await worker.stderrMatching(/alert worker started/)
    await holder.commit()
    const result = await worker.done
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({cycles: 1, triggered: 1, errors: 0})
    expect(count(db, `SELECT count(*) FROM settings WHERE key = 'lock-test'`)).toBe(1)
  })

  it('--dry-run prints what it would open and writes nothing', async () => {
    const db = await databaseWithRules()
    placeVessel(db, {mmsi: 366000001, lat: 29.3, lon: -94.7, at: NOW - 60_000, sog: 12.5})
    // The file, byte for byte, on SQLite; on PostgreSQL the rows a cycle writes and the rules as stored.
    const state = () =>
      isPostgresLocation(db)
        ? JSON.stringify(withDb(db, (d) => [d.prepare(`SELECT id, target FROM alert_events ORDER BY id`).all(), d.prepare(`SELECT id FROM notifications ORDER BY id`).all(), d.prepare(`SELECT * FROM alert_rules ORDER BY id`).all()]))
        : createHash('sha256').update(readFileSync(db)).digest('hex')
    const before = state()
    const result = await runInProcess(['alert-worker', '--dry-run', '--db', db], {env})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/would open\s+1\s+vessel\.speed\s+366000001\s+12\.5 > 10/)
    expect(result.stdout).toMatch(/dry run \(nothing written\): 3 rules evaluated, 1 would open/)
    expect(state()).toBe(before)
  })

  it('rules on zones, ports and jobs: vessels counted inside a zone, each port read from its latest snapshot, runs in a row', async () => {
    const db = seededDb(freshDb())
    // A square zone off West Africa, two vessels inside it and one beside it; Piraeus waiting 7, then 2.
    const square = {type: 'Polygon', coordinates: [[[-20, 10], [-19, 10], [-19, 11], [-20, 11], [-20, 10]]]}
    const zone = withDb(db, (d) =>
      d
        .prepare(
          `INSERT INTO safety_zones (kind, external_id, name, severity, geometry, min_lon, min_lat, max_lon, max_lat, source, observed_at, origin, created_at, updated_at)
           VALUES ('piracy', 'test:square', 'test square', 'high', ?, -20, 10, -19, 11, 'live', ?, 'user', ?, ?) RETURNING id`,
        )
        .get(JSON.stringify(square), NOW, NOW, NOW),
    ) as {id: number}
    placeVessel(db, {mmsi: 657000001, lat: 10.5, lon: -19.5, at: NOW - 60_000})
    placeVessel(db, {mmsi: 657000002, lat: 10.2, lon: -19.9, at: NOW - 120_000})
    placeVessel(db, {mmsi: 657000003, lat: 10.5, lon: -18.5, at: NOW - 60_000})
    const piraeus = withDb(db, (d) => d.prepare(`SELECT id FROM ports WHERE unlocode = 'GRPIR'`).get()) as {id: number}
    placeSnapshots(db, [
      {portId: Number(piraeus.id), observedAt: NOW - 2 * 3_600_000, waiting: 7, level: 'high'},
      {portId: Number(piraeus.id), observedAt: NOW - 10 * 60_000, waiting: 2, level: 'elevated'},
    ])
    // The vessels job failed twice since its last success; the ports job's last run took 150 s.
    withDb(db, (d) => {
      const run = d.prepare(`INSERT INTO job_runs (job, status, started_at, completed_at, duration_ms, host, pid) VALUES (?, ?, ?, ?, ?, 'test', 1)`)
      for (const [job, status, hoursAgo, ms] of [
        ['vessels', 'success', 4, 20_000],
        ['vessels', 'failed', 3, 5_000],
        ['vessels', 'timeout', 2, 9_000],
        ['ports', 'success', 1, 150_000],
      ] as const) run.run(job, status, NOW - hoursAgo * 3_600_000, NOW - hoursAgo * 3_600_000 + ms, ms)
    })
    const add = async (...args: string[]) => expect((await runInProcess(['alerts', 'add', ...args, '--db', db], {env})).code).toBe(0)
    await add('--metric', 'zone.vessels_inside', '--target', `zone:${zone.id}`, '--operator', '>=', '--threshold', '2')
    await add('--metric', 'port.vessels_waiting', '--target', 'port:GRPIR', '--operator', '>', '--threshold', '5')
    await add('--metric', 'port.congestion_level', '--target', 'all', '--operator', '>=', '--threshold', '1')
    await add('--metric', 'job.consecutive_failures', '--target', 'job:vessels', '--operator', '>=', '--threshold', '2', '--severity', 'critical')
    await add('--metric', 'job.last_duration_seconds', '--target', 'all', '--operator', '>', '--threshold', '100')
    const plan = JSON.parse((await runInProcess(['alert-worker', '--dry-run', '--json', '--db', db], {env})).stdout)
    expect(plan).toMatchObject({rules_evaluated: 5, skipped_missing: 0})
    expect(plan.would_open).toEqual([
      {rule: 1, metric: 'zone.vessels_inside', target: String(zone.id), value: 2, operator: '>=', threshold: 2, severity: 'medium'},
      {rule: 3, metric: 'port.congestion_level', target: String(piraeus.id), value: 1, operator: '>=', threshold: 1, severity: 'medium'},
      {rule: 4, metric: 'job.consecutive_failures', target: 'vessels', value: 2, operator: '>=', threshold: 2, severity: 'critical'},
      {rule: 5, metric: 'job.last_duration_seconds', target: 'ports', value: 150, operator: '>', threshold: 100, severity: 'medium'},
    ])
  })

  it('--config-check: 0 on a good database, 2 with the fix on one that is not migrated', async () => {
    const db = await databaseWithRules()
    const good = await runInProcess(['alert-worker', '--config-check', '--db', db])
    expect(good.code, good.stdout).toBe(0)
    const migrations = (JSON.parse(readFileSync(join(ROOT, 'drizzle', backend(), 'meta', '_journal.json'), 'utf8')) as {entries: unknown[]}).entries.length
    expect(good.stdout).toMatch(new RegExp(`database .*: ok, ${migrations} migrations applied, every table present`))
    // A file that is not a migrated database, and settings that are not valid: what SQLite's file can show.
    if (backend() === 'postgres') return
    const bare = join(tmp.dir, 'bare.db')
    new Database(bare).close()
    const bad = await runInProcess(['alert-worker', '--config-check', '--json', '--db', bare])
    expect(bad.code).toBe(2)
    const report = JSON.parse(bad.stdout)
    expect(report.database.problem).toMatch(new RegExp(`${migrations} migration\\(s\\) pending: run \`harbormaster db migrate\`; tables missing: .*\\bports\\b`))
    const badConfig = await runInProcess(['alert-worker', '--config-check', '--db', db], {env: {HARBORMASTER_QUOTAS: 'nws=lots'}})
    expect(badConfig.code).toBe(2)
    // Every setting listed, the bad one marked with what is wrong.
    expect(badConfig.stdout).toMatch(/^✗ quotas\s+HARBORMASTER_QUOTAS\s+nws=lots\s+environment\s+expected provider=N\/minute\|hour\|day/m)
  })

  it.each([
    [['--metric', 'vessel.colour', '--target', 'all', '--operator', '>', '--threshold', '1'], /Expected --metric=vessel.colour to be one of: port.vessels_waiting, port.congestion_level/],
    [['--metric', 'vessel.speed', '--target', 'all', '--operator', '=>', '--threshold', '1'], /Expected --operator==> to be one of: >, <, ==, >=, <=, !=/],
    [['--metric', 'vessel.speed', '--target', 'all', '--operator', '>', '--threshold', 'fast'], /threshold "fast" is not a number/],
    [['--metric', 'vessel.speed', '--target', 'port:GRPIR', '--operator', '>', '--threshold', '1'], /target "port:GRPIR" does not fit vessel.speed; use all or vessel:<id>/],
    [['--metric', 'job.consecutive_failures', '--target', 'job:laundry', '--operator', '>', '--threshold', '1'], /no job laundry/],
  ])('alerts add refuses a bad rule: %j', async (args, message) => {
    const db = emptyDb(freshDb())
    const result = await runInProcess(['alerts', 'add', ...args, '--db', db])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    // A value the parser refuses stops the command before it opens (or creates) the database.
    expect(isPostgresLocation(db) || existsSync(db) ? count(db, 'SELECT count(*) FROM alert_rules') : 0).toBe(0)
  })

  it('a worker keeps its rules and ports between cycles and reads them again after each change, also under a fixed clock', async () => {
    const db = seededDb(freshDb())
    const cli = async (...args: string[]) => expect((await runInProcess([...args, '--db', db], {env})).code).toBe(0)
    await cli('alerts', 'add', '--metric', 'port.vessels_waiting', '--target', 'port:GRPIR', '--operator', '>', '--threshold', '5')
    await cli('alerts', 'add', '--metric', 'port.congestion_level', '--target', 'all', '--operator', '>=', '--threshold', '2')
    const piraeus = Number((withDb(db, (d) => d.prepare(`SELECT id FROM ports WHERE unlocode = 'GRPIR'`).get()) as {id: number}).id)
    placeSnapshots(db, [{portId: piraeus, observedAt: NOW - 20 * 60_000, waiting: 7, level: 'high'}])
    const ctx: Context = {config: loadConfig({dbPath: db, env: {}}), db: await openTestDb(db), logger: silentLogger, clock: fixedClock(NOW)}
    try {
      const memory: CycleMemory = {}
      const opens = (plan: CyclePlan) => plan.open.map((o) => `${o.rule.id}:${o.target}:${o.reading.value}`)
      // Each cycle planned with the worker's memory, and the same cycle without it: they must agree.
      const cycle = async () => {
        const kept = await planCycle(ctx, memory)
        const fresh = await planCycle(ctx)
        expect({rules: kept.rulesEvaluated, opens: opens(kept)}).toEqual({rules: fresh.rulesEvaluated, opens: opens(fresh)})
        return {rules: kept.rulesEvaluated, opens: opens(kept)}
      }
      expect(await cycle()).toEqual({rules: 2, opens: [`1:${piraeus}:7`, `2:${piraeus}:2`]})
      const rulesKept = memory.rules
      expect(await cycle()).toEqual({rules: 2, opens: [`1:${piraeus}:7`, `2:${piraeus}:2`]})
      // Nothing changed: the same rules were used, not read again.
      expect(memory.rules).toBe(rulesKept)
      // A newer snapshot: Piraeus is back to normal.
      placeSnapshots(db, [{portId: piraeus, observedAt: NOW - 5 * 60_000, waiting: 2, level: 'normal'}])
      expect(await cycle()).toEqual({rules: 2, opens: []})
      placeSnapshots(db, [{portId: piraeus, observedAt: NOW - 60_000, waiting: 9, level: 'severe'}])
      // Disabled at the same (fixed) time the rules were added: only the enabled ids tell.
      await cli('alerts', 'disable', '1')
      expect(await cycle()).toEqual({rules: 1, opens: [`2:${piraeus}:3`]})
      await cli('alerts', 'enable', '1')
      expect(await cycle()).toEqual({rules: 2, opens: [`1:${piraeus}:9`, `2:${piraeus}:3`]})
      await cli('alerts', 'remove', '2')
      await cli('alerts', 'add', '--metric', 'port.vessels_waiting', '--target', 'port:GRPIR', '--operator', '<', '--threshold', '10', '--severity', 'high')
      const last = await planCycle(ctx, memory)
      expect(opens(last)).toEqual([`1:${piraeus}:9`, `3:${piraeus}:9`])
      expect(last.open.map((o) => o.rule.severity)).toEqual(['medium', 'high'])
    } finally {
      await ctx.db.close()
    }
  })

  it('alerts list, disable, enable and remove', async () => {
    const db = await databaseWithRules()
    expect((await runInProcess(['alerts', 'disable', '1', '--db', db])).stdout).toMatch(/alert rule 1 disabled/)
    const list = JSON.parse((await runInProcess(['alerts', 'list', '--json', '--db', db])).stdout).rules
    expect(list.map((r: {enabled: boolean}) => r.enabled)).toEqual([false, true, true])
    await runInProcess(['alerts', 'enable', '1', '--db', db])
    await runInProcess(['alerts', 'remove', '2', '--db', db])
    expect(count(db, 'SELECT count(*) FROM alert_rules WHERE enabled')).toBe(2)
    expect((await runInProcess(['alerts', 'remove', '42', '--db', db])).code).toBe(2)
  })
})

