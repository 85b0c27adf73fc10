// Outside services failing in every way a real one does, against the real CLI: each case must end in the
// documented source with correct metadata, retries counted, and no stored row lost or overwritten by worse data.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {count, ROOT, tempDir, withDb} from '../helpers/cli.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {runInProcess} from '../helpers/in-process.js'
import {startNwsServer, withTimesAround} from '../helpers/nws-server.js'
import {firstUseDb, seededDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const capture = withTimesAround(readFileSync(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), 'utf8'), NOW)
const ALERTS = '/alerts/active'

const tmp = tempDir()
let n = 0
const freshDb = () => firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
let server: FaultServer

beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(async () => {
  await server.close()
  tmp.cleanup()
})

type StormRefresh = {source: string; attempts: number; retries: number; fallback_reason?: string; age_seconds?: number; observed_at: string}

async function safetyRun(db: string, env: Record<string, string> = {}, flags: string[] = []) {
  const result = await runInProcess(['run-background-jobs', '--job', 'safety', '--json', ...flags, '--db', db], {
    env: {HARBORMASTER_NWS_URL: server.url, HARBORMASTER_NOW: new Date(NOW).toISOString(), HARBORMASTER_HTTP_RETRIES: '3', ...env},
  })
  expect(result.code, result.stderr).toBe(0)
  const job = JSON.parse(result.stdout).jobs.safety_events
  return {result, storm: job.zones.storm as StormRefresh}
}

const liveZones = (db: string) => count(db, `SELECT count(*) FROM safety_zones WHERE kind = 'storm' AND origin = 'ingest'`)

