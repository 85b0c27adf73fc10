// The queue's job handlers on the backend under test (SQLite or PostgreSQL), through the real services on a
// real database, with the real Piraeus capture and real local HTTP servers: each handler does its work, and
// running it again (a job run twice after a crash) adds nothing.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {AisMessage} from '../../src/services/ais/payload.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {circleGeometry} from '../../src/services/geo/geometry.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {JOB_TYPE_SPECS} from '../../src/services/queue/job-types.js'
import type {ClaimedJob, JobType, JsonObject} from '../../src/services/queue/types.js'
import {notifyWatchers} from '../../src/services/safety/notify.js'
import {storeZones} from '../../src/services/safety/zones.js'
import {addUser} from '../../src/services/users/users.js'
import {addWatch} from '../../src/services/users/watchlists.js'
import {ingestMessages} from '../../src/services/vessels/ingest.js'
import {piraeusMessages} from '../helpers/captures.js'
import {count, tempDir, withDb} from '../helpers/cli.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {firstUseDb, openTestDb} from '../helpers/template.js'

/** The capture's first report is observed here; each later message one second after the one before. */
const T0 = Date.parse('2023-04-08T10:00:00Z')
const NOW = T0 + 3_600_000
const tmp = tempDir()
const opened: Context[] = []
const servers: FaultServer[] = []
afterAll(async () => {
  for (const ctx of opened) await ctx.db.close()
  for (const s of servers) await s.close()
  tmp.cleanup()
})
let n = 0
const freshDb = () => firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))

async function contextOn(location: string, env: Record<string, string> = {}): Promise<Context> {
  const ctx: Context = {
    config: loadConfig({dbPath: location, env}),
    db: await openTestDb(location),
    logger: silentLogger,
    clock: fixedClock(NOW),
    httpRuntime: {sleep: async () => undefined},
  }
  opened.push(ctx)
  return ctx
}

/**
 * The capture with a second transponder sending under `mmsi`: the vessel's own position reports, then
 * `other`'s (moved on 100 s) under its MMSI, then its own again (moved on 200 s), in turns as two sets heard
 * in the same minutes are, each turn long enough for the track rule to follow it.
 */
function secondTransponder(messages: AisMessage[], mmsi: number, other: number): AisMessage[] {
  const isPosition = (m: AisMessage) => m.msg_type >= 1 && m.msg_type <= 3
  const own = messages.filter((m) => m.mmsi === mmsi && isPosition(m))
  const theirs = messages.filter((m) => m.mmsi === other && isPosition(m)).map((m) => ({...m, mmsi, received_at: (m.received_at as number) + 100_000}))
  const ownAgain = own.map((m) => ({...m, received_at: (m.received_at as number) + 200_000}))
  return [...messages.filter((m) => m.mmsi !== other || !isPosition(m)), ...theirs, ...ownAgain].sort((a, b) => (a.received_at as number) - (b.received_at as number))
}

async function ingest(ctx: Context, messages: AisMessage[], onNewVessels?: (mmsis: number[]) => Promise<void>) {
  return ingestMessages(ctx.db, [messages], {source: 'live', origin: 'ingest', now: NOW, observedAtOf: (m) => m.received_at as number, onNewVessels})
}

/** Runs a handler as a worker would for the given attempt. */
async function run(ctx: Context, type: JobType, payload: JsonObject, attempt = 1): Promise<JsonObject> {
  const spec = JOB_TYPE_SPECS[type]
  const handler = await spec.handler()
  const job: ClaimedJob = {id: `test-${type}-${attempt}`, type, queue: spec.queue, payload, attempt, maxRetries: spec.maxRetries, timeoutSeconds: spec.timeoutSeconds}
  return handler.handle(ctx, handler.payload.parse(payload), job)
}

const findings = (db: string) => withDb(db, (d) => d.prepare(`SELECT mmsi, "check", kind, dedupe_key, severity, first_seen_at, last_seen_at FROM vessel_findings ORDER BY id`).all())

