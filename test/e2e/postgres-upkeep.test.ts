// Database upkeep on PostgreSQL through the real CLI against a real server: db migrate and config check, db
// backup (pg_dump with the password only in its environment, the archive read back, the retention of SQLite
// backups), db restore (identical contents; a file that is no archive, a SQLite file, another database's
// archive or a running job refused), db maintain and health. The server asks harbormaster's user for its
// password (scram-sha-256), so a tool not given it fails. And health on SQLite never loads the driver.
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {BIN, ROOT, runCli, tempDir} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {runInProcess} from '../helpers/in-process.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'
import {firstUseDb} from '../helpers/template.js'

const NOW = '2026-11-24T12:00:00Z'
const PASSWORD = 'upkeep-s3cret-w0rd'
const ROLE = 'keeper'

const tmp = tempDir()
let server: TestPostgres | null = null
let source: string

async function admin<T>(fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({connectionString: databaseUrl(server!.url, database)})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A new database harbormaster's user owns (a copy of `template`, when given); its URL with the user's password. */
async function createDatabase(name: string, template?: string): Promise<string> {
  await admin((c) => c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''} OWNER ${ROLE}`))
  const url = new URL(databaseUrl(server!.url, name))
  url.username = ROLE
  url.password = PASSWORD
  return url.toString()
}

let filled: Promise<void> | undefined

/**
 * A new database holding what the seed jobs left in the SQLite source: copied once by `db copy`, then cloned
 * for each test (a clone takes a fraction of the copy's time, and each test still has a database of its own).
 */
async function filledDatabase(name: string): Promise<string> {
  filled ??= (async () => {
    const copied = await runInProcess(['db', 'copy', '--from', source, '--to', await createDatabase('filled'), '--quiet'])
    expect(copied.code, copied.stderr).toBe(0)
  })()
  await filled
  return createDatabase(name, 'filled')
}

/** Every table of harbormaster's schemas, rows as JSON text in a stable order, and every sequence's position. */
async function contents(database: string): Promise<Record<string, unknown>> {
  return admin(async (c) => {
    const out: Record<string, unknown> = {}
    const tables = await c.query<{schema: string; name: string}>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle') AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
    )
    for (const {schema, name} of tables.rows) {
      const rows = await c.query<{r: string}>(`SELECT to_jsonb(t)::text AS r FROM "${schema}"."${name}" t`)
      out[`${schema}.${name}`] = rows.rows.map((row) => row.r).sort()
    }
    const sequences = await c.query<{name: string; last_value: string | null}>(`SELECT schemaname || '.' || sequencename AS name, last_value::text FROM pg_sequences ORDER BY 1`)
    for (const s of sequences.rows) out[`sequence ${s.name}`] = s.last_value
    return out
  }, database)
}

const withoutJobTables = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).filter(([k]) => !/job_runs|job_locks/.test(k)))

/** pg_dump and pg_restore that write what they were given (arguments, and the password in their environment) to a log, then run the real ones. */
function loggingTools(): {dir: string; log: string} {
  const dir = join(tmp.dir, 'pg-bin')
  const log = join(tmp.dir, 'pg-tools.log')
  mkdirSync(dir, {recursive: true})
  for (const tool of ['pg_dump', 'pg_restore']) {
    const script = join(dir, tool)
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${log}'\nprintf 'environment PGPASSWORD=%s\\n' "$PGPASSWORD" >> '${log}'\nexec '${join(server!.binDir, tool)}' "$@"\n`)
    chmodSync(script, 0o755)
  }
  return {dir, log}
}

/** The test's own pg_dump of `database` (as its superuser), for the steps that are not about `db backup`. */
function dumpAsAdmin(database: string, file: string): void {
  execFileSync(join(server!.binDir, 'pg_dump'), ['--format=custom', `--file=${file}`, `--dbname=${databaseUrl(server!.url, database)}`])
}

