// What the log looks like to cron mail, log shippers and log files, through the real CLI: text lines with
// their ISO time off a terminal, --log-format json (and HARBORMASTER_LOG_FORMAT) as one object per line, the
// log file in JSON lines, serve's access log in the commands' format, and nothing lost when a run that logs
// a lot ends or is stopped by a signal.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {piraeusSentences, tagBlock} from '../helpers/captures.js'
import {count, runCli, tempDir, type WatchedCli, watchCli} from '../helpers/cli.js'
import {startNmeaTcpServer} from '../helpers/feeds.js'
import {firstUseDb} from '../helpers/template.js'

const NOW = '2026-11-24T12:00:00Z'
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const TEXT_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO|WARNING|ERROR) \S/
const tmp = tempDir()
afterAll(() => tmp.cleanup())
const processes: WatchedCli[] = []
afterEach(() => {
  for (const run of processes.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
})
let n = 0
const freshDb = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')
/** A database whose shipped ports and zones are loaded (what a first run loads before its jobs). */
const loadedDb = () => firstUseDb(freshDb())
const lines = (text: string) => text.split('\n').filter(Boolean)

interface LogRecord {
  level: string
  time: string
  msg: string
  pid: number
  hostname: string
  [field: string]: unknown
}
const records = (text: string) => lines(text).map((l) => JSON.parse(l) as LogRecord)

/** Every record is one object with a level word, an ISO time that is a real instant, and a message. */
function expectRecords(all: LogRecord[]): void {
  for (const r of all) {
    expect(['debug', 'info', 'warn', 'error']).toContain(r.level)
    expect(r.time).toMatch(ISO)
    expect(new Date(r.time).toISOString()).toBe(r.time)
    expect(typeof r.msg).toBe('string')
    expect(typeof r.pid).toBe('number')
  }
}

describe('formats', () => {
  it('off a terminal each text line starts with its ISO time and the level word; the log file gets JSON lines from DEBUG up', async () => {
    const log = join(tmp.dir, 'text', 'harbormaster.jsonl')
    const result = await runCli(['run-background-jobs', '--job', 'vessels', '--db', loadedDb()], {env: {HARBORMASTER_NOW: NOW, HARBORMASTER_LOG_FILE: log}})
    expect(result.code, result.stderr).toBe(0)
    const shown = lines(result.stderr)
    expect(shown.length).toBeGreaterThan(3)
    for (const line of shown) {
      const match = TEXT_LINE.exec(line)
      expect(match, line).not.toBeNull()
      expect(new Date(match![1]).toISOString()).toBe(match![1])
    }
    // A child logger's bindings come after the message, with the call's own fields.
    expect(result.stderr).toMatch(/^\S+Z WARNING AIS data is the shipped sample capture \(emergency, 2023\) \(job=vessels\)$/m)
    expect(result.stderr).toMatch(/^\S+Z INFO sample: 84 positions stored, 43 vessels updated \(job=vessels, source=emergency\)$/m)
    expect(result.stderr).not.toMatch(/DEBUG/)
    // The file has what stderr showed, as JSON, and the DEBUG records stderr left out.
    const file = records(readFileSync(log, 'utf8'))
    expectRecords(file)
    expect(file.some((r) => r.level === 'debug' && r.msg === 'started' && r.job === 'vessels')).toBe(true)
    expect(file.filter((r) => r.level !== 'debug')).toHaveLength(shown.length)
    expect(file.find((r) => r.msg === 'AIS data is the shipped sample capture (emergency, 2023)')).toMatchObject({level: 'warn', job: 'vessels'})
  })

  it('--log-format json: one JSON object per line on stderr, with level, ISO time, message and bindings; failures too', async () => {
    const db = loadedDb()
    const result = await runCli(['run-background-jobs', '--job', 'vessels', '--verbose', '--log-format', 'json', '--db', db], {env: {HARBORMASTER_NOW: NOW}})
    expect(result.code, result.stderr).toBe(0)
    const all = records(result.stderr)
    expect(all.length).toBeGreaterThan(5)
    expectRecords(all)
    expect(all.find((r) => r.msg === 'started')).toMatchObject({level: 'debug', job: 'vessels', run: 1, attempt: 1})
    expect(all.find((r) => /positions stored, 43 vessels updated/.test(r.msg))).toMatchObject({level: 'info', job: 'vessels', source: 'emergency'})
    expect(result.stdout).toMatch(/all jobs succeeded/)
    // The failure of a command is a record too, so a log shipper reads every line.
    const failed = await runCli(['jobs', 'list', '--log-format', 'json', '--db', join(tmp.dir, 'missing', 'x.db')])
    expect(failed.code).toBe(2)
    const [error] = records(failed.stderr)
    expect(records(failed.stderr)).toHaveLength(1)
    expect(error).toMatchObject({level: 'error', exit_code: 2, msg: expect.stringMatching(/x\.db does not exist/), hint: expect.stringMatching(/db migrate/)})
  })

  it('a log file that cannot be written (a full disk) is said once on stderr, and the run goes on', async () => {
    const result = await runCli(['run-background-jobs', '--job', 'vessels', '--db', loadedDb()], {env: {HARBORMASTER_NOW: NOW, HARBORMASTER_LOG_FILE: '/dev/full'}})
    expect(result.code, result.stderr).toBe(0)
    const said = lines(result.stderr).filter((l) => /log file cannot be written/.test(l))
    expect(said).toEqual([expect.stringMatching(/^\S+Z WARNING log file cannot be written; logging to stderr only \(error=ENOSPC, file=\/dev\/full\)$/)])
    expect(result.stdout).toMatch(/all jobs succeeded/)
  })

  it('HARBORMASTER_LOG_FORMAT sets the format; the flag wins; config check shows where it came from; a bad value is refused', async () => {
    const db = loadedDb()
    const env = {HARBORMASTER_NOW: NOW, HARBORMASTER_LOG_FORMAT: 'json'}
    const json = await runCli(['run-background-jobs', '--job', 'vessels', '--db', db], {env})
    expect(json.code, json.stderr).toBe(0)
    expectRecords(records(json.stderr))
    const text = await runCli(['run-background-jobs', '--job', 'vessels', '--log-format', 'text', '--db', db], {env})
    expect(text.code, text.stderr).toBe(0)
    expect(lines(text.stderr).length).toBeGreaterThan(0)
    for (const line of lines(text.stderr)) expect(line).toMatch(TEXT_LINE)
    const check = await runCli(['config', 'check', '--json', '--db', db], {env})
    expect(JSON.parse(check.stdout).settings.log_format).toMatchObject({env: 'HARBORMASTER_LOG_FORMAT', value: 'json', from: 'environment'})
    const flagged = await runCli(['config', 'check', '--json', '--log-format', 'text', '--db', db], {env})
    expect(JSON.parse(flagged.stdout).settings.log_format).toMatchObject({value: 'text', from: 'flag'})
    const bad = await runCli(['jobs', 'list', '--db', db], {env: {HARBORMASTER_LOG_FORMAT: 'xml'}})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/HARBORMASTER_LOG_FORMAT="xml" is invalid/)
  })
})

