// What an operator and cron see: ais decode reading standard input and showing rejected input safely,
// flags and arguments that exclude each other refused, config check listing every value with the bad ones
// marked, read-only commands on a read-only database, no database created by commands that only read,
// and --quiet silent on success with lasting conditions warned about once per change.
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {collect, count, ROOT, runCli, startCli, tempDir} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {backend, emptyDb, firstUseDb} from '../helpers/template.js'

const NOW = '2026-11-24T12:00:00Z'
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')
const capture = join(ROOT, 'test', 'fixtures', 'ais', 'libais-typeexamples.nmea')

/** Runs the CLI with `input` piped to its standard input. */
async function withInput(args: string[], input: string | Buffer) {
  const child = startCli(args, {stdin: 'pipe'})
  const done = collect(child)
  child.stdin?.end(input)
  return done
}

describe('ais decode', () => {
  it('reads standard input when no file is given (--json < capture.nmea), and still with -', async () => {
    const text = readFileSync(capture)
    const piped = await withInput(['ais', 'decode', '--json'], text)
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stdout.trim().split('\n')).toHaveLength(26)
    expect(piped.stderr).toMatch(/^decoded 26 messages from 26 lines of standard input/)
    const dash = await withInput(['ais', 'decode', '-', '--json'], text)
    expect(dash.stdout).toBe(piped.stdout)
  })

  it('shows a rejected line cut to about 120 characters with control characters and escapes written out', async () => {
    const huge = `!AIVDM,1,1,,A,${'x'.repeat(10 * 1024 * 1024)}`
    const binary = Buffer.from(Array.from({length: 300}, (_, i) => (i * 7919 + 13) % 256).filter((b) => b !== 10))
    const input = Buffer.concat([
      Buffer.from(`${huge}\n`),
      binary,
      Buffer.from('\n\u001b]0;pwned\u0007\u001b[2J!AIVDM,1,1,,B,\u001b[31mred*00\n'),
      readFileSync(capture),
    ])
    const result = await withInput(['ais', 'decode'], input)
    expect(result.code).toBe(0)
    const rejected = result.stderr.split('\n').filter((l) => l.startsWith('rejected:'))
    expect(rejected).toHaveLength(3)
    // One screen line each, printable ASCII only (the ellipsis aside).
    for (const line of rejected) {
      expect(line.length).toBeLessThan(400)
      expect(line).toMatch(/^[\x20-\x7e…]*$/)
    }
    expect(rejected[0]).toMatch(/^rejected: line too long \(10485774 characters; NMEA sentences are at most 82\): !AIVDM,1,1,,A,x+… \([\d,]+ more characters\)$/)
    expect(rejected[2]).toContain('\\x1b]0;pwned\\x07\\x1b[2J!AIVDM,1,1,,B,\\x1b[31mred*00')
    expect(result.stderr.length).toBeLessThan(2000)
    expect(result.stdout.trim().split('\n')).toHaveLength(26)
  })
})

describe('arguments and flags that exclude each other', () => {
  it('jobs pause with a job name and --all is refused, and pauses nothing', async () => {
    const db = emptyDb(freshDb())
    expect((await runInProcess(['db', 'migrate', '--db', db])).code).toBe(0)
    const both = await runInProcess(['jobs', 'pause', 'vessels', '--all', '--reason', 'maintenance', '--db', db])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/^Error: vessels and --all exclude each other; name one job, or pass --all to pause every job/)
    expect(count(db, `SELECT count(*) FROM settings WHERE key LIKE 'pause:%'`)).toBe(0)
    const one = await runInProcess(['jobs', 'pause', 'vessels', '--reason', 'maintenance', '--db', db])
    expect(one.code).toBe(0)
    expect((await runInProcess(['jobs', 'resume', 'vessels', '--all', '--db', db])).code).toBe(2)
    expect(count(db, `SELECT count(*) FROM settings WHERE key = 'pause:vessels'`)).toBe(1)
  })

  it('alert-worker refuses --interval with --once (oclif exclusive)', async () => {
    const result = await runInProcess(['alert-worker', '--once', '--interval', '5', '--db', freshDb()])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--once=true cannot also be provided when using --interval/)
  })
})

