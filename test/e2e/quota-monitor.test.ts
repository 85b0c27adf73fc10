// The quota monitor and the monthly quota reset through the CLI, on a fake clock, with NWS played by a local
// server: thresholds crossed across monitor runs raise one alert event each (once, however often the monitor
// runs), at 95 % the next refresh is served from the cache without a call, at 100 % the provider is not
// called, the window's reset lifts the failover; quota-reset records the month's totals, which outlive the
// per-window counts.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {count, ROOT, tempDir, withDb} from '../helpers/cli.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {runInProcess} from '../helpers/in-process.js'
import {withTimesAround} from '../helpers/nws-server.js'
import {firstUseDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const DAY_START = Date.parse('2026-11-24T00:00:00Z')
const capture = withTimesAround(readFileSync(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), 'utf8'), NOW)
const ALERTS = '/alerts/active'

const tmp = tempDir()
let n = 0
let server: FaultServer

beforeAll(async () => {
  server = await startFaultServer()
  server.script(ALERTS, [{ok: capture}])
})
afterAll(async () => {
  await server.close()
  tmp.cleanup()
})

const at = (time: number | string) => (typeof time === 'number' ? new Date(time).toISOString() : time)
const calls = () => server.hits.get(ALERTS)?.length ?? 0

/** The CLI on `db` at `time`, with NWS on the local server and `quotas`; the --json document it printed. */
async function cli(db: string, quotas: string, time: number | string, args: string[]) {
  const result = await runInProcess([...args, '--json', '--db', db], {
    env: {HARBORMASTER_NWS_URL: server.url, HARBORMASTER_NOW: at(time), HARBORMASTER_QUOTAS: quotas, HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '0'},
  })
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout)
}

type StormRefresh = {source: string; attempts: number; fallback_reason?: string}
const refresh = async (db: string, quotas: string, time: number | string) =>
  (await cli(db, quotas, time, ['run-background-jobs', '--job', 'safety'])).jobs.safety_events.zones.storm as StormRefresh
const monitor = async (db: string, quotas: string, time: number | string) => (await cli(db, quotas, time, ['providers', 'quota-monitor'])).summary
const nwsStatus = async (db: string, quotas: string, time: number | string) =>
  ((await cli(db, quotas, time, ['providers', 'status'])).providers as Array<{provider: string}>).find((p) => p.provider === 'nws') as Record<string, unknown>

/** Calls made today from elsewhere (another host), counted in the same window as ours. */
const countedToday = (db: string, requests: number) =>
  withDb(db, (d) =>
    d
      .prepare(`INSERT INTO provider_usage (provider, window_start, requests) VALUES ('nws', ?, ?) ON CONFLICT (provider, window_start) DO UPDATE SET requests = excluded.requests`)
      .run(DAY_START, requests),
  )

const events = (db: string) =>
  withDb(db, (d) =>
    d
      .prepare(
        `SELECT e.target, r.threshold, CASE WHEN e.is_resolved THEN 1 ELSE 0 END AS resolved FROM alert_events e JOIN alert_rules r ON r.id = e.alert_id ORDER BY e.id`,
      )
      .all(),
  )

describe('quota-monitor', () => {
  it('raises one alert per threshold per window, switches at 95 %, blocks at 100 % ahead of the call, and lifts when the window resets', async () => {
    const db = firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
    const quotas = 'nws=20/day'
    await cli(db, quotas, NOW, ['users', 'add', 'harbour-admin', '--role', 'ADMIN'])
    countedToday(db, 15)

    // The 16th call of the day: 80 %.
    server.hits.delete(ALERTS)
    expect((await refresh(db, quotas, NOW)).source).toBe('live')
    const warned = await monitor(db, quotas, NOW + 60_000)
    expect(warned).toMatchObject({alerts_opened: 1, notifications: 1, failovers_started: 0})
    expect(warned.providers).toEqual([
      {provider: 'nws', used: 16, limit: 20, percent: 80, state: 'warn', window_start: '2026-11-24T00:00:00.000Z', window_resets_at: '2026-11-25T00:00:00.000Z', action: 'unchanged'},
    ])
    // Running again raises nothing new.
    expect(await monitor(db, quotas, NOW + 120_000)).toMatchObject({alerts_opened: 0, alerts_resolved: 0})

    // Calls from elsewhere take it to 95 %: the monitor switches nws to its fallback before anyone calls.
    countedToday(db, 19)
    const switched = await monitor(db, quotas, NOW + 180_000)
    expect(switched).toMatchObject({alerts_opened: 1, failovers_started: 1, providers: [{state: 'switch', action: 'switched', used: 19}]})
    expect(await nwsStatus(db, quotas, NOW + 190_000)).toMatchObject({failed_over: true, failed_over_since: at(NOW + 180_000), usage: {state: 'switch', used: 19, limit: 20}})
    const fromCache = await refresh(db, quotas, NOW + 240_000)
    expect(fromCache.source).toBe('cached')
    expect(fromCache.fallback_reason).toMatch(/quota at 95 % \(19\/20\); switched to the fallback/)
    expect(calls()).toBe(1)

    // 100 %: blocked ahead of the call; with no cache to switch to the call is still not made.
    countedToday(db, 20)
    expect(await monitor(db, quotas, NOW + 300_000)).toMatchObject({alerts_opened: 1, providers: [{state: 'blocked', action: 'blocked'}]})
    withDb(db, (d) => d.prepare(`DELETE FROM api_cache`).run())
    const blocked = await refresh(db, quotas, NOW + 360_000)
    expect(blocked.source).toBe('fallback')
    expect(blocked.fallback_reason).toMatch(/quota used up \(20\/20\); blocked until 2026-11-25T00:00:00.000Z/)
    expect(calls()).toBe(1)
    // The call path obeys the monitor's verdict, not only the counts: with them gone it still does not call.
    withDb(db, (d) => d.prepare(`DELETE FROM provider_usage`).run())
    expect((await refresh(db, quotas, NOW + 400_000)).source).toBe('fallback')
    expect(calls()).toBe(1)
    countedToday(db, 20)

    expect(await monitor(db, quotas, NOW + 420_000)).toMatchObject({alerts_opened: 0})
    expect(events(db)).toEqual([
      {target: 'nws', threshold: 80, resolved: 0},
      {target: 'nws', threshold: 95, resolved: 0},
      {target: 'nws', threshold: 100, resolved: 0},
    ])
    expect(count(db, `SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.alert_event_id IS NOT NULL AND u.role = 'ADMIN'`)).toBe(3)

    // The window resets at midnight: the failover is lifted and the events of the old window resolved.
    const lifted = await monitor(db, quotas, '2026-11-25T00:00:30Z')
    expect(lifted).toMatchObject({failovers_lifted: 1, alerts_resolved: 3, alerts_opened: 0, providers: [{state: 'ok', used: 0, action: 'lifted'}]})
    expect(await nwsStatus(db, quotas, '2026-11-25T00:00:40Z')).toMatchObject({failed_over: false, failed_over_since: null, usage: {state: 'ok'}})
    expect((await refresh(db, quotas, '2026-11-25T00:01:00Z')).source).toBe('live')
    expect(calls()).toBe(2)
  })
})