describe("serve's access log", () => {
  async function serve(args: string[], env: Record<string, string>) {
    const db = freshDb()
    const run = watchCli(['serve', '--port', '0', '--db', db, ...args], {env: {HARBORMASTER_NOW: NOW, ...env}})
    processes.push(run)
    const [, base] = await run.stderrMatching(/listening on (http:\/\/[\d.:]+)/)
    const health = await fetch(`${base}/api/system/health/`)
    expect(health.status).toBe(200)
    // A credential put in a query string stays out of the log.
    expect((await fetch(`${base}/api/system/health/?access_token=query-secret-4711abc`)).status).toBe(200)
    await run.stderrMatching(/access_token=/)
    run.child.kill('SIGTERM')
    const result = await run.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toContain('query-secret-4711abc')
    return result
  }

  it('is in the commands\' JSON format with --log-format json, on stderr and in the log file', async () => {
    const log = join(tmp.dir, 'serve', 'harbormaster.jsonl')
    const result = await serve(['--log-format', 'json'], {HARBORMASTER_LOG_FILE: log})
    const all = records(result.stderr)
    expectRecords(all)
    const access = all.filter((r) => r.msg === 'request completed')
    expect(access).toHaveLength(2)
    expect(access[0]).toMatchObject({
      level: 'info',
      reqId: expect.any(String),
      req: {method: 'GET', url: '/api/system/health/', remote_address: '127.0.0.1'},
      res: {statusCode: 200},
      responseTime: expect.any(Number),
    })
    expect(access[1].req).toMatchObject({url: '/api/system/health/?access_token=********'})
    // The server's own lines are records of the same logger: where it listens, and that it stopped.
    expect(all.find((r) => /^harbormaster API listening on http:/.test(r.msg))).toMatchObject({level: 'info'})
    expect(all.find((r) => r.msg === 'harbormaster API stopped')).toMatchObject({level: 'info', requests_abandoned: 0})
    // One process, one logger: the same envelope on every record.
    expect(new Set(all.map((r) => `${r.pid}@${r.hostname}`)).size).toBe(1)
    const file = records(readFileSync(log, 'utf8'))
    expect(file.filter((r) => r.msg === 'request completed').map((r) => (r.req as {url: string}).url)).toEqual(access.map((r) => (r.req as {url: string}).url))
    expect(readFileSync(log, 'utf8')).not.toContain('query-secret-4711abc')
  })

  it('is in the commands\' text format by default: the time, INFO, the message, the fields', async () => {
    const result = await serve([], {})
    for (const line of lines(result.stderr)) expect(line).toMatch(TEXT_LINE)
    expect(result.stderr).toMatch(
      /^\S+Z INFO request completed \(reqId=\S+, req=\{"method":"GET","url":"\/api\/system\/health\/","hostname":"[\d.:]+","remote_address":"127\.0\.0\.1"\}, res=\{"statusCode":200\}, responseTime=[\d.]+\)$/m,
    )
    expect(result.stderr).toMatch(/"url":"\/api\/system\/health\/\?access_token=\*{8}"/)
  })
})