describe('vessel:identity-check', () => {
  it('finds nothing wrong with real vessels; finds a wrong IMO check digit, a rename and a new call sign; twice adds nothing', async () => {
    const db = freshDb()
    const ctx = await contextOn(db)
    const messages = piraeusMessages(T0)
    await ingest(ctx, messages)

    // BLUE HORIZON (IMO 8616336, MID 239: Greece), as heard off Piraeus.
    const clean = await run(ctx, 'vessel:identity-check', {mmsi: 239575000})
    expect(clean).toMatchObject({mmsi: 239575000, known: true, mmsi_form: 'ship', flag: 'Greece', imo: 8616336, findings: [], findings_new: 0})
    expect(clean.reports_checked).toBe(4)

    // CHRYSOPIGI's own static report (IMO 9303728, call sign 9HA4454), given again later renamed, with another
    // call sign and an IMO number one off in its check digit.
    const own = messages.find((m) => m.msg_type === 5 && m.mmsi === 249971000) as AisMessage
    expect(own).toMatchObject({imo: 9303728, shipname: 'CHRYSOPIGI', callsign: '9HA4454'})
    await ingest(ctx, [{...own, shipname: 'CHRYSOPIGI II', callsign: '9HA4455', imo: 9303729, received_at: T0 + 600_000}])
    const first = await run(ctx, 'vessel:identity-check', {mmsi: 249971000})
    const kinds = (first.findings as Array<{kind: string; new: boolean; severity: string}>).map((f) => [f.kind, f.severity, f.new])
    expect(kinds).toEqual([
      ['imo-check-digit', 'high', true],
      ['imo-change', 'high', true],
      ['name-change', 'low', true],
      ['callsign-change', 'low', true],
    ])
    expect((first.findings as Array<{title: string}>)[2].title).toBe('MMSI 249971000 changed its name from CHRYSOPIGI to CHRYSOPIGI II')
    expect(first.findings_new).toBe(4)
    const stored = findings(db)
    expect(stored).toHaveLength(4)
    expect(stored[0]).toMatchObject({mmsi: 249971000, check: 'identity', dedupe_key: 'identity:imo-check-digit:249971000:9303729', first_seen_at: NOW})

    // The job again (after a crash): the same findings, nothing new stored.
    const again = await run(ctx, 'vessel:identity-check', {mmsi: 249971000})
    expect(again.findings_new).toBe(0)
    expect(findings(db)).toEqual(stored)
  })

  it('finds one MMSI in two places at once: two tracks, each consistent, that no ship could join', async () => {
    const db = freshDb()
    const ctx = await contextOn(db)
    // BLUE HORIZON's reports from Piraeus given as CHRYSOPIGI's (at Eleusis, 48 km away) in turns with its own.
    await ingest(ctx, secondTransponder(piraeusMessages(T0), 249971000, 239575000))
    const result = await run(ctx, 'vessel:identity-check', {mmsi: 249971000})
    const twice = (result.findings as Array<{kind: string; detail: {km: number; knots: number; tracks: Array<{reports: number}>}}>).find((f) => f.kind === 'two-places')
    expect(twice).toBeDefined()
    expect(twice?.detail.km).toBeGreaterThan(45)
    expect(twice?.detail.km).toBeLessThan(50)
    expect(twice?.detail.knots).toBeGreaterThan(1000)
    expect(twice?.detail.tracks.map((t) => t.reports)).toEqual([8, 4])
    // A vessel heard in one place only: no such finding.
    const single = await run(ctx, 'vessel:identity-check', {mmsi: 240241100})
    expect((single.findings as Array<{kind: string}>).map((f) => f.kind)).toEqual([])
    expect(count(db, `SELECT count(*) FROM vessel_findings WHERE kind = 'two-places'`)).toBe(1)
    expect((await run(ctx, 'vessel:identity-check', {mmsi: 249971000})).findings_new).toBe(0)
  })
})

