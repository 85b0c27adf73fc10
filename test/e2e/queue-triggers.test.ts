// Triggers on the backend under test: a vessel seen for the first time queues its analysis 30 s later and
// its identity check, once per MMSI however many reports arrive (in-process and through the real CLI with a
// fake clock, then `worker --drain` 31 s later runs each once); a notification's webhook copy is tried once
// by the job that made it and retried by the queue; a failed job run notifies ADMINs through the queue; a
// port reaching severe congestion queues its waiting vessels' analyses; a trigger that cannot enqueue logs,
// counts, and never fails what fired it.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {AisMessage} from '../../src/services/ais/payload.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {HarbormasterError} from '../../src/services/errors.js'
import {runJob} from '../../src/services/jobs/runner.js'
import {silentLogger, type Logger} from '../../src/services/log/logger.js'
import {queueEngine, stopQueueEngine} from '../../src/services/queue/queue.js'
import {FIRST_SEEN_ANALYSIS_DELAY_MS, portsReachedSevere, triggerFailures, vesselsFirstSeen} from '../../src/services/queue/triggers.js'
import type {QueuedJob} from '../../src/services/queue/types.js'
import {runWorker} from '../../src/services/queue/worker.js'
import {notifyWatchers} from '../../src/services/safety/notify.js'
import {deliverWebhooks} from '../../src/services/safety/webhooks.js'
import {addUser} from '../../src/services/users/users.js'
import {addWatch} from '../../src/services/users/watchlists.js'
import {ingestMessages} from '../../src/services/vessels/ingest.js'
import {piraeusMessages, writeCapture} from '../helpers/captures.js'
import {count, runCli, tempDir, withDb} from '../helpers/cli.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {serverClockTimeline} from '../helpers/queue-contract.js'
import {backend, emptyDb, firstUseDb, openTestDb} from '../helpers/template.js'

/**
 * The services' fixed "now". pg-boss reads its own time from the server, so on PostgreSQL "now" is an hour
 * ahead of the server's clock: nothing timed from it is due before the test makes it due (dueBy).
 */
const NOW = backend() === 'postgres' ? Math.ceil(Date.now() / 1000) * 1000 + 3_600_000 : Date.parse('2023-04-08T11:00:00Z')
const T0 = NOW - 3_600_000
const tmp = tempDir()
const opened: Context[] = []
const servers: FaultServer[] = []
afterAll(async () => {
  for (const ctx of opened) {
    await stopQueueEngine(ctx)
    await ctx.db.close()
  }
  for (const s of servers) await s.close()
  tmp.cleanup()
})
let n = 0
const freshPath = () => join(tmp.dir, `db-${++n}`, 'harbormaster.db')

/** Warnings the services logged (what a trigger that cannot enqueue says). */
function recordingLogger(warnings: string[]): Logger {
  const logger: Logger = {...silentLogger, warn: (message) => void warnings.push(message), child: () => logger}
  return logger
}

async function contextOn(location: string, options: {warnings?: string[]; clock?: ReturnType<typeof fixedClock>} = {}): Promise<Context & {clock: ReturnType<typeof fixedClock>}> {
  const clock = options.clock ?? fixedClock(NOW)
  const ctx = {
    config: loadConfig({dbPath: location, env: {}}),
    db: await openTestDb(location),
    logger: options.warnings ? recordingLogger(options.warnings) : silentLogger,
    clock,
    httpRuntime: {sleep: async () => undefined},
  }
  opened.push(ctx)
  return ctx
}

/**
 * Makes what is due by `at` (the services' time) due for the engine: on SQLite the CLI's or the context's
 * clock says so already; on PostgreSQL the jobs' start times in pg-boss's table are moved to the server's now.
 */
function dueBy(db: string, at: number): void {
  if (backend() !== 'postgres') return
  withDb(db, (d) =>
    d.prepare(`UPDATE pgboss.job SET start_after = clock_timestamp() - interval '1 millisecond' WHERE state < 'active' AND start_after <= to_timestamp(?::double precision / 1000)`).run(at),
  )
}