describe('quota-reset', () => {
  it("closes the month: its totals are recorded, outlive the usage rows, and the monthly failover is lifted", async () => {
    const db = firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
    const quotas = 'nws=2/month'
    server.hits.delete(ALERTS)
    expect((await refresh(db, quotas, '2026-10-30T08:00:00Z')).source).toBe('live')
    expect((await refresh(db, quotas, '2026-10-31T08:00:00Z')).source).toBe('live')
    // Both calls in one monitor run: every threshold crossed at once, one event each.
    expect(await monitor(db, quotas, '2026-10-31T08:01:00Z')).toMatchObject({alerts_opened: 3, providers: [{state: 'blocked', window_resets_at: '2026-11-01T00:00:00.000Z'}]})
    expect((await refresh(db, quotas, '2026-10-31T20:00:00Z')).source).toBe('cached')
    expect(calls()).toBe(2)

    const reset = await cli(db, quotas, '2026-11-01T00:00:00Z', ['providers', 'quota-reset'])
    expect(reset).toMatchObject({job: 'quota-reset', status: 'success'})
    // Every provider called in October has its total (the safety job asks for zone outlines and sea state too).
    expect(reset.summary).toMatchObject({months_closed: ['2026-10'], totals_recorded: reset.summary.totals.length, failovers_lifted: 1})
    expect(reset.summary.totals).toContainEqual({month: '2026-10', provider: 'nws', requests: 2, quota: '2/month'})

    // Cleanup takes the per-window counts of the closed month; the month's totals stay, and a second reset changes nothing.
    const november = Date.parse('2026-11-01T00:00:00Z')
    const october = count(db, `SELECT count(*) FROM provider_usage WHERE window_start < ?`, november)
    expect(october).toBeGreaterThan(0)
    const cleanup = await runInProcess(['cleanup', '--json', '--db', db], {env: {HARBORMASTER_NOW: '2026-11-03T00:00:00Z', HARBORMASTER_RETENTION_PROVIDER_USAGE_DAYS: '1'}})
    expect(cleanup.code, cleanup.stderr).toBe(0)
    expect(JSON.parse(cleanup.stdout).summary.deleted.provider_usage).toBe(october)
    expect(count(db, `SELECT count(*) FROM provider_usage`)).toBe(0)
    expect((await cli(db, quotas, '2026-11-03T00:05:00Z', ['providers', 'quota-reset'])).summary).toMatchObject({months_closed: [], totals_recorded: 0})
    expect((await refresh(db, quotas, '2026-11-03T00:10:00Z')).source).toBe('live')
    const usage = await cli(db, quotas, '2026-11-03T00:20:00Z', ['providers', 'usage', '--months', '3'])
    expect(usage.first_month).toBe('2026-09')
    expect(usage.totals.filter((t: {provider: string}) => t.provider === 'nws')).toEqual([
      {month: '2026-11', provider: 'nws', requests: 1, windows: 1, peak_window_requests: 1, quota: '2/month', closed: false, closed_at: null},
      {month: '2026-10', provider: 'nws', requests: 2, windows: 1, peak_window_requests: 2, quota: '2/month', closed: true, closed_at: '2026-11-01T00:00:00.000Z'},
    ])

    const schedule = await cli(db, quotas, '2026-11-03T00:30:00Z', ['schedule', 'list'])
    const jobs = JSON.stringify(schedule)
    expect(jobs).toContain('quota-monitor')
    expect(jobs).toContain('quota-reset')
  })
})
