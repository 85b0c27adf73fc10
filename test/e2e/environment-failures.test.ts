// Failures of the machine, not of harbormaster: a damaged database (pages overwritten), a full disk, a
// port already in use, a directory where a file belongs, a database this user may not read. Each gets one
// clear line saying what to do, exit 1 when the machine failed during the work and 2 when what was passed
// cannot be used, and never "This is a bug". Each is a failure of a SQLite file (its pages, its disk, its
// folder, its permissions): on the PostgreSQL backend the damaged database, the only one made from a
// template, is skipped; a server's own disk and files are the server's.
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, closeSync, mkdirSync, openSync, writeSync} from 'node:fs'
import {createServer} from 'node:net'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {baseEnv, BIN, collect, count, runCli, tempDir, tracked, withDb, type CliResult} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {backend, firstUseDb} from '../helpers/template.js'

const NOW = '2026-11-24T12:00:00Z'
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')

/** One line on stderr, the exit code, and no bug wording. */
function expectOneClearLine(result: CliResult, code: 1 | 2, message: RegExp): void {
  expect(result.code, result.stderr).toBe(code)
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('Error:'))
  expect(errors, result.stderr).toHaveLength(1)
  expect(errors[0]).toMatch(message)
  expect(result.stderr).not.toMatch(/bug/i)
}

/** Overwrites pages of a database file (from `from` bytes into each), as a failing disk or a stray write would. */
function overwritePages(path: string, pages: number[], from = 0): void {
  const fd = openSync(path, 'r+')
  try {
    for (const page of pages) writeSync(fd, Buffer.alloc(4096 - from, 0x5a), 0, 4096 - from, (page - 1) * 4096 + from)
  } finally {
    closeSync(fd)
  }
}

/** A database with the shipped data and a backup, its write-ahead log folded in so the file is complete. */
async function populated(): Promise<{db: string; backup: string}> {
  const db = firstUseDb(freshDb())
  expect((await runInProcess(['run-background-jobs', '--db', db], {env: {HARBORMASTER_NOW: NOW}})).code).toBe(0)
  // Backup runs after the usage report (its dependency).
  expect((await runInProcess(['usage-report', '--db', db], {env: {HARBORMASTER_NOW: NOW}})).code).toBe(0)
  const backup = await runInProcess(['db', 'backup', '--json', '--db', db], {env: {HARBORMASTER_NOW: NOW}})
  expect(backup.code, backup.stderr).toBe(0)
  withDb(db, (d) => d.pragma('wal_checkpoint(TRUNCATE)'))
  return {db, backup: JSON.parse(backup.stdout).summary.file}
}

describe.skipIf(backend() === 'postgres')('a damaged database', () => {
  it('db maintain reports what the integrity check found and the backup to restore, writing nothing', async () => {
    const {db, backup} = await populated()
    // The second half of a few leaf pages of the ports table overwritten: the file opens, the check finds the damage.
    const leaves = withDb(db, (d) => (d.prepare(`SELECT pageno FROM dbstat WHERE name = 'ports' AND pagetype = 'leaf' ORDER BY pageno`).all() as Array<{pageno: number}>).map((r) => r.pageno))
    overwritePages(db, leaves.slice(5, 8), 2048)
    const maintain = await runInProcess(['db', 'maintain', '--db', db])
    expectOneClearLine(maintain, 1, /database .* failed its integrity check: .*page/)
    expect(maintain.stderr).toContain(`harbormaster db restore ${backup} --yes`)
    const json = await runInProcess(['db', 'maintain', '--json', '--db', db])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).error).toMatchObject({message: expect.stringMatching(/failed its integrity check/), hint: expect.stringContaining('db restore'), exit_code: 1})
    // Nothing was written: not even a job_runs row for the maintenance that did not run.
    const runs = await runInProcess(['jobs', 'history', '--job', 'maintain', '--json', '--db', db])
    expect(JSON.parse(runs.stdout).runs).toEqual([])
    // Work that reads the damaged pages stops with the same advice.
    const force = await runInProcess(['ensure-fallback-data', '--force', '--db', db])
    expectOneClearLine(force, 1, /database .* is damaged \(SQLITE_CORRUPT\); see what `harbormaster db maintain` reports, then restore the last good backup/)
  })

  it('every command, read-only or writing, names the damage and the fix; db restore repairs it', async () => {
    const {db, backup} = await populated()
    const pages = withDb(db, (d) => d.pragma('page_count', {simple: true}) as number)
    overwritePages(db, Array.from({length: pages - 1}, (_, i) => i + 2))
    expectOneClearLine(await runInProcess(['jobs', 'list', '--db', db]), 1, /database .* is damaged \(SQLITE_CORRUPT\)/)
    expectOneClearLine(await runInProcess(['run-background-jobs', '--db', db]), 1, /database .* is damaged \(SQLITE_CORRUPT\)/)
    expectOneClearLine(await runInProcess(['db', 'maintain', '--db', db]), 1, /failed its integrity check/)
    const health = await runInProcess(['health', '--json', '--db', db])
    expect(health.code).toBe(2)
    expect(JSON.parse(health.stdout).components.database.reason).toMatch(/is damaged \(SQLITE_CORRUPT\).*db restore/)
    const restored = await runInProcess(['db', 'restore', backup, '--yes', '--db', db])
    expect(restored.code, restored.stderr).toBe(0)
    expect((await runInProcess(['db', 'maintain', '--db', db])).code).toBe(0)
    expect(count(db, 'SELECT count(*) FROM ports')).toBe(3766)
  })
})