const jobsOf = async (ctx: Context, type: QueuedJob['type']) => (await queueEngine(ctx)).list({type, limit: 1000})

describe('a vessel seen for the first time', () => {
  it('queues its analysis 30 s later and its identity check, once per MMSI, however many reports and batches bring it', async () => {
    const ctx = await contextOn(firstUseDb(freshPath()))
    const messages = piraeusMessages(T0)
    const intake = (more: AisMessage[]) =>
      ingestMessages(ctx.db, [more], {
        source: 'live',
        origin: 'ingest',
        now: NOW,
        observedAtOf: (m) => m.received_at as number,
        // Batches of 7: most vessels' reports arrive over several of them.
        batchSize: 7,
        onNewVessels: async (mmsis) => {
          await vesselsFirstSeen(ctx, mmsis)
        },
      })
    const first = await intake(messages)
    const vessels = withDb(ctx.config.dbPath, (d) => d.prepare(`SELECT mmsi FROM vessels ORDER BY mmsi`).all()).map((r) => Number((r as {mmsi: number}).mmsi))
    expect(first.vessels_updated).toBe(vessels.length)
    const analyses = await jobsOf(ctx, 'vessel:analyze')
    const checks = await jobsOf(ctx, 'vessel:identity-check')
    expect(analyses.map((j) => j.payload.mmsi).sort()).toEqual(vessels)
    expect(checks.map((j) => j.payload.mmsi).sort()).toEqual(vessels)
    for (const job of analyses) expect(job).toMatchObject({state: 'scheduled', queue: 'analysis', runAt: NOW + FIRST_SEEN_ANALYSIS_DELAY_MS, uniqueKey: `vessel:analyze:${job.payload.mmsi}`})
    for (const job of checks) expect(job).toMatchObject({queue: 'compliance', runAt: NOW, uniqueKey: `vessel:identity-check:${job.payload.mmsi}`})

    // The same vessels again, later: not new, nothing queued.
    await intake(messages.map((m) => ({...m, received_at: (m.received_at as number) + 600_000})))
    expect(await jobsOf(ctx, 'vessel:analyze')).toHaveLength(vessels.length)
    expect(await jobsOf(ctx, 'vessel:identity-check')).toHaveLength(vessels.length)
  })

  it('through the real CLI: the vessels job queues each new vessel once; `worker --drain` 31 s later runs each analysis once', async () => {
    const db = firstUseDb(freshPath())
    const at = new Date(NOW).toISOString()
    const capture = (name: string, firstSecond: number) => writeCapture(join(tmp.dir, name), {firstSecond, lines: 300}).path
    // 300 tagged sentences of the Piraeus capture (each vessel's reports several times over), then 300 more.
    const env = (path: string, now: string) => ({HARBORMASTER_AIS_SOURCE: `nmea-file:${path}`, HARBORMASTER_NOW: now})
    const first = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: env(capture('first.nmea', NOW / 1000 - 900), at)})
    expect(first.code, first.stderr).toBe(0)
    const ctx = await contextOn(db)
    const vessels = count(db, `SELECT count(*) FROM vessels`)
    expect(vessels).toBeGreaterThan(20)
    const scheduled = await jobsOf(ctx, 'vessel:analyze')
    expect(scheduled).toHaveLength(vessels)
    expect(new Set(scheduled.map((j) => j.payload.mmsi)).size).toBe(vessels)
    for (const job of scheduled) expect(job).toMatchObject({state: 'scheduled', runAt: NOW + 30_000})

    const second = await runCli(['run-background-jobs', '--job', 'vessels', '--json', '--db', db], {env: env(capture('second.nmea', NOW / 1000 - 600), at)})
    expect(second.code, second.stderr).toBe(0)
    expect(await jobsOf(ctx, 'vessel:analyze')).toHaveLength(vessels)

    // Not yet due at the same time: a drain runs the identity checks only.
    dueBy(db, NOW)
    const early = await runCli(['worker', '--drain', '--json', '--db', db], {env: {HARBORMASTER_NOW: at}})
    expect(early.code, early.stderr).toBe(0)
    expect(JSON.parse(early.stdout).per_type['vessel:analyze']).toBeUndefined()
    expect((await jobsOf(ctx, 'vessel:identity-check')).every((j) => j.state === 'completed')).toBe(true)

    const later = new Date(NOW + 31_000).toISOString()
    dueBy(db, NOW + 31_000)
    const drained = await runCli(['worker', '--drain', '--json', '--db', db], {env: {HARBORMASTER_NOW: later}})
    expect(drained.code, drained.stderr).toBe(0)
    expect(JSON.parse(drained.stdout).per_type['vessel:analyze']).toEqual({completed: vessels, failed: 0, released: 0})
    const done = await jobsOf(ctx, 'vessel:analyze')
    expect(done.every((j) => j.state === 'completed' && j.attempts === 1)).toBe(true)
    expect(count(db, `SELECT count(*) FROM vessel_findings WHERE "check" = 'analysis'`)).toBeGreaterThan(0)
    // Nothing left to run.
    const again = await runCli(['worker', '--drain', '--json', '--db', db], {env: {HARBORMASTER_NOW: later}})
    expect(JSON.parse(again.stdout)).toMatchObject({completed: 0, failed: 0})
  })
})