describe('config check', () => {
  it('with bad values lists every setting, marks each bad one, and exits 2 (it does not send you to itself)', async () => {
    const db = freshDb()
    const result = await runInProcess(['config', 'check', '--db', db], {env: {HARBORMASTER_QUOTAS: 'nws=lots', HARBORMASTER_HTTP_RETRIES: '99', HARBORMASTER_AIS_SOURCE: 'pigeon'}})
    expect(result.code).toBe(2)
    const rows = result.stdout.split('\n')
    expect(rows.filter((r) => r.startsWith('✗'))).toEqual([
      expect.stringMatching(/^✗ ais_source\s+HARBORMASTER_AIS_SOURCE\s+pigeon\s+environment\s+expected sample/),
      expect.stringMatching(/^✗ http_retries\s+HARBORMASTER_HTTP_RETRIES\s+99\s+environment\s+/),
      expect.stringMatching(/^✗ quotas\s+HARBORMASTER_QUOTAS\s+nws=lots\s+environment\s+expected provider=N/),
    ])
    expect(rows.some((r) => /^\s+nws_url\s+HARBORMASTER_NWS_URL\s+http:\/\/127\.0\.0\.1:9\s+environment/.test(r))).toBe(true)
    expect(result.stdout).toMatch(/3 setting\(s\) marked ✗ need fixing/)
    expect(result.stdout + result.stderr).not.toMatch(/run `harbormaster config check`/)
    // The database is checked, not created.
    expect(existsSync(db)).toBe(false)
    // Any other command stops at the first bad value and points at config check, which now shows them all.
    const other = await runInProcess(['jobs', 'list', '--db', db], {env: {HARBORMASTER_QUOTAS: 'nws=lots'}})
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/HARBORMASTER_QUOTAS="nws=lots" is invalid.*`harbormaster config check` lists every setting and marks the bad ones/)
  })
})

// File permissions are SQLite's: a PostgreSQL server decides who may write by its roles.
describe.skipIf(backend() === 'postgres')('read-only commands on a database this user may only read, in a directory it may not write', () => {
  // As root, permissions do not apply: the commands run as nobody (with a home it may read).
  const asOther = process.getuid?.() === 0 ? {uid: 65_534, gid: 65_534} : {}
  const env = {HARBORMASTER_NOW: NOW, HOME: tmp.dir}
  let db: string

  beforeAll(async () => {
    db = firstUseDb(freshDb())
    expect((await runInProcess(['run-background-jobs', '--db', db], {env: {HARBORMASTER_NOW: NOW}})).code).toBe(0)
    chmodSync(tmp.dir, 0o755)
    chmodSync(db, 0o444)
    chmodSync(join(db, '..'), 0o555)
  })
  afterAll(() => chmodSync(join(db, '..'), 0o755))

  it.each([
    [['health', '--json']],
    [['jobs', 'list']],
    [['jobs', 'history']],
    [['config', 'check']],
    [['zones', 'list']],
    [['events', 'list']],
    [['vessels', 'show', '240205400']],
    [['providers', 'status']],
    [['users', 'list']],
    [['watch', 'list']],
    [['alerts', 'list']],
    [['check-events', '--dry-run']],
    [['alert-worker', '--dry-run']],
  ])('%j works', async (args) => {
    const result = await runCli([...args, '--db', db], {...asOther, env})
    expect(result.stderr, args.join(' ')).not.toMatch(/Error:/)
    expect(result.code === 0 || (args[0] === 'health' && result.code === 1), `${args.join(' ')}: ${result.stderr}`).toBe(true)
  })

  it('a writing command says what is wrong and what works instead', async () => {
    const write = await runCli(['run-background-jobs', '--db', db], {...asOther, env})
    expect(write.code).toBe(2)
    expect(write.stderr).toMatch(/is not writable; .*read-only commands \(health, jobs list, config check, \.\.\.\) work without writing/)
  })
})