describe('a full disk', () => {
  it('a write that does not fit says so, rolls back whole and leaves the database intact', async () => {
    const dir = join(tmp.dir, 'small-disk')
    mkdirSync(dir)
    let mounted = false
    try {
      if (process.env.HARBORMASTER_TEST_NO_MOUNT) throw new Error('the file size limit was asked for')
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', dir], {stdio: 'ignore'})
      mounted = true
    } catch {
      // Not root (or no mount permission): a file size limit stops the writes instead of the disk.
    }
    try {
      const db = join(dir, 'harbormaster.db')
      expect((await runInProcess(['db', 'migrate', '--db', db])).code).toBe(0)
      const fill = (json: boolean) =>
        mounted
          ? runInProcess(['ensure-fallback-data', ...(json ? ['--json'] : []), '--db', db])
          : collect(tracked(spawn('/bin/sh', ['-c', 'ulimit -f 600; exec "$@"', 'sh', process.execPath, BIN, 'ensure-fallback-data', ...(json ? ['--json'] : []), '--db', db], {env: baseEnv()})))
      const full = await fill(false)
      expectOneClearLine(full, 1, mounted ? /no space left writing database .* \(SQLITE_FULL\).*rolled back; free space/ : /writing database .* failed \(SQLITE_IOERR_WRITE\).*rolled back; check free space/)
      const json = await fill(true)
      expect(json.code).toBe(1)
      expect(JSON.parse(json.stdout).error.exit_code).toBe(1)
      // Whole or nothing: the ports transaction was rolled back, the file is sound.
      withDb(db, (d) => {
        expect(d.pragma('integrity_check', {simple: true})).toBe('ok')
        expect((d.prepare('SELECT count(*) AS n FROM ports').get() as {n: number}).n).toBe(0)
      })
    } finally {
      if (mounted) execFileSync('umount', ['-l', dir], {stdio: 'ignore'})
    }
  })
})

describe('a port already in use', () => {
  it('serve exits 1 naming the address and what to do', async () => {
    const db = freshDb()
    expect((await runInProcess(['db', 'migrate', '--db', db])).code).toBe(0)
    const other = createServer()
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const port = (other.address() as AddressInfo).port
    try {
      const serve = await runInProcess(['serve', '--port', String(port), '--db', db])
      expectOneClearLine(serve, 1, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use \\(EADDRINUSE\\); stop the other server on it, or pass --port`))
      const json = await runInProcess(['serve', '--port', String(port), '--json', '--db', db])
      expect(JSON.parse(json.stdout).error).toMatchObject({message: expect.stringContaining('EADDRINUSE'), exit_code: 1})
    } finally {
      other.close()
    }
  })
})

describe('a directory where a file belongs', () => {
  it('ais decode, --db and the log file name the directory and exit 2', async () => {
    const dir = join(tmp.dir, 'a-directory')
    mkdirSync(dir)
    expectOneClearLine(await runInProcess(['ais', 'decode', dir]), 2, /NMEA file .*a-directory is a directory; pass the path of a capture file/)
    expectOneClearLine(await runInProcess(['jobs', 'list', '--db', dir]), 2, /database .*a-directory is a directory/)
    const db = freshDb()
    const logged = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db], {env: {HARBORMASTER_LOG_FILE: dir}})
    expectOneClearLine(logged, 2, /a-directory is a directory, not a file \(EISDIR\); pass the path of a file/)
  })
})

describe('a database this user may not read', () => {
  let db: string
  // As root, permissions do not apply: the commands run as nobody (with a home it may read).
  const asOther = process.getuid?.() === 0 ? {uid: 65_534, gid: 65_534, env: {HOME: tmp.dir}} : {}

  beforeAll(async () => {
    db = freshDb()
    expect((await runCli(['db', 'migrate', '--db', db])).code).toBe(0)
    chmodSync(join(db, '..'), 0o755)
    chmodSync(tmp.dir, 0o755)
    chmodSync(db, 0o000)
  })

  it('read-only commands say so with the fix (exit 2); health reports it as unhealthy', async () => {
    expectOneClearLine(await runCli(['jobs', 'list', '--db', db], asOther), 2, /permission denied on .*harbormaster\.db \(EACCES\); fix its permissions/)
    const health = await runCli(['health', '--json', '--db', db], asOther)
    expect(health.code).toBe(2)
    expect(JSON.parse(health.stdout).components.database.reason).toMatch(/permission denied .*EACCES/)
  })
})