describe('notifications', () => {
  it('each webhook copy is tried once by the job that made it; what fails is one notify:deliver, retried by the queue', async () => {
    const ctx = await contextOn(emptyDb(freshPath()))
    const hooks = await startFaultServer()
    servers.push(hooks)
    hooks.script('/flo', [{status: 500}, {status: 503}, {ok: ''}])
    hooks.script('/bert', [{ok: ''}])
    await addUser(ctx, {name: 'flo', role: 'VIEWER', webhookUrl: `${hooks.url}/flo`})
    await addUser(ctx, {name: 'bert', role: 'VIEWER', webhookUrl: `${hooks.url}/bert`})
    await addUser(ctx, {name: 'carol', role: 'VIEWER'})
    for (const user of ['flo', 'bert', 'carol']) await addWatch(ctx, {user, vessel: '240205400'})
    const db = ctx.config.dbPath
    const event = withDb(db, (d) =>
      d
        .prepare(
          `INSERT INTO safety_events (type, severity, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at)
           VALUES ('piracy', 'high', 240205400, 'test:piracy', 'piracy', 12.5, 45.1, 'live', ?, ?, ?) RETURNING *`,
        )
        .get(NOW, NOW, NOW),
    ) as Record<string, number>
    expect(await notifyWatchers(ctx, [{...event, id: Number(event.id), mmsi: 240205400, portId: null, lat: 12.5, lon: 45.1, source: 'live', type: 'piracy'} as never])).toBe(3)

    expect(await deliverWebhooks(ctx)).toEqual({attempted: 2, sent: 1, failed: 0, pending: 0, queued: 1})
    const [job] = await jobsOf(ctx, 'notify:deliver')
    const flo = withDb(db, (d) => d.prepare(`SELECT n.id, n.status, n.attempts FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.name = 'flo' AND channel = 'webhook'`).get()) as {id: number}
    expect(flo).toMatchObject({status: 'queued', attempts: 1})
    expect(job).toMatchObject({queue: 'critical', runAt: NOW, payload: {notification_id: Number(flo.id)}, uniqueKey: `notify:deliver:${flo.id}`})
    // Queued copies are the queue's: the next run leaves them alone.
    expect(await deliverWebhooks(ctx)).toEqual({attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0})

    // The worker's first attempt meets the 503 and backs off; after the backoff the receiver is back.
    dueBy(db, NOW)
    expect(await runWorker(ctx, {drain: true})).toMatchObject({completed: 0, failed: 1, retried: 1})
    const retry = (await (await queueEngine(ctx)).get(job.id)) as QueuedJob
    expect(retry).toMatchObject({state: 'retry', attempts: 1})
    if (backend() === 'postgres') await serverClockTimeline(() => ctx.db).waitUntilDue(retry)
    else ctx.clock.set(retry.runAt)
    expect(await runWorker(ctx, {drain: true})).toMatchObject({completed: 1, failed: 0})
    expect(withDb(db, (d) => d.prepare(`SELECT status, attempts FROM notifications WHERE id = ?`).get(flo.id))).toEqual({status: 'sent', attempts: 3})
    expect(hooks.hits.get('/flo')).toHaveLength(3)
    expect(hooks.hits.get('/bert')).toHaveLength(1)
  })
})