describe('commands that only read', () => {
  it('never create a database: a clear error saying how to create one', async () => {
    const db = join(tmp.dir, 'new', 'dir', 'x.db')
    const health = await runInProcess(['health', '--db', db])
    expect(health.code).toBe(2)
    expect(health.stdout).toMatch(/database .*x\.db does not exist; create it with a writing command .* or `harbormaster db migrate`/)
    const list = await runInProcess(['jobs', 'list', '--db', db])
    expect(list.code).toBe(2)
    expect(list.stderr).toMatch(/^Error: database .*x\.db does not exist; create it with a writing command/)
    expect((await runInProcess(['config', 'check', '--db', db])).code).toBe(2)
    expect(existsSync(join(tmp.dir, 'new'))).toBe(false)
    // A writing command does create it.
    expect((await runInProcess(['db', 'migrate', '--db', db])).code).toBe(0)
    expect(existsSync(db)).toBe(true)
  })

  it('--db with an empty value is a usage error naming --db', async () => {
    const result = await runInProcess(['health', '--db', ''])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error: --db is empty; pass --db with the path of the database file/)
    expect(result.stderr).not.toMatch(/is a directory/)
  })
})

describe('--quiet', () => {
  it('prints nothing on a successful run; a lasting condition is warned about once per change of state', async () => {
    const db = firstUseDb(freshDb())
    const env = {HARBORMASTER_NOW: NOW}
    // As cron runs it, a process of its own: what cron would mail is all it writes.
    const first = await runCli(['run-background-jobs', '--quiet', '--db', db], {env})
    expect(first.code).toBe(0)
    expect(first.stdout).toBe('')
    // The first run learns the conditions: AIS from the shipped sample, NWS and Open-Meteo unreachable.
    // Each log line starts with its time (stderr is not a terminal here).
    expect(first.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^\S+Z WARNING AIS data is the shipped sample capture/),
      expect.stringMatching(/^\S+Z WARNING NWS alerts unavailable; storm zones come from the shipped capture/),
      expect.stringMatching(/^\S+Z WARNING Open-Meteo marine unavailable/),
    ])
    for (let i = 0; i < 2; i++) {
      const again = await runInProcess(['run-background-jobs', '--quiet', '--db', db], {env})
      expect(again).toMatchObject({code: 0, stdout: '', stderr: ''})
    }
    // Without --quiet the condition is still said, as INFO with the time it began.
    const loud = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db], {env})
    expect(loud.stderr).toMatch(/^\S+Z INFO AIS data is the shipped sample capture .*since=2026-11-24T12:00:00/m)
    expect(loud.stdout).toMatch(/vessel_positions/)
    // The condition changes (a capture file instead of the sample): warned again, once.
    const file = join(tmp.dir, 'capture.nmea')
    writeFileSync(file, readFileSync(capture))
    const live = await runInProcess(['run-background-jobs', '--job', 'vessels', '--quiet', '--db', db], {env: {...env, HARBORMASTER_AIS_SOURCE: `nmea-file:${file}`}})
    expect(live).toMatchObject({code: 0, stdout: '', stderr: ''})
    const back = await runInProcess(['run-background-jobs', '--job', 'vessels', '--quiet', '--db', db], {env})
    expect(back.stderr).toMatch(/^\S+Z WARNING AIS data is the shipped sample capture/m)
    expect((await runInProcess(['run-background-jobs', '--job', 'vessels', '--quiet', '--db', db], {env})).stderr).toBe('')
  })

  it('shows the report when the run fails, and never hides the data a listing was asked for', async () => {
    const db = freshDb()
    mkdirSync(join(db, '..'), {recursive: true})
    expect((await runInProcess(['db', 'migrate', '--db', db])).code).toBe(0)
    const list = await runInProcess(['jobs', 'list', '--quiet', '--db', db])
    expect(list.stdout).toMatch(/^job\s+schedule/)
    const health = await runInProcess(['health', '--quiet', '--db', db])
    expect(health.code).toBe(1)
    expect(health.stdout).toMatch(/overall: degraded/)
    const added = await runInProcess(['users', 'add', 'ada', '--role', 'ADMIN', '--quiet', '--db', db])
    expect(added.stdout).toMatch(/^API token \(shown once, store it now\): hm_/)
  })
})