describe('the NWS alerts call', () => {
  it('500s then success: served live, the retries counted', async () => {
    server.script(ALERTS, [{status: 500}, {status: 503}, {ok: capture}])
    const {storm} = await safetyRun(freshDb())
    expect(storm).toMatchObject({source: 'live', attempts: 3, retries: 2})
  })

  it('429 with Retry-After: waits as told, then served live', async () => {
    server.hits.delete(ALERTS)
    server.script(ALERTS, [{status: 429, retryAfter: '2'}, {ok: capture}])
    const {result, storm} = await safetyRun(freshDb(), {}, ['--verbose'])
    expect(storm).toMatchObject({source: 'live', retries: 1})
    expect(server.hits.get(ALERTS)).toHaveLength(2)
    // The wait is the one the answer asked for (test/unit/http-client.test.ts times it on a fake clock).
    expect(result.stderr).toMatch(/nws: HTTP 429; retrying in 2000 ms/)
  })

  it('a hang past the timeout: retried, then the shipped capture serves (emergency), with the reason', async () => {
    server.script(ALERTS, [{hang: true}])
    const {storm} = await safetyRun(freshDb(), {HARBORMASTER_HTTP_TIMEOUT_MS: '400', HARBORMASTER_HTTP_RETRIES: '1'})
    expect(storm.source).toBe('emergency')
    expect(storm.fallback_reason).toMatch(/failed after 2 attempts: timed out after 400 ms/)
    expect(storm).toMatchObject({attempts: 2, retries: 1})
  })

  it('a hang longer than the overall deadline: one attempt, no retries past the deadline, the fallback serves', async () => {
    server.hits.delete(ALERTS)
    server.script(ALERTS, [{hang: true}])
    // Without the deadline this would cost four read timeouts of a minute each (the test's own limit is one).
    const {storm} = await safetyRun(freshDb(), {HARBORMASTER_HTTP_TIMEOUT_MS: '60000', HARBORMASTER_HTTP_RETRIES: '3', HARBORMASTER_HTTP_DEADLINE_MS: '1500'})
    expect(storm.source).toBe('emergency')
    expect(storm.fallback_reason).toMatch(/GET .*\/alerts\/active.* failed: no answer within the overall deadline of 1.5 s/)
    expect(storm).toMatchObject({attempts: 1, retries: 0})
    expect(server.hits.get(ALERTS)).toHaveLength(1)
  })

  it('DNS failure: not retried, the fallback serves at once', async () => {
    const {storm} = await safetyRun(freshDb(), {HARBORMASTER_NWS_URL: 'http://harbormaster-test.invalid'})
    expect(storm.source).toBe('emergency')
    expect(storm.fallback_reason).toMatch(/DNS lookup failed/)
    expect(storm.attempts).toBe(1)
  })

  describe('after a good answer is stored', () => {
    const db = freshDb()
    let zonesBefore: number
    let cacheBefore: {payload: string; fetched_at: number}

    beforeAll(async () => {
      server.script(ALERTS, [{ok: capture}])
      // A zero cache time: the next runs call NWS again, and hold only a stale entry when it fails.
      const {storm} = await safetyRun(db, {HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '0'})
      expect(storm.source).toBe('live')
      zonesBefore = liveZones(db)
      expect(zonesBefore).toBeGreaterThan(0)
      cacheBefore = withDb(db, (d) => d.prepare(`SELECT payload, fetched_at FROM api_cache WHERE key LIKE 'nws:/alerts%'`).get()) as typeof cacheBefore
    })

    const later = new Date(NOW + 90_000).toISOString()
    const cases: Array<[string, Parameters<FaultServer['script']>[1], RegExp, Record<string, string>]> = [
      ['truncated JSON', [{truncate: capture}], /not JSON/, {}],
      ['a huge body', [{huge: 3_000_000}], /response larger than 2000000 bytes/, {HARBORMASTER_HTTP_MAX_BYTES: '2000000'}],
      ['valid JSON of the wrong shape', [{json: {type: 'Feature', properties: {}}}], /not an NWS alerts FeatureCollection/, {}],
      ['persistent 500s', [{status: 500}], /failed after 2 attempts: HTTP 500/, {}],
    ]
    it.each(cases)('%s: the stale cached answer serves, labelled with its age; the good entry and the zones stay', async (_, script, reason, env) => {
      server.script(ALERTS, script)
      const {storm} = await safetyRun(db, {
        HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '0',
        HARBORMASTER_NOW: later,
        HARBORMASTER_HTTP_RETRIES: '1',
        ...env,
      })
      expect(storm.source).toBe('cached')
      expect(storm.age_seconds).toBe(90)
      expect(storm.observed_at).toBe(new Date(NOW).toISOString())
      expect(storm.fallback_reason).toMatch(reason)
      expect(liveZones(db)).toBe(zonesBefore)
      expect(withDb(db, (d) => d.prepare(`SELECT payload, fetched_at FROM api_cache WHERE key LIKE 'nws:/alerts%'`).get())).toEqual(cacheBefore)
    })

    it('providers status shows the failover, and health turns degraded once it lasts past the grace', async () => {
      const status = await runInProcess(['providers', 'status', '--json', '--db', db], {env: {HARBORMASTER_NOW: later}})
      const nws = (JSON.parse(status.stdout).providers as Array<Record<string, unknown>>).find((p) => p.provider === 'nws')
      expect(nws).toMatchObject({failed_over: true, last_source: 'cached', last_success_at: new Date(NOW).toISOString(), degraded: false})
      expect(nws?.last_error).toMatch(/HTTP 500/)
      // One good call, one each for the truncated, huge and wrong-shaped answers, two for the 500s.
      expect((nws?.usage as {used: number}).used).toBe(6)

      const hoursLater = new Date(NOW + 3 * 3_600_000).toISOString()
      const health = await runInProcess(['health', '--json', '--db', db], {env: {HARBORMASTER_NOW: hoursLater}})
      const report = JSON.parse(health.stdout)
      expect(report.components.providers.status).toBe('degraded')
      expect(report.components.providers.failed_over).toContain('nws')
      expect(report.components.providers.reason).toMatch(/serving only fallbacks for over 120 min: .*nws/)
      expect(report.overall_status).not.toBe('healthy')
    })

    it('with nothing cached either, the zones of the last good answer serve from the database (fallback)', async () => {
      withDb(db, (d) => d.prepare(`DELETE FROM api_cache`).run())
      server.script(ALERTS, [{status: 500}])
      const {storm} = await safetyRun(db, {HARBORMASTER_NOW: later, HARBORMASTER_HTTP_RETRIES: '0'})
      expect(storm.source).toBe('fallback')
      expect(liveZones(db)).toBe(zonesBefore)
    })
  })
})

describe('quotas', () => {
  it('at 100 % the provider is not called until the window resets; the fallback serves', async () => {
    const db = freshDb()
    server.script(ALERTS, [{ok: capture}])
    server.hits.delete(ALERTS)
    const env = {HARBORMASTER_QUOTAS: 'nws=1/day', HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '0'}
    expect((await safetyRun(db, env)).storm.source).toBe('live')
    const second = await safetyRun(db, {...env, HARBORMASTER_NOW: new Date(NOW + 60_000).toISOString()})
    expect(second.storm.source).toBe('cached')
    expect(second.storm.fallback_reason).toMatch(/quota used up \(1\/1\); blocked until 2026-11-25T00:00:00.000Z/)
    expect(server.hits.get(ALERTS)).toHaveLength(1)
    const nextDay = await safetyRun(db, {...env, HARBORMASTER_NOW: '2026-11-25T00:30:00Z'})
    expect(nextDay.storm.source).toBe('live')
  })

  it('at 80 % a warning', async () => {
    const db = freshDb()
    server.script(ALERTS, [{ok: capture}])
    const env = {HARBORMASTER_QUOTAS: 'nws=5/day', HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '0'}
    for (let i = 0; i < 4; i++) await safetyRun(db, {...env, HARBORMASTER_NOW: new Date(NOW + i * 60_000).toISOString()})
    const fifth = await safetyRun(db, {...env, HARBORMASTER_NOW: new Date(NOW + 5 * 60_000).toISOString()})
    expect(fifth.result.stderr).toMatch(/WARNING quota at 80 % \(4\/5\)/)
    expect(fifth.storm.source).toBe('live')
  })
})