describe('vessel:analyze', () => {
  it("runs a vessel's track through the detection steps: port stops, zone entries, position jumps; twice adds nothing", async () => {
    const db = freshDb()
    const ctx = await contextOn(db)
    await ingest(ctx, secondTransponder(piraeusMessages(T0), 249971000, 240917000))
    // A storm over Piraeus while the capture was heard.
    await storeZones(ctx.db, 'storm', [
      {
        kind: 'storm',
        externalId: 'test:piraeus-gale',
        name: 'Gale over Piraeus',
        severity: 'high',
        geometry: circleGeometry(37.9459, 23.6368, 3, 32),
        validFrom: T0 - 3_600_000,
        validTo: T0 + 3_600_000,
        active: true,
        portId: null,
        source: 'live',
        observedAt: T0,
        origin: 'ingest',
        metadata: null,
      },
    ], NOW)

    const moored = await run(ctx, 'vessel:analyze', {mmsi: 239575000})
    expect(moored).toMatchObject({mmsi: 239575000, known: true, reports: 4, steps: {position_jumps: 0, port_stops: 1, zone_entries: 1}, findings_new: 2})
    const titles = (moored.findings as Array<{title: string}>).map((f) => f.title)
    expect(titles[0]).toBe("BLUE HORIZON stopped at berth in Piraievs for 0 h so far")
    expect(titles[1]).toBe(`BLUE HORIZON inside Gale over Piraeus (storm) from ${new Date(T0 + 13_000).toISOString()}`)

    // CHRYSOPIGI with another ship's reports from Piraeus under its MMSI: the jumps between them found.
    const jumping = await run(ctx, 'vessel:analyze', {mmsi: 249971000})
    expect((jumping.steps as Record<string, number>).position_jumps).toBe(1)
    expect((jumping.findings as Array<{kind: string}>)[0].kind).toBe('position-jumps')

    const stored = findings(db)
    expect((await run(ctx, 'vessel:analyze', {mmsi: 239575000})).findings_new).toBe(0)
    expect((await run(ctx, 'vessel:analyze', {mmsi: 249971000})).findings_new).toBe(0)
    expect(findings(db)).toEqual(stored)
    // A vessel never heard: nothing to analyse, nothing found.
    expect(await run(ctx, 'vessel:analyze', {mmsi: 211000000})).toMatchObject({known: false, reports: 0, findings: []})
  })
})

