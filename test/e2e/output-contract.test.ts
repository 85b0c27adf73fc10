// Every command's real --json output checked against its schema (src/schemas/commands.ts): all fields
// declared and none left over, keys in snake_case, times in ISO 8601 UTC; and their output for people is
// tables and sentences, never a JSON blob. The commands run in-process
// through oclif (as bin/run.js runs them, on the built code) against one database holding real data: the
// shipped datasets, a congested port with its watchers, alert rules, job runs of every kind.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {COMMAND_IDS, type CommandId} from '../../src/schemas/commands.js'
import {placeReports, placeSnapshots, track} from '../helpers/arrange.js'
import {ROOT, tempDir, watchCli, withDb} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {runInProcess} from '../helpers/in-process.js'
import {seededDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const HOUR = 3_600_000
const env = {HARBORMASTER_NOW: new Date(NOW).toISOString()}
const tmp = tempDir()
const db = seededDb(join(tmp.dir, 'harbormaster.db'))
const checked = new Set<CommandId>()

afterAll(() => tmp.cleanup())

/** The command id at the start of `args` (the longest that is one). */
function commandOf(args: string[]): CommandId {
  for (let n = Math.min(args.length, 3); n > 0; n--) {
    const id = args.slice(0, n).join(' ')
    if ((COMMAND_IDS as string[]).includes(id)) return id as CommandId
  }
  throw new Error(`no command in ${args.join(' ')}`)
}

/** Runs a command with --json in-process; returns what it printed, after checking it against the schema. */
async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  return jsonWith<T>({}, ...args)
}

/** As json, with settings of its own on top of the test's. */
async function jsonWith<T = Record<string, unknown>>(settings: Record<string, string>, ...args: string[]): Promise<T> {
  const id = commandOf(args)
  const result = await runInProcess([...args, '--json', '--db', db], {env: {...env, ...settings}})
  // Commands report through the exit code (health degraded: 1); the test reads the document instead.
  expect([0, 1], `${args.join(' ')}: ${result.stderr}`).toContain(result.code)
  const documents = id === 'ais decode' ? result.stdout.trim().split('\n') : [result.stdout]
  const parsed = documents.map((text) => JSON.parse(text) as unknown)
  expect(parsed.flatMap((document) => contractProblems(id, document)), args.join(' ')).toEqual([])
  checked.add(id)
  return parsed[0] as T
}

/** Runs a command for people (no --json) in-process; returns what it printed on stdout. */
async function text(...args: string[]): Promise<string> {
  const result = await runInProcess([...args, '--db', db], {env})
  expect([0, 1], `${args.join(' ')}: ${result.stderr}`).toContain(result.code)
  return result.stdout
}