describe('NWS zone outlines', () => {
  it('the outlines of the zones that geometry-less marine alerts name are asked for, and the alerts come from the cache after', async () => {
    const alerts = JSON.parse(capture) as {features: Array<{geometry: unknown; properties: {event: string; affectedZones: string[]}}>}
    const nws = await startNwsServer(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), NOW)
    try {
      const db = freshDb()
      const env = {HARBORMASTER_NWS_URL: nws.url, HARBORMASTER_NOW: new Date(NOW).toISOString()}
      const first = await safetyRun(db, env)
      const named = new Set<string>()
      for (const f of alerts.features) {
        if (f.geometry === null && /^(Small Craft Advisory|Gale Warning|Special Marine Warning)$/.test(f.properties.event)) {
          for (const z of f.properties.affectedZones) named.add(new URL(z).pathname)
        }
      }
      const asked = new Set(nws.requests.map((r) => r.path).filter((p) => p.startsWith('/zones/')))
      expect([...asked].sort()).toEqual([...named].sort())
      // The stand-in knows none of these zones (404): the alerts stay without geometry, counted.
      expect(first.storm).toMatchObject({source: 'live', outlined_from_zones: 0})
      expect((first.storm as unknown as {without_geometry: number}).without_geometry).toBe(72)
      const before = nws.requests.length
      const second = await safetyRun(db, env)
      expect(second.storm.source).toBe('cached')
      expect(nws.requests.slice(before).some((r) => r.path.startsWith('/alerts'))).toBe(false)
    } finally {
      await nws.close()
    }
  })
})

describe('Open-Meteo sea state at ports', () => {
  it('stores wave heights of the busiest ports with their storm risk, and keeps them when the service fails', async () => {
    // No real Open-Meteo capture is available: this stand-in answers in the API's documented multi-location
    // format (a list of {latitude, longitude, current}) with the wave heights below.
    const {startJsonServer} = await import('../helpers/feeds.js')
    const waves = [0.4, 3.1, 6.5]
    const meteo = await startJsonServer({status: 200, body: '[]'})
    try {
      const db = seededDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
      const top = withDb(db, (d) => d.prepare(`SELECT lat, lon FROM ports WHERE harbor_size = 'Large' ORDER BY id LIMIT 3`).all()) as Array<{lat: number; lon: number}>
      meteo.reply = {
        status: 200,
        body: JSON.stringify(top.map((p, i) => ({latitude: p.lat, longitude: p.lon, current: {time: NOW / 1000 - 600, interval: 900, wave_height: waves[i], wave_period: 7}}))),
      }
      const env = {HARBORMASTER_OPEN_METEO_URL: meteo.url, HARBORMASTER_PORT_WEATHER_PORTS: '3', HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '0'}
      const first = await runInProcess(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {env: {...env, HARBORMASTER_NOW: new Date(NOW).toISOString()}})
      const weather = JSON.parse(first.stdout).jobs.safety_events.port_weather
      expect(weather).toMatchObject({ports: 3, updated: 3, source: 'live', risk: {low: 1, moderate: 1, severe: 1}})
      expect(meteo.requests[0]).toMatch(/latitude=.*%2C.*&longitude=.*&current=wave_height%2Cwave_period/)
      expect(withDb(db, (d) => d.prepare(`SELECT storm_risk, wave_height_m, source FROM port_weather ORDER BY id`).all())).toEqual([
        {storm_risk: 'low', wave_height_m: 0.4, source: 'live'},
        {storm_risk: 'moderate', wave_height_m: 3.1, source: 'live'},
        {storm_risk: 'severe', wave_height_m: 6.5, source: 'live'},
      ])

      meteo.reply = {status: 400, body: '{"error":true,"reason":"Latitude must be in range of -90 to 90°."}'}
      withDb(db, (d) => d.prepare(`DELETE FROM api_cache`).run())
      const failed = await runInProcess(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {env: {...env, HARBORMASTER_NOW: new Date(NOW + 60_000).toISOString()}})
      const after = JSON.parse(failed.stdout).jobs.safety_events.port_weather
      expect(after).toMatchObject({updated: 0, source: 'fallback', observed_at: new Date(NOW - 600_000).toISOString()})
      expect(after.fallback_reason).toMatch(/HTTP 400/)
      expect(count(db, 'SELECT count(*) FROM port_weather')).toBe(3)
    } finally {
      await meteo.close()
    }
  })
})
