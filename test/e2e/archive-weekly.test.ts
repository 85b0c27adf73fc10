// The archive, the weekly summary and the dependency chain through the CLI: archive then cleanup then restore
// gives back the same rows (on both backends: the file is in the PostgreSQL project); cleanup leaves a month not archived alone; a
// damaged archive file is refused and nothing changes; a failed usage report holds the backup back with the
// reason; the weekly summary reports the week's events and tells the ADMINs.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {backend, seededDb} from '../helpers/template.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
const freshDb = () => seededDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))

const DAY = 86_400_000
const at = (iso: string) => Date.parse(iso)
/** The archive job's slot: positions stored before 2026-10-16 and events resolved before 2026-08-17 are past retention. */
const ARCHIVE_NOW = '2026-11-15T02:00:00.000Z'

const ARCHIVED = ['vessel_positions', 'safety_events', 'alert_events', 'notifications'] as const

/** Every row of the archived tables, by id: what a restore must give back exactly. */
function rowsOf(db: string): Record<string, unknown[]> {
  return withDb(db, (d) => Object.fromEntries(ARCHIVED.map((table) => [table, d.prepare(`SELECT * FROM ${table} ORDER BY id`).all()])))
}

/**
 * Positions stored in August, September, early October (past retention, its month not over by the cutoff)
 * and November; safety events resolved in July (past retention), in October, and one still open; a user's
 * notifications of July and of November.
 */