/** Lines that look like JSON: an object or array literal, or a quoted key. */
const jsonLike = (stdout: string) => stdout.split('\n').filter((line) => /^\s*[[{]/.test(line) || /"[a-z_]+":/.test(line) || /\{"|\[\{/.test(line))

describe('--json output of every command against its schema', () => {
  let port: {id: number; lat: number; lon: number}

  it('loads the shipped data, users and their watches', async () => {
    await json('ensure-fallback-data')
    await json('db', 'migrate')
    await json('users', 'add', 'harbour-master', '--role', 'OPERATOR')
    await json('users', 'add', 'captain', '--role', 'VIEWER', '--webhook', 'http://127.0.0.1:9/hook')
    await json('watch', 'add', '--user', 'harbour-master', '--port', 'BGVAR')
    await json('watch', 'add', '--user', 'captain', '--port', 'BGVAR')
    await json('watch', 'add', '--user', 'captain', '--area', '27.5,42.5,28.5,43.5')
    await json('watch', 'add', '--user', 'captain', '--vessel', '244000001')
    const users = await json<{users: unknown[]}>('users', 'list')
    expect(users.users).toHaveLength(2)
    expect((await json<{watches: unknown[]}>('watch', 'list')).watches).toHaveLength(4)
  })

  it('congestion at Varna: job runs, events, zones and the port report', async () => {
    port = withDb(db, (d) => d.prepare(`SELECT id, lat, lon FROM ports WHERE unlocode = 'BGVAR'`).get()) as typeof port
    // Four days of one ship waiting (the baseline), then nine cargo ships at anchor and two at the berths.
    placeSnapshots(db, Array.from({length: 16}, (_, k) => ({portId: port.id, observedAt: NOW - 4 * 86_400_000 + k * 6 * HOUR, waiting: 1})))
    const anchored = (k: number) => ({lat: port.lat + (7 / 111) * Math.sin((2 * Math.PI * k) / 9), lon: port.lon + (7 / 80) * Math.cos((2 * Math.PI * k) / 9)})
    placeReports(db, [
      ...Array.from({length: 9}, (_, k) => track({mmsi: 244000000 + k, ...anchored(k), sog: 0.2, navStatus: 1, shipType: 70}, NOW - 2 * HOUR, NOW, 20 * 60_000)).flat(),
      ...Array.from({length: 2}, (_, k) => track({mmsi: 244000100 + k, lat: port.lat + 0.01 * k, lon: port.lon, sog: 0, navStatus: 5, shipType: 80}, NOW - 2 * HOUR, NOW, 20 * 60_000)).flat(),
    ])
    const ports = await json<{summary: {levels: {severe: number}}}>('jobs', 'run', 'ports', '--force')
    expect(ports.summary.levels.severe).toBe(1)
    const dry = await json<{created: unknown[]}>('check-events', '--dry-run')
    expect(dry.created.length).toBeGreaterThan(0)
    const check = await json<{created: unknown[]; notifications_created: number}>('check-events')
    expect(check.created.length).toBeGreaterThan(0)
    expect(check.notifications_created).toBeGreaterThan(0)
    const summary = await json<{jobs: Record<string, unknown>}>('run-background-jobs')
    expect(Object.keys(summary.jobs)).toEqual(['vessel_positions', 'port_congestion', 'safety_events'])
    await json('run-background-jobs', '--job', 'ports')

    const report = await json<{ports: Array<{unlocode: string; level: string}>}>('ports', 'congestion')
    expect(report.ports.find((p) => p.unlocode === 'BGVAR')?.level).toBe('severe')
    await json('ports', 'congestion', '--port', 'BGVAR', '--format', 'geojson')
    await json('run-background-jobs', '--job', 'behaviour')
    const visits = await json<{calls: Array<{unlocode: string | null}>}>('ports', 'calls', '--all')
    expect(visits.calls.some((c) => c.unlocode === 'BGVAR')).toBe(true)
    await json('ports', 'calls', 'BGVAR')
    const events = await json<{events: Array<{type: string}>}>('events', 'list')
    expect(events.events.map((e) => e.type)).toContain('congestion')
    await json('events', 'list', '--format', 'geojson')
    const zones = await json<{zones: Array<{kind: string}>}>('zones', 'list')
    expect(new Set(zones.zones.map((z) => z.kind))).toEqual(new Set(['storm', 'piracy', 'congestion']))
    await json('zones', 'list', '--type', 'congestion', '--format', 'geojson')
    await json('vessels', 'show', '244000001')
    const inPort = await json<{vessels: Array<{mmsi: number}>}>('vessels', 'list', '--in-port', 'BGVAR', '--type', 'cargo')
    expect(inPort.vessels).toHaveLength(9)
    await json('vessels', 'list', '--bbox', '27.5,42.5,28.5,43.5', '--since', '24h')
    await json('vessels', 'track', '244000001')
    await json('vessels', 'track', '244000001', '--format', 'geojson')
  })

  it('report: the files written and the figures of its tables', async () => {
    const written = await json<{files: unknown[]; congested_ports: Array<{unlocode: string}>}>('report', '--out', join(tmp.dir, 'report'))
    expect(written.files).toHaveLength(3)
    expect(written.congested_ports[0].unlocode).toBe('BGVAR')
    expect((await json<{markdown: string}>('report', '--format', 'md')).markdown).toContain('| Varna | BGVAR |')
  })

  it('alert rules and the alert worker', async () => {
    await json('alerts', 'add', '--metric', 'port.vessels_waiting', '--target', 'port:BGVAR', '--operator', '>', '--threshold', '5', '--severity', 'high')
    await json('alerts', 'add', '--metric', 'job.consecutive_failures', '--target', 'all', '--operator', '>=', '--threshold', '3', '--name', 'failing')
    expect((await json<{rules: unknown[]}>('alerts', 'list')).rules).toHaveLength(2)
    const plan = await json<{would_open: unknown[]}>('alert-worker', '--dry-run')
    expect(plan.would_open.length).toBeGreaterThan(0)
    expect(await json('alert-worker', '--once')).toMatchObject({cycles: 1, triggered: 1})
    await json('alert-worker', '--config-check')
    await json('alerts', 'disable', '2')
    await json('alerts', 'enable', '2')
    await json('alerts', 'remove', '2')
  })

  it('the runner: jobs, history, schedules, pauses, maintenance', async () => {
    // The usage report first: backup runs after it (its dependency).
    await json('usage-report')
    await json('db', 'backup')
    await json('db', 'maintain')
    await json('db', 'copy', '--from', db, '--to', join(tmp.dir, 'copy.db'))
    await json('cleanup')
    await json('usage-report')
    await json('providers', 'probe')
    await json('vessels', 'profiles', 'refresh', '--force')
    await json('weekly-summary')
    await json('db', 'archive')
    await json('jobs', 'run', 'vessels')
    await json('jobs', 'run-due')
    const pauses = await json<{pauses: unknown[]}>('jobs', 'pause', 'safety', '--reason', 'maintenance')
    expect(pauses.pauses).toHaveLength(1)
    expect((await json<{status: string}>('jobs', 'run', 'safety')).status).toBe('skipped')
    await json('jobs', 'resume', 'safety')
    const history = await json<{runs: Array<{job: string}>}>('jobs', 'history', '--limit', '200')
    expect(new Set(history.runs.map((r) => r.job))).toEqual(
      new Set(['vessels', 'ports', 'behaviour', 'safety', 'check-events', 'backup', 'maintain', 'cleanup', 'usage-report', 'health-check', 'profile-refresh', 'quota-monitor', 'quota-reset', 'weekly-summary', 'archive']),
    )
    await json('jobs', 'list')
    await json('schedule', 'list')
    await json('schedule', 'crontab')
    // Seven months on, November's positions and notifications are past retention: archived, then restored (all there already).
    const later = {HARBORMASTER_ARCHIVE: 'on', HARBORMASTER_NOW: '2027-06-20T02:00:00.000Z'}
    const archived = await jsonWith<{summary: {months: Array<{month: string}>}}>(later, 'db', 'archive')
    expect(archived.summary.months.map((m) => m.month)).toContain('2026-11')
    await json('db', 'archive', 'list')
    const restored = await jsonWith<{inserted: number}>(later, 'db', 'archive', 'restore', '2026-11')
    expect(restored.inserted).toBe(0)
  })

  it('for people: job outcomes and summaries as sentences and tables, no JSON', async () => {
    const outputs: Record<string, string> = {
      vessels: await text('jobs', 'run', 'vessels'),
      ports: await text('jobs', 'run', 'ports', '--force'),
      safety: await text('jobs', 'run', 'safety'),
      backup: await text('db', 'backup'),
      maintain: await text('db', 'maintain'),
      cleanup: await text('cleanup'),
      usage: await text('usage-report'),
      probes: await text('providers', 'probe'),
      profiles: await text('vessels', 'profiles', 'refresh', '--force'),
      seed: await text('run-background-jobs'),
      rules: await text('alerts', 'list'),
      plan: await text('alert-worker', '--dry-run'),
      providers: await text('providers', 'status'),
      schemas: await text('schema'),
      history: await text('jobs', 'history'),
    }
    for (const [name, stdout] of Object.entries(outputs)) expect(jsonLike(stdout), `${name}:\n${stdout}`).toEqual([])
    expect(outputs.vessels).toMatch(/^vessels: success in [\d.]+ s\n\d+ vessels updated, \d+ positions stored, \d+ duplicates.* from \d+ messages \(sample, emergency data observed 2023-/)
    expect(outputs.ports).toMatch(/^\d+ ports: \d+ with data \(0 elevated, 0 high, 1 severe, .*\n^stops: \d+ started, \d+ ended, \d+ open/m)
    expect(outputs.safety).toMatch(/^zones\s+source\s+observed at\s+created\s+updated\s+unchanged\s+deactivated$/m)
    expect(outputs.safety).toMatch(/^piracy\s+emergency\s+2022-/m)
    expect(outputs.safety).toMatch(/^port sea state: 0 of \d+ ports \(no_data\); webhooks: 0 sent, \d+ failed, \d+ queued for retry, \d+ pending$/m)
    expect(outputs.backup).toMatch(/^wrote .*harbormaster-\d{8}T\d{6}Z\.db \(\d+ bytes, integrity ok\); \d+ old backups? deleted, \d+ kept$/m)
    expect(outputs.maintain).toMatch(/^integrity ok; \d+ bytes before, \d+ after: -?\d+ reclaimed$/m)
    expect(outputs.probes).toMatch(/^health-check: success in [\d.]+ s\n\d+ up, \d+ down, 0 skipped\n^target\s+status\s+response ms\s+detail$/m)
    expect(outputs.cleanup).toMatch(/^table\s+rows deleted\n(.*\n)*vessel_positions\s+\d+$/m)
    expect(outputs.usage).toMatch(/^provider\s+requests\s+quota\s+failed over$/m)
    expect(outputs.usage).toMatch(/^job\s+runs\s+failed\s+skipped\s+avg s\s+max s\s+median s \(7 d\)$/m)
    expect(outputs.seed).toMatch(/^port_congestion\s+ok\s+0\s+live/m)
    expect(outputs.rules).toMatch(/^1\s+yes\s+high\s+port\.vessels_waiting of port \d+ > 5\s+-$/m)
    expect(outputs.schemas).toMatch(/^alerts list\s+one document\s+List alert rules\.$/m)
  })

  it('the queue: enqueue, a worker draining it, lists, stats, retries, pauses, workers', async () => {
    const failing = await json<{id: string}>('queue', 'enqueue', 'system:canary', '--payload', '{"fail_until_attempt": "always"}', '--max-retries', '0')
    const done = await json<{id: string}>('queue', 'enqueue', 'system:canary', '--unique-key', 'contract', '--unique-for', '1h')
    expect(await json('queue', 'enqueue', 'system:canary', '--unique-key', 'contract')).toMatchObject({id: done.id, duplicate: true})
    await json('queue', 'enqueue', 'system:canary', '--in', '2h')
    await json('worker', '--drain')
    // (The seed runs above queued work of their own: the new vessels' analyses and identity checks.)
    expect((await json<{jobs: unknown[]}>('queue', 'list', '--type', 'system:canary')).jobs).toHaveLength(3)
    await json('queue', 'list')
    expect(await json('queue', 'show', failing.id)).toMatchObject({state: 'dead'})
    await json('queue', 'show', done.id)
    await json('queue', 'stats')
    await json('queue', 'pause', 'analysis', '--reason', 'contract')
    await json('queue', 'resume', 'analysis')
    expect(await json('queue', 'retry', '--all-dead')).toEqual({retried: [failing.id]})
    await json('queue', 'delete', failing.id)
    await json('queue', 'purge', '--state', 'completed', '--older-than', '7d')
    await json('workers', 'list')
    const forPeople = {list: await text('queue', 'list'), show: await text('queue', 'show', done.id), stats: await text('queue', 'stats'), workers: await text('workers', 'list')}
    for (const [name, stdout] of Object.entries(forPeople)) expect(jsonLike(stdout), `${name}:\n${stdout}`).toEqual([])
  })

  it('health, providers, configuration, schemas', async () => {
    await json('health')
    await json('providers', 'status')
    await json('providers', 'quota-monitor')
    await json('providers', 'quota-reset')
    await json('providers', 'usage')
    await json('config', 'check')
    await json('schema')
    await json('schema', 'run-background-jobs')
  })

  it('ais decode: one JSON document per line, receive times in ISO 8601', async () => {
    const sentences = readFileSync(join(ROOT, 'test', 'fixtures', 'ais', 'libais-typeexamples.nmea'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!AIVDM'))
      .map((line) => line.split(',').slice(0, 7).join(','))
    // A leading receive time (as AIS loggers write it) on every other line.
    const capture = join(tmp.dir, 'capture.nmea')
    writeFileSync(capture, sentences.map((s, k) => (k % 2 === 0 ? `${(NOW + k * 1000) / 1000} ${s}` : s)).join('\n'))
    const first = await json<{received_at: string}>('ais', 'decode', capture)
    expect(first.received_at).toBe(new Date(NOW).toISOString())
  })

  it('restores a backup, removes what was added', async () => {
    const backup = withDb(db, (d) => d.prepare(`SELECT summary FROM job_runs WHERE job = 'backup' AND status = 'success' ORDER BY id DESC LIMIT 1`).get()) as {summary: string}
    await json('db', 'restore', JSON.parse(backup.summary).file, '--yes')
    await json('watch', 'remove', '1')
    await json('alerts', 'remove', '1')
    await json('users', 'remove', 'captain')
  })

  it('serve: what it prints when it stops', async () => {
    const serve = watchCli(['serve', '--port', '0', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(NOW).toISOString()}})
    await serve.stderrMatching(/listening on/)
    serve.child.kill('SIGTERM')
    const result = await serve.done
    expect(result.code, result.stderr).toBe(0)
    expect(contractProblems('serve', JSON.parse(result.stdout))).toEqual([])
    checked.add('serve')
  })

  it('checked every command', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    const ids = Object.keys(manifest.commands).map((id) => id.replaceAll(':', ' '))
    expect([...checked].sort()).toEqual(ids.sort())
  })
})