describe('a job run that fails', () => {
  it("notifies every ADMIN (their webhooks through notify:deliver); when the queue cannot take them, the run's outcome is unchanged", async () => {
    const warnings: string[] = []
    const ctx = await contextOn(emptyDb(freshPath()), {warnings})
    const hooks = await startFaultServer()
    servers.push(hooks)
    hooks.script('/ada', [{ok: ''}])
    await addUser(ctx, {name: 'ada', role: 'ADMIN', webhookUrl: `${hooks.url}/ada`})
    await addUser(ctx, {name: 'max', role: 'ADMIN'})
    await addUser(ctx, {name: 'vera', role: 'VIEWER', webhookUrl: `${hooks.url}/vera`})
    const db = ctx.config.dbPath
    const failing = async () => {
      throw new HarbormasterError('the outside service answered nonsense')
    }
    const outcome = await runJob(ctx, 'drill-failure', failing)
    expect(outcome).toMatchObject({status: 'failed', error: 'the outside service answered nonsense'})
    const notes = () =>
      withDb(db, (d) => d.prepare(`SELECT u.name, n.channel, n.status, n.job_run_id FROM notifications n JOIN users u ON u.id = n.user_id ORDER BY u.name, n.channel`).all())
    expect(notes()).toEqual([
      {name: 'ada', channel: 'database', status: 'stored', job_run_id: outcome.runId},
      {name: 'ada', channel: 'webhook', status: 'queued', job_run_id: outcome.runId},
      {name: 'max', channel: 'database', status: 'stored', job_run_id: outcome.runId},
    ])
    dueBy(db, NOW)
    expect(await runWorker(ctx, {drain: true})).toMatchObject({completed: 1, failed: 0})
    expect(hooks.hits.get('/ada')).toHaveLength(1)
    expect(hooks.hits.get('/vera')).toBeUndefined()
    expect(warnings).toEqual([])

    // The queue's table gone (a broken install): the next failure is still a failure, its notifications are
    // stored, the trigger says why it could not enqueue and counts it.
    const before = triggerFailures().notification
    if (backend() === 'sqlite') withDb(db, (d) => d.exec(`DROP TABLE queue_jobs`))
    else withDb(db, (d) => d.exec(`ALTER SCHEMA pgboss RENAME TO pgboss_gone`))
    const again = await runJob(ctx, 'drill-failure', failing)
    expect(again).toMatchObject({status: 'failed', error: 'the outside service answered nonsense'})
    expect(count(db, `SELECT count(*) FROM notifications WHERE job_run_id = ? AND channel = 'database'`, again.runId)).toBe(2)
    expect(count(db, `SELECT count(*) FROM notifications WHERE job_run_id = ? AND status = 'pending'`, again.runId)).toBe(1)
    expect(triggerFailures().notification).toBe(before + 1)
    expect(warnings).toEqual([expect.stringMatching(/^trigger notification could not enqueue its jobs: /)])
  })
})

describe('a port reaching severe congestion', () => {
  it("queues the analysis of each vessel waiting there, once per MMSI (a first-seen analysis still waiting is that one)", async () => {
    const ctx = await contextOn(firstUseDb(freshPath()))
    await vesselsFirstSeen(ctx, [239575000])
    expect(await portsReachedSevere(ctx, [{portId: 1, waiting: [239575000, 240917000]}, {portId: 2, waiting: [240917000, 241087000]}])).toBe(2)
    const jobs = await jobsOf(ctx, 'vessel:analyze')
    expect(jobs.map((j) => [j.payload.mmsi, j.runAt]).sort()).toEqual([
      [239575000, NOW + FIRST_SEEN_ANALYSIS_DELAY_MS],
      [240917000, NOW],
      [241087000, NOW],
    ])
  })
})