describe('notify:deliver', () => {
  it("POSTs one webhook copy per attempt; a failure throws for the queue's backoff, the last attempt gives it up; a sent copy is never sent again", async () => {
    const db = freshDb()
    const ctx = await contextOn(db)
    const hooks = await startFaultServer()
    servers.push(hooks)
    hooks.script('/flo', [{status: 500}, {status: 503}, {ok: ''}])
    hooks.script('/bert', [{status: 502}])
    await addUser(ctx, {name: 'flo', role: 'VIEWER', webhookUrl: `${hooks.url}/flo`})
    await addUser(ctx, {name: 'bert', role: 'VIEWER', webhookUrl: `${hooks.url}/bert`})
    await addWatch(ctx, {user: 'flo', vessel: '240205400'})
    await addWatch(ctx, {user: 'bert', vessel: '240205400'})
    const [event] = withDb(db, (d) => [
      d
        .prepare(
          `INSERT INTO safety_events (type, severity, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at)
           VALUES ('piracy', 'high', 240205400, 'test:piracy', 'piracy near MMSI 240205400', 12.5, 45.1, 'live', ?, ?, ?) RETURNING *`,
        )
        .get(NOW, NOW, NOW),
    ]) as Array<Record<string, unknown>>
    expect(await notifyWatchers(ctx, [{...(event as object), id: Number(event.id), observedAt: NOW, createdAt: NOW, lastSeenAt: NOW} as never])).toBe(2)
    const copies = () =>
      withDb(db, (d) =>
        d.prepare(`SELECT n.id, u.name, n.status, n.attempts, n.last_error, n.delivered_at FROM notifications n JOIN users u ON u.id = n.user_id WHERE channel = 'webhook' ORDER BY u.name`).all(),
      ) as Array<{id: number; name: string; status: string; attempts: number; last_error: string | null; delivered_at: number | null}>
    const [bert, flo] = copies()

    // Attempts 1 and 2 fail: one call each, the error kept, the copy the queue's to retry.
    await expect(run(ctx, 'notify:deliver', {notification_id: flo.id}, 1)).rejects.toThrow(/webhook for flo failed \(attempt 1\): .*500/)
    expect(copies()[1]).toMatchObject({status: 'queued', attempts: 1, last_error: expect.stringMatching(/500/)})
    await expect(run(ctx, 'notify:deliver', {notification_id: flo.id}, 2)).rejects.toThrow(/attempt 2\): .*503/)
    expect(hooks.hits.get('/flo')).toHaveLength(2)
    // Attempt 3 gets through.
    expect(await run(ctx, 'notify:deliver', {notification_id: flo.id}, 3)).toEqual({notification_id: flo.id, status: 'sent', user: 'flo', attempts: 3})
    expect(copies()[1]).toMatchObject({status: 'sent', attempts: 3, last_error: null, delivered_at: NOW})
    // Run again (a crash after the record, before the queue heard): nothing is sent twice.
    expect(await run(ctx, 'notify:deliver', {notification_id: flo.id}, 4)).toMatchObject({status: 'already_sent'})
    expect(hooks.hits.get('/flo')).toHaveLength(3)

    // bert's receiver never recovers: the last attempt the job type allows gives the copy up.
    const last = JOB_TYPE_SPECS['notify:deliver'].maxRetries + 1
    await expect(run(ctx, 'notify:deliver', {notification_id: bert.id}, last - 1)).rejects.toThrow(/502/)
    expect(copies()[0]).toMatchObject({status: 'queued', attempts: 1})
    await expect(run(ctx, 'notify:deliver', {notification_id: bert.id}, last)).rejects.toThrow(/502/)
    expect(copies()[0]).toMatchObject({status: 'failed', attempts: 2})

    // A copy that is gone (its user removed) completes as gone.
    withDb(db, (d) => d.prepare(`DELETE FROM users WHERE name = 'bert'`).run())
    expect(await run(ctx, 'notify:deliver', {notification_id: bert.id})).toEqual({notification_id: bert.id, status: 'gone'})
  })
})

describe('provider:refresh', () => {
  it('refreshes one source through the runner (a job_runs row of trigger queue), falling back as the job does', async () => {
    const db = freshDb()
    const nws = await startFaultServer()
    servers.push(nws)
    // NWS down: the refresh falls back to what the database or the shipped capture holds, and says so.
    nws.script('/alerts/active', [{status: 503}])
    const ctx = await contextOn(db, {HARBORMASTER_NWS_URL: nws.url, HARBORMASTER_HTTP_RETRIES: '0'})
    const result = await run(ctx, 'provider:refresh', {source: 'nws'})
    expect(result).toMatchObject({source: 'nws', job: 'nws-refresh', status: 'success', run_id: expect.any(Number)})
    expect((result.summary as {source: string}).source).toBe('emergency')
    expect(nws.hits.get('/alerts/active')?.length).toBeGreaterThan(0)
    expect(count(db, `SELECT count(*) FROM job_runs WHERE job = 'nws-refresh' AND trigger = 'queue' AND status = 'success'`)).toBe(1)

    // A source the queue does not know is refused when enqueued (its payload is checked).
    const handler = await JOB_TYPE_SPECS['provider:refresh'].handler()
    expect(handler.payload.safeParse({source: 'elsewhere'}).success).toBe(false)
  })
})