beforeAll(async () => {
  server = await postgresForTests()
  if (!server) return
  // harbormaster's user must give its password; everyone else is trusted as before.
  const hba = join(server.dataDir, 'pg_hba.conf')
  writeFileSync(hba, `host all ${ROLE} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`)
  await admin(async (c) => {
    await c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`)
    await c.query('SELECT pg_reload_conf()')
  })
  source = firstUseDb(join(tmp.dir, 'source.db'))
  const filled = await runInProcess(['run-background-jobs', '--quiet', '--db', source], {env: {HARBORMASTER_NOW: NOW}})
  expect(filled.code, filled.stderr).toBe(0)
})

afterAll(() => {
  server?.stop()
  tmp.cleanup()
})

describe('db migrate and config check on PostgreSQL', () => {
  it('applies the migrations to a new database once, after which every table is there; a wrong password is refused; the password never shown', async () => {
    if (!server) return
    const url = await createDatabase('migrated')
    const before = await runInProcess(['config', 'check', '--json', '--db', url])
    expect(before.code).toBe(2)
    const journal = JSON.parse(readFileSync(join(ROOT, 'drizzle', 'postgres', 'meta', '_journal.json'), 'utf8')) as {entries: unknown[]}
    expect(JSON.parse(before.stdout).database).toMatchObject({ok: false, migrations_applied: 0, migrations_total: journal.entries.length})
    expect(JSON.parse(before.stdout).database.missing_tables).toContain('job_locks')

    const first = await runInProcess(['db', 'migrate', '--json', '--db', url])
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toEqual({database: url.replace(PASSWORD, '***'), applied: journal.entries.length, total: journal.entries.length, pending: []})
    const second = await runInProcess(['db', 'migrate', '--db', url])
    expect(second.stdout).toMatch(/is up to date/)

    const after = await runInProcess(['config', 'check', '--json', '--db', url])
    expect(after.code, after.stdout).toBe(0)
    expect(contractProblems('config check', JSON.parse(after.stdout))).toEqual([])
    expect(JSON.parse(after.stdout).database).toEqual({
      path: url.replace(PASSWORD, '***'),
      ok: true,
      migrations_applied: journal.entries.length,
      migrations_total: journal.entries.length,
      missing_tables: [],
    })
    const wrong = await runInProcess(['config', 'check', '--db', url.replace(PASSWORD, 'not-the-password')])
    expect(wrong.code).toBe(2)
    expect(wrong.stdout).toMatch(/password authentication failed/)
    for (const r of [before, first, second, after, wrong]) expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })
})

describe('db backup on PostgreSQL', () => {
  it('writes a pg_dump archive read back whole, keeps the retention SQLite backups keep, and gives pg_dump the password only as PGPASSWORD', async () => {
    if (!server) return
    const url = await filledDatabase('backed_up')
    const dir = join(tmp.dir, 'backups')
    mkdirSync(dir)
    // Older than the 30 days kept: deleted. Younger: kept. A SQLite backup: another kind, left alone.
    for (const name of ['harbormaster-20260101T000000Z.dump', 'harbormaster-20261120T000000Z.dump', 'harbormaster-20250101T000000Z.db']) writeFileSync(join(dir, name), 'x')
    const tools = loggingTools()
    // Backup runs after the usage report (its dependency).
    expect((await runInProcess(['usage-report', '--db', url], {env: {HARBORMASTER_NOW: NOW}})).code).toBe(0)
    const result = await runInProcess(['db', 'backup', '--json', '--db', url], {env: {HARBORMASTER_NOW: NOW, HARBORMASTER_BACKUP_DIR: dir, HARBORMASTER_PG_BIN_DIR: tools.dir}})
    expect(result.code, result.stderr + result.stdout).toBe(0)
    const document = JSON.parse(result.stdout)
    expect(contractProblems('db backup', document)).toEqual([])
    expect(document.summary).toMatchObject({
      file: join(dir, 'harbormaster-20261124T120000Z.dump'),
      integrity: 'ok',
      deleted: ['harbormaster-20260101T000000Z.dump'],
      kept: 2,
    })
    expect(readdirSync(dir).sort()).toEqual(['harbormaster-20250101T000000Z.db', 'harbormaster-20261120T000000Z.dump', 'harbormaster-20261124T120000Z.dump'])
    const listing = execFileSync(join(server.binDir, 'pg_restore'), ['--list', document.summary.file], {encoding: 'utf8'})
    expect(listing).toMatch(/TABLE DATA public vessel_positions /)
    expect(listing).toMatch(/TABLE DATA drizzle __drizzle_migrations /)

    const log = readFileSync(tools.log, 'utf8').trim().split('\n')
    const dump = log.findIndex((line) => line.startsWith('pg_dump '))
    expect(log[dump]).toMatch(/--format=custom/)
    expect(log[dump + 1]).toBe(`environment PGPASSWORD=${PASSWORD}`)
    // The archive is read back: its table of contents, and every table's data.
    expect(log.filter((line) => line.startsWith('pg_restore '))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^pg_restore --list /), expect.stringMatching(/^pg_restore --file=\/dev\/null /)]),
    )
    for (const line of log.filter((l) => !l.startsWith('environment'))) expect(line).not.toContain(PASSWORD)
    expect(result.stdout + result.stderr).not.toContain(PASSWORD)
  })
})

describe('db restore on PostgreSQL', () => {
  it('a backup restored gives identical table contents', async () => {
    if (!server) return
    const url = await filledDatabase('restored')
    const env = {HARBORMASTER_NOW: NOW, HARBORMASTER_BACKUP_DIR: join(tmp.dir, 'restore-backups')}
    expect((await runInProcess(['usage-report', '--db', url], {env})).code).toBe(0)
    const before = await contents('restored')
    // The tools found without HARBORMASTER_PG_BIN_DIR (PATH, or Debian's folder).
    const backup = await runInProcess(['db', 'backup', '--json', '--db', url], {env})
    expect(backup.code, backup.stderr + backup.stdout).toBe(0)
    const file = JSON.parse(backup.stdout).summary.file as string
    // What the archive holds, as PostgreSQL's own pg_restore reads it into a database of its own.
    await createDatabase('reference')
    execFileSync(join(server.binDir, 'pg_restore'), ['--no-owner', `--dbname=${databaseUrl(server.url, 'reference')}`, file])
    const archived = await contents('reference')
    // The database as it was, less the backup's own run and lease (written as it started).
    expect(withoutJobTables(archived)).toEqual(withoutJobTables(before))

    await admin(async (c) => {
      await c.query(`DELETE FROM vessels WHERE mmsi IN (SELECT mmsi FROM vessels ORDER BY mmsi LIMIT 5)`)
      await c.query(`UPDATE ports SET name = 'Renamed' WHERE id = (SELECT min(id) FROM ports)`)
      await c.query(`INSERT INTO settings (key, value, updated_at) VALUES ('after-the-backup', '1', 0)`)
    }, 'restored')
    expect(await contents('restored')).not.toEqual(archived)

    const unconfirmed = await runInProcess(['db', 'restore', file, '--db', url])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toMatch(/pass --yes to confirm/)
    const restored = await runInProcess(['db', 'restore', file, '--yes', '--json', '--db', url])
    expect(restored.code, restored.stderr + restored.stdout).toBe(0)
    const document = JSON.parse(restored.stdout)
    expect(contractProblems('db restore', document)).toEqual([])
    expect(document).toMatchObject({restored: url.replace(PASSWORD, '***'), from: file})
    expect(document.tables).toBe(Object.keys(archived).filter((k) => !k.startsWith('sequence ')).length)
    expect(await contents('restored')).toEqual(archived)
    // The restored database works: its counts kept by triggers are back with its rows.
    const health = await runInProcess(['config', 'check', '--json', '--db', url])
    expect(JSON.parse(health.stdout).database.ok).toBe(true)
    for (const r of [backup, unconfirmed, restored]) expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })

  it('refuses a file that is no archive, a SQLite database, an archive of another database, and a restore while a job runs', async () => {
    if (!server) return
    const url = await filledDatabase('refusing')
    const before = await contents('refusing')
    const text = join(tmp.dir, 'not-a-backup.dump')
    writeFileSync(text, 'not an archive'.repeat(100))
    const notArchive = await runInProcess(['db', 'restore', text, '--yes', '--db', url])
    expect(notArchive.code).toBe(2)
    expect(notArchive.stderr).toMatch(/backup .*not-a-backup\.dump is not a PostgreSQL archive \(pg_dump -Fc\); pass a file written by `harbormaster db backup`/)

    const sqlite = await runInProcess(['db', 'restore', source, '--yes', '--db', url])
    expect(sqlite.code).toBe(2)
    expect(sqlite.stderr).toMatch(/is a SQLite database, not a PostgreSQL archive; .*harbormaster db copy/)

    await admin((c) => c.query('CREATE DATABASE elsewhere'))
    await admin((c) => c.query('CREATE TABLE ledger (id int)'), 'elsewhere')
    const foreign = join(tmp.dir, 'elsewhere.dump')
    dumpAsAdmin('elsewhere', foreign)
    const other = await runInProcess(['db', 'restore', foreign, '--yes', '--db', url])
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/is not a backup of a harbormaster database \(it has no table ports, job_locks, settings\)/)

    // A job holding its lease, on the server's clock.
    const good = join(tmp.dir, 'refusing.dump')
    dumpAsAdmin('refusing', good)
    await admin(
      (c) =>
        c.query(
          `INSERT INTO job_locks (job, owner, host, pid, acquired_at, heartbeat_at, lease_expires_at)
           SELECT 'vessels', 'cron-1:4242', 'cron-1', 4242, now_ms, now_ms, now_ms + 3600000 FROM (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms) t`,
        ),
      'refusing',
    )
    const running = await runInProcess(['db', 'restore', good, '--yes', '--db', url])
    expect(running.code).toBe(2)
    expect(running.stderr).toMatch(/cannot restore while jobs run: vessels \(cron-1:4242\); pause them with `harbormaster jobs pause --all` and wait/)
    await admin((c) => c.query(`DELETE FROM job_locks`), 'refusing')
    expect(await contents('refusing')).toEqual(before)
    for (const r of [notArchive, sqlite, other, running]) expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })
})

describe('db maintain, usage-report and health on PostgreSQL', () => {
  it('db maintain runs VACUUM (ANALYZE) and reports the sizes in the maintain shape; the usage report counts its runs', async () => {
    if (!server) return
    const url = await filledDatabase('maintained')
    const result = await runInProcess(['db', 'maintain', '--json', '--db', url], {env: {HARBORMASTER_NOW: NOW}})
    expect(result.code, result.stderr + result.stdout).toBe(0)
    const document = JSON.parse(result.stdout)
    expect(contractProblems('db maintain', document)).toEqual([])
    const s = document.summary
    expect(s).toMatchObject({integrity: 'ok', integrity_note: expect.stringMatching(/VACUUM \(ANALYZE\)/)})
    expect(s.bytes_before).toBeGreaterThan(0)
    expect(s.reclaimed_bytes).toBe(s.bytes_before - s.bytes_after)
    const sizes = Object.fromEntries((s.tables as Array<{table: string; bytes: number}>).map((t) => [t.table, t.bytes]))
    expect(Object.keys(sizes)).toEqual(expect.arrayContaining(['ports', 'vessel_positions', 'job_runs']))
    expect(sizes.ports).toBeGreaterThan(0)
    // Analysed: the planner knows how many ports there are.
    const analysed = await admin((c) => c.query<{n: string}>(`SELECT reltuples::bigint::text AS n FROM pg_class WHERE relname = 'ports'`), 'maintained')
    expect(Number(analysed.rows[0].n)).toBe(3766)
    const text = await runInProcess(['db', 'maintain', '--db', url], {env: {HARBORMASTER_NOW: NOW}})
    expect(text.stdout).toMatch(/vessel_positions/)
    // The usage report reads the runs back: the two upkeep runs of today, and the jobs copied from SQLite.
    const usage = await runInProcess(['usage-report', '--json', '--db', url], {env: {HARBORMASTER_NOW: NOW}})
    expect(usage.code, usage.stderr + usage.stdout).toBe(0)
    expect(contractProblems('usage-report', JSON.parse(usage.stdout))).toEqual([])
    const jobs = JSON.parse(usage.stdout).summary.jobs as Array<{job: string; runs: number; failed: number}>
    expect(jobs.find((j) => j.job === 'maintain')).toMatchObject({runs: 2, failed: 0})
    expect(jobs.find((j) => j.job === 'vessels')).toMatchObject({runs: 1, failed: 0})
  })

  it('health reports the database size and its connections; the disk check of a SQLite folder does not apply', async () => {
    if (!server) return
    const url = await filledDatabase('checked')
    const result = await runCli(['health', '--json', '--db', url], {env: {HARBORMASTER_NOW: NOW}})
    const report = JSON.parse(result.stdout)
    expect(contractProblems('health', report)).toEqual([])
    expect(report.components.database).toMatchObject({status: 'healthy', ports: 3766, vessels: 43, max_connections: 300})
    expect(report.components.database.size_bytes).toBeGreaterThan(1_000_000)
    // health's own connection at least.
    expect(report.components.database.connections).toBeGreaterThanOrEqual(1)
    expect(report.components.host).toMatchObject({status: 'healthy', free_disk_percent: null, reason: expect.stringMatching(/^not applicable: the database is on a PostgreSQL server/)})
    const text = await runCli(['health', '--db', url], {env: {HARBORMASTER_NOW: NOW}})
    expect(text.stdout).toMatch(/3766 ports, 43 vessels, \d+ events, \d+ notifications; [\d.]+ MB, \d+ of 300 connections/)
    expect(text.stdout).toMatch(/host +healthy +not applicable/)
    expect(result.stdout + result.stderr + text.stdout + text.stderr).not.toContain(PASSWORD)
  })
})

describe('health on SQLite', () => {
  it('never loads the PostgreSQL driver', () => {
    // A preloaded hook that names every module of the driver the process resolves (the bundled commands are
    // CommonJS: they require it).
    const hook = join(tmp.dir, 'driver-hook.cjs')
    writeFileSync(
      hook,
      `const Module = require('node:module')
const resolve = Module._resolveFilename
Module._resolveFilename = function (...args) {
  const resolved = resolve.apply(this, args)
  if (/node_modules\\/(pg|pg-pool|pg-protocol)\\/|drizzle-orm\\/node-postgres/.test(resolved)) process.stderr.write('DRIVER ' + resolved + '\\n')
  return resolved
}\n`,
    )
    const db = firstUseDb(join(tmp.dir, 'health.db'))
    const run = (location: string) => spawnSync(process.execPath, ['--require', hook, BIN, 'health', '--json', '--db', location], {encoding: 'utf8'})
    const sqlite = run(db)
    expect(JSON.parse(sqlite.stdout).components.database.ports).toBe(3766)
    expect(sqlite.stderr).not.toMatch(/DRIVER/)
    // The hook sees the driver when it is loaded: a URL loads it.
    expect(run('postgres://nobody@127.0.0.1:9/none').stderr).toMatch(/DRIVER .*node_modules\/pg\//)
  })
})