function arrange(db: string): void {
  withDb(db, (d) => {
    const position = d.prepare(
      'INSERT INTO vessel_positions (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const stored = ['2026-08-03', '2026-08-20', '2026-08-31T23:59:59', '2026-09-01', '2026-09-14', '2026-10-05', '2026-10-06', '2026-11-10']
    stored.forEach((day, i) => {
      const t = at(`${day.length === 10 ? `${day}T12:00:00` : day}Z`)
      position.run(244_000_000 + i, t - 60_000, 51.9 + i / 100, 4.1 + i / 100, i === 0 ? null : 11.5, 90.5, i === 1 ? null : 511, 0, 30, 'live', t)
    })
    const event = d.prepare(
      'INSERT INTO safety_events (type, severity, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, resolved_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const july = at('2026-07-10T08:00:00Z')
    event.run('distress', 'critical', 244_000_001, 'distress:244000001:a', 'Distress off Hoek van Holland', 52.0, 4.1, 'live', july, july, july + DAY, july + 2 * DAY, JSON.stringify({reason: 'mayday', nested: {b: 1, a: [1, 2]}}))
    event.run('ais_gap', 'medium', 244_000_002, 'ais_gap:244000002:b', 'AIS gap near Europoort', null, null, 'live', july, july, july, july + 3 * DAY, null)
    const october = at('2026-10-01T00:00:00Z')
    event.run('distress', 'high', 244_000_003, 'distress:244000003:c', 'Distress in the North Sea', 53, 3, 'live', october, october, october, october + DAY, null)
    event.run('distress', 'high', 244_000_004, 'distress:244000004:d', 'Distress still open', 53, 3, 'live', october, october, october, null, null)
    d.prepare("INSERT INTO users (name, role, token_hash, created_at) VALUES ('ada', 'ADMIN', 'hash-of-ada', ?)").run(july)
    const user = (d.prepare("SELECT id FROM users WHERE name = 'ada'").get() as {id: number}).id
    const events = d.prepare('SELECT id FROM safety_events ORDER BY id').all() as Array<{id: number}>
    const notification = d.prepare('INSERT INTO notifications (user_id, event_id, channel, status, attempts, last_error, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    notification.run(user, events[0].id, 'database', 'stored', 0, null, july, null)
    notification.run(user, events[1].id, 'database', 'stored', 0, null, july + 1000, null)
    notification.run(user, events[2].id, 'database', 'stored', 0, null, at('2026-11-02T00:00:00Z'), null)
  })
}

const cli = async (db: string, args: string[], now: string, env: Record<string, string> = {}) => {
  const result = await runInProcess([...args, '--db', db], {env: {HARBORMASTER_NOW: now, HARBORMASTER_ARCHIVE: 'on', HARBORMASTER_ARCHIVE_DIR: join(tmp.dir, `archive-${n}`), ...env}})
  return {...result, json: result.stdout.trim().startsWith('{') ? JSON.parse(result.stdout) : undefined}
}

// On both backends: the PostgreSQL project runs this file's first test against a database of its cluster.
describe('archive, cleanup and restore', () => {
  it('archives whole months past retention, cleanup deletes only those, and a restore gives back the same rows, once', async () => {
    const db = freshDb()
    arrange(db)
    const before = rowsOf(db)

    const archived = await cli(db, ['db', 'archive', '--json'], ARCHIVE_NOW)
    expect(archived.code).toBe(0)
    const months = archived.json.summary.months.map((m: {month: string; table: string; rows: number}) => `${m.month} ${m.table} ${m.rows}`)
    // October's positions are past retention, but October was not over by the cutoff: not archived.
    expect(months).toEqual(['2026-08 vessel_positions 3', '2026-09 vessel_positions 2', '2026-07 safety_events 2', '2026-07 notifications 2'])
    const dir = archived.json.summary.archive_dir as string
    const manifest = JSON.parse(readFileSync(join(dir, '2026-07', 'manifest.json'), 'utf8'))
    expect(manifest.tables.map((t: {table: string}) => t.table).sort()).toEqual(['notifications', 'safety_events'])
    expect(readFileSync(join(dir, '2026-07', 'SHA256SUMS'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}safety_events\.ndjson\.gz$/m)

    const cleanup = await cli(db, ['cleanup', '--json'], ARCHIVE_NOW)
    expect(cleanup.json.summary.deleted).toMatchObject({vessel_positions: 5, safety_events: 2, notifications: 2})
    // October's two positions are past retention, but their month is not archived: they stay.
    const left = rowsOf(db)
    const arranged = (left.vessel_positions as Array<{mmsi: number; received_at: number}>).filter((r) => Number(r.mmsi) >= 244_000_000 && Number(r.mmsi) < 244_000_100)
    expect(arranged.map((r) => Number(r.received_at))).toEqual([at('2026-10-05T12:00:00Z'), at('2026-10-06T12:00:00Z'), at('2026-11-10T12:00:00Z')])

    const list = await cli(db, ['db', 'archive', 'list', '--json'], ARCHIVE_NOW)
    expect(list.json.months.map((m: {month: string; rows: number}) => [m.month, m.rows])).toEqual([
      ['2026-07', 4],
      ['2026-08', 3],
      ['2026-09', 2],
    ])

    for (const month of ['2026-07', '2026-08', '2026-09']) {
      const restored = await cli(db, ['db', 'archive', 'restore', month, '--json'], ARCHIVE_NOW)
      expect(restored.code).toBe(0)
      expect(restored.json.inserted).toBe(restored.json.tables.reduce((s: number, t: {rows: number}) => s + t.rows, 0))
    }
    expect(rowsOf(db)).toEqual(before)

    const again = await cli(db, ['db', 'archive', 'restore', '2026-07', '--json'], ARCHIVE_NOW)
    expect(again.json).toMatchObject({inserted: 0, tables: expect.arrayContaining([expect.objectContaining({table: 'safety_events', rows: 2, inserted: 0, already_present: 2})])})
    expect(rowsOf(db)).toEqual(before)

    // Archived once: the next run writes nothing again.
    const next = await cli(db, ['db', 'archive', '--json'], ARCHIVE_NOW)
    expect(next.json.summary.months).toEqual([])
  })
})

describe.skipIf(backend() === 'postgres')('a damaged archive', () => {
  it('refuses a damaged archive file with a clear error, and nothing stored changes', async () => {
    const db = freshDb()
    arrange(db)
    const archived = await cli(db, ['db', 'archive', '--json'], ARCHIVE_NOW)
    await cli(db, ['cleanup'], ARCHIVE_NOW)
    const kept = rowsOf(db)
    const file = join(archived.json.summary.archive_dir, '2026-08', 'vessel_positions.ndjson.gz')
    const bytes = readFileSync(file)
    bytes[bytes.length - 12] ^= 0xff
    writeFileSync(file, bytes)

    const refused = await cli(db, ['db', 'archive', 'restore', '2026-08'], ARCHIVE_NOW)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/archive file .*2026-08\/vessel_positions\.ndjson\.gz is damaged: its SHA-256 is [0-9a-f]{64}, the archive recorded [0-9a-f]{64}/)
    expect(refused.stderr).toMatch(/nothing was restored/)
    expect(rowsOf(db)).toEqual(kept)

    const unknown = await cli(db, ['db', 'archive', 'restore', '2026-02'], ARCHIVE_NOW)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/holds no month 2026-02.*\n?.*archived months: 2026-07, 2026-08, 2026-09/)
  })
})

describe.skipIf(backend() === 'postgres')('a restore after what the rows belong to has gone', () => {
  it('leaves out the rows whose parent was deleted since, as its cascade would have', async () => {
    const db = freshDb()
    arrange(db)
    await cli(db, ['db', 'archive'], ARCHIVE_NOW)
    await cli(db, ['cleanup'], ARCHIVE_NOW)
    withDb(db, (d) => d.prepare("DELETE FROM users WHERE name = 'ada'").run())
    const restored = await cli(db, ['db', 'archive', 'restore', '2026-07', '--json'], ARCHIVE_NOW)
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.json.tables).toEqual([
      {table: 'safety_events', rows: 2, inserted: 2, already_present: 0, without_parent: 0, references_cleared: 0},
      {table: 'notifications', rows: 2, inserted: 0, already_present: 0, without_parent: 2, references_cleared: 0},
    ])
    expect(restored.stderr).toMatch(/notifications: 2 archived rows not restored: what they belong to .* has been deleted since/)
  })
})

describe.skipIf(backend() === 'postgres')('the dependency chain', () => {
  it('a failed usage report holds the backup back, with the reason in its output and history', async () => {
    const db = freshDb()
    const env = {HARBORMASTER_JOB_RETRY_BASE_MS: '10', HARBORMASTER_BACKUP_DIR: join(tmp.dir, 'backups-chain')}
    expect((await cli(db, ['usage-report', '--json'], '2026-11-23T01:00:00Z', env)).json.status).toBe('success')
    expect((await cli(db, ['db', 'backup', '--json'], '2026-11-23T03:00:00Z', env)).json.status).toBe('success')
    // The next day's report cannot read the provider usage.
    withDb(db, (d) => d.exec('ALTER TABLE provider_usage RENAME TO provider_usage_gone'))
    const failed = await cli(db, ['usage-report', '--json'], '2026-11-24T01:00:00Z', env)
    expect(failed.json.status).toBe('failed')
    withDb(db, (d) => d.exec('ALTER TABLE provider_usage_gone RENAME TO provider_usage'))

    // Its last success is only a day old, but its latest run failed.
    const backup = await cli(db, ['db', 'backup', '--json'], '2026-11-24T03:00:00Z', env)
    expect(backup.code).toBe(0)
    expect(backup.json).toMatchObject({job: 'backup', status: 'skipped', reason: expect.stringMatching(/^dependencies not met: usage-report failed at 2026-11-24T01:00:00\.\d{3}Z \(.*provider_usage/)})
    const history = (await cli(db, ['jobs', 'history', '--job', 'backup', '--json'], '2026-11-24T03:00:00Z')).json.runs
    expect(history[0]).toMatchObject({status: 'skipped', error: backup.json.reason})

    // Due together (after downtime), the usage report comes before the backup that depends on it.
    const {JOBS} = await import('../../src/services/jobs/registry.js')
    const {inDependencyOrder} = await import('../../src/services/jobs/runner.js')
    const order = inDependencyOrder(JOBS).map((spec) => spec.name)
    expect(order.indexOf('usage-report')).toBeLessThan(order.indexOf('backup'))
    expect(order.indexOf('cleanup')).toBeLessThan(order.indexOf('weekly-summary'))
  })
})

describe.skipIf(backend() === 'postgres')('the weekly summary', () => {
  let webhook: {url: string; bodies: Array<Record<string, unknown>>; server: Server}
  beforeAll(async () => {
    const bodies: Array<Record<string, unknown>> = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        bodies.push(JSON.parse(body))
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    webhook = {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server}
  })
  afterAll(() => webhook.server.close())

  it("holds the week's events and tells every ADMIN where the report is", async () => {
    const db = freshDb()
    const sunday = '2026-11-29T00:00:00.000Z'
    withDb(db, (d) => {
      const event = d.prepare(
        "INSERT INTO safety_events (type, severity, dedupe_key, title, source, observed_at, created_at, last_seen_at) VALUES ('distress', 'high', ?, ?, 'live', ?, ?, ?)",
      )
      // Three in the week, two before it.
      for (const [i, day] of ['2026-11-23T06:00:00Z', '2026-11-25T12:00:00Z', '2026-11-28T23:00:00Z', '2026-11-10T12:00:00Z', '2026-11-21T23:59:00Z'].entries()) {
        event.run(`distress:${i}`, `Distress ${i}`, at(day), at(day), at(day))
      }
      const user = d.prepare('INSERT INTO users (name, role, token_hash, webhook_url, created_at) VALUES (?, ?, ?, ?, ?)')
      user.run('ada', 'ADMIN', 'hash-ada', webhook.url, at('2026-01-01T00:00:00Z'))
      user.run('grace', 'ADMIN', 'hash-grace', null, at('2026-01-01T00:00:00Z'))
      user.run('vic', 'VIEWER', 'hash-vic', webhook.url, at('2026-01-01T00:00:00Z'))
    })
    const reports = join(tmp.dir, 'reports')
    const env = {HARBORMASTER_REPORTS_DIR: reports}
    // After a successful cleanup only.
    const early = await cli(db, ['weekly-summary', '--json'], sunday, env)
    expect(early.json).toMatchObject({status: 'skipped', reason: 'dependencies not met: cleanup has never succeeded'})
    expect((await cli(db, ['cleanup', '--json'], sunday, env)).json.status).toBe('success')

    const weekly = await cli(db, ['weekly-summary', '--json'], sunday, env)
    expect(weekly.code).toBe(0)
    const s = weekly.json.summary
    expect(s).toMatchObject({since: '2026-11-22T00:00:00.000Z', until: sunday, events_created: 3, notified: 2, webhooks_queued: 1})
    expect(s.report_path).toBe(join(reports, 'weekly', '2026-11-29T0000Z', 'report.html'))
    expect(existsSync(s.report_path)).toBe(true)

    const notified = withDb(db, (d) =>
      d.prepare('SELECT u.name, n.channel, n.status, n.job_run_id FROM notifications n JOIN users u ON u.id = n.user_id ORDER BY u.name, n.channel').all(),
    )
    expect(notified).toEqual([
      {name: 'ada', channel: 'database', status: 'stored', job_run_id: weekly.json.run_id},
      {name: 'ada', channel: 'webhook', status: 'queued', job_run_id: weekly.json.run_id},
      {name: 'grace', channel: 'database', status: 'stored', job_run_id: weekly.json.run_id},
    ])
    // The queue delivers the webhook copy: the run's summary names the report.
    const drained = await cli(db, ['worker', '--drain', '--quiet'], sunday, env)
    expect(drained.code).toBe(0)
    expect(webhook.bodies).toEqual([
      expect.objectContaining({user: 'ada', job_run: expect.objectContaining({job: 'weekly-summary', status: 'success', summary: expect.objectContaining({report_path: s.report_path})})}),
    ])
  })
})