describe('nothing is lost', () => {
  // A capture that makes the vessels job log a DEBUG line for each of many numbered bad lines, between
  // real sentences (so the ingest commits batches as it goes): megabytes of log, more than a pipe holds.
  const BAD_LINES = 30_000
  let capture: string
  const noisy: string[] = []
  beforeAll(() => {
    const sentences = piraeusSentences()
    const first = Math.floor(Date.parse(NOW) / 1000) - 10 * BAD_LINES
    for (let i = 1; i <= BAD_LINES; i++) {
      noisy.push(`${tagBlock(first + i)}${sentences[i % sentences.length]}`)
      noisy.push(`garbage line ${i}`)
    }
    capture = join(tmp.dir, 'noisy.nmea')
    writeFileSync(capture, `${noisy.join('\n')}\n`)
  })
  /** The numbers of the bad lines logged as rejected, in the order logged (text: `line=…`; JSON: `"line":"…"`). */
  const rejectedNumbers = (text: string) => [...text.matchAll(/(?:line=|"line":")garbage line (\d+)\b/g)].map((m) => Number(m[1]))
  const oneToN = (numbers: number[]) => numbers.length > 0 && numbers.every((v, i) => v === i + 1)

  it('a run that logs a line per bad input line and exits: every line on stderr and in the log file, in order', async () => {
    const log = join(tmp.dir, 'noisy', 'harbormaster.jsonl')
    const db = loadedDb()
    const result = await runCli(['run-background-jobs', '--job', 'vessels', '--verbose', '--db', db], {
      env: {HARBORMASTER_NOW: NOW, HARBORMASTER_AIS_SOURCE: `nmea-file:${capture}`, HARBORMASTER_LOG_FILE: log},
    })
    expect(result.code, result.stderr.slice(-2000)).toBe(0)
    const shown = rejectedNumbers(result.stderr)
    expect(shown).toHaveLength(BAD_LINES)
    expect(oneToN(shown)).toBe(true)
    for (const line of lines(result.stderr)) expect(line).toMatch(TEXT_LINE)
    // The lines logged last, after all of them, are there too.
    expect(lines(result.stderr).at(-1)).toMatch(/INFO finished in [\d.]+ s \(job=vessels, run=1\)$/)
    const file = readFileSync(log, 'utf8')
    const inFile = records(file)
    expect(rejectedNumbers(file)).toEqual(shown)
    expect(inFile.at(-1)).toMatchObject({level: 'info', job: 'vessels', msg: expect.stringMatching(/^finished in/)})
    expect(count(db, `SELECT count(*) FROM vessel_positions WHERE source = 'live'`)).toBeGreaterThan(0)
  })

  it('a run stopped by SIGTERM while it reads a feed: every rejection it counted is logged, on stderr and in the log file', async () => {
    // The receiver's feed pours the noisy lines in and stays open; the run would read it for two minutes.
    const feed = await startNmeaTcpServer(noisy, {intervalMs: 1, perWrite: 2000})
    try {
      const log = join(tmp.dir, 'stopped', 'harbormaster.jsonl')
      const run = watchCli(['run-background-jobs', '--job', 'vessels', '--verbose', '--log-format', 'json', '--duration', '120', '--db', loadedDb()], {
        env: {HARBORMASTER_NOW: NOW, HARBORMASTER_AIS_SOURCE: `nmea-tcp:127.0.0.1:${feed.port}`, HARBORMASTER_LOG_FILE: log},
      })
      processes.push(run)
      await run.stderrMatching(/"line":"garbage line 1\b/)
      run.child.kill('SIGTERM')
      const result = await run.done
      expect(result.code, result.stderr.slice(-2000)).toBe(143)
      const all = records(result.stderr)
      expectRecords(all)
      expect(all.some((r) => r.level === 'warn' && /^SIGTERM received/.test(r.msg))).toBe(true)
      // The run's own count of what it rejected, logged after the signal, matches the lines logged one by one.
      const read = all.find((r) => r.msg === 'AIS source read')
      expect(read).toMatchObject({provider: 'nmea-tcp', decode_rejected: expect.any(Number)})
      const rejections = (list: LogRecord[]) => list.filter((r) => r.msg.startsWith('AIS line rejected')).map((r) => r.line)
      const shown = rejections(all)
      expect(shown).toHaveLength(read!.decode_rejected as number)
      // Every whole bad line the feed sent up to the stop, in order (the stop may cut the last line read short).
      const whole = shown.map((line) => /^garbage line (\d+)\r$/.exec(String(line))?.[1]).filter((n) => n !== undefined).map(Number)
      expect(whole.length).toBeGreaterThanOrEqual(shown.length - 1)
      expect(oneToN(whole)).toBe(true)
      expect(rejections(records(readFileSync(log, 'utf8')))).toEqual(shown)
      // The runner's last word on the run, logged as the process ends, made it out too.
      expect(all.at(-1)).toMatchObject({level: 'warn', job: 'vessels', msg: 'stopped: stopped by SIGTERM'})
    } finally {
      await feed.close()
    }
  })
})
