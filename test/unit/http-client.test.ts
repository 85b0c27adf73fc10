// The HTTP layer's retry policy with a fake clock: exponential backoff with full jitter, Retry-After in
// seconds and as an HTTP date, the cap on Retry-After, no retry on 4xx or an unknown host; and zone outlines.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {Cancelled} from '../../src/services/cancel.js'
import {openDatabase} from '../../src/services/db/client.js'
import {loadConfig} from '../../src/services/config.js'
import {fixedClock} from '../../src/services/clock.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {createHttpClient, getJson, type HttpPolicy, parseRetryAfter, ProviderError} from '../../src/services/http/client.js'
import {cachedZoneOutline, fetchZoneOutline, zonePath} from '../../src/services/providers/nws.js'
import {pointInGeometry, type ZoneGeometry} from '../../src/services/geo/geometry.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {ROOT, tempDir} from '../helpers/cli.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
let server: FaultServer
beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(() => server.close())

const policy: HttpPolicy = {
  provider: 'test',
  connectTimeoutMs: 1000,
  readTimeoutMs: 2000,
  retries: 3,
  maxBytes: 1_000_000,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 30_000,
  deadlineMs: 20_000,
}

/** A runtime whose sleeps return at once and are recorded: the fake clock. */
function fakeRuntime(random = 0.5) {
  const slept: number[] = []
  return {slept, runtime: {sleep: async (ms: number) => void slept.push(ms), random: () => random, now: () => NOW, logger: silentLogger}}
}

describe('getJson retries', () => {
  const http = createHttpClient()

  it('backs off exponentially with full jitter on 5xx, then succeeds', async () => {
    server.script('/a', [{status: 500}, {status: 502}, {status: 503}, {json: {ok: true}}])
    const {slept, runtime} = fakeRuntime(0.5)
    const result = await getJson(http, `${server.url}/a`, policy, runtime)
    expect(result).toEqual({body: {ok: true}, attempts: 4})
    // random × min(cap, base × 2^attempt)
    expect(slept).toEqual([250, 500, 1000])
  })

  it('caps the delay and draws it from the whole range (full jitter)', async () => {
    server.script('/b', [{status: 500}])
    const {slept, runtime} = fakeRuntime(0.999)
    await expect(getJson(http, `${server.url}/b`, {...policy, retries: 6}, runtime)).rejects.toThrow(/failed after 7 attempts: HTTP 500/)
    expect(slept.map(Math.round)).toEqual([500, 999, 1998, 3996, 7992, 7992])
    const zero = fakeRuntime(0)
    await expect(getJson(http, `${server.url}/b`, {...policy, retries: 2}, zero.runtime)).rejects.toThrow()
    expect(zero.slept).toEqual([0, 0])
  })

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    server.script('/c', [{status: 429, retryAfter: '7'}, {status: 503, retryAfter: new Date(NOW + 12_000).toUTCString()}, {json: []}])
    const {slept, runtime} = fakeRuntime()
    await getJson(http, `${server.url}/c`, policy, runtime)
    expect(slept).toEqual([7000, 12_000])
  })

  it('does not wait for a Retry-After beyond the cap: it fails so the caller can fall back', async () => {
    server.script('/d', [{status: 429, retryAfter: '3600'}])
    const {slept, runtime} = fakeRuntime()
    await expect(getJson(http, `${server.url}/d`, policy, runtime)).rejects.toThrow(/Retry-After 3600 s/)
    expect(slept).toEqual([])
  })

  it('never retries other 4xx, nor an unknown host', async () => {
    server.script('/e', [{status: 404}])
    const {slept, runtime} = fakeRuntime()
    const error = await getJson(http, `${server.url}/e`, policy, runtime).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({kind: 'http', status: 404, attempts: 1})
    const dns = await getJson(http, 'http://harbormaster-test.invalid/x', policy, runtime).catch((e: unknown) => e)
    expect(dns).toMatchObject({kind: 'dns', attempts: 1})
    expect(slept).toEqual([])
  })

  it('hides secrets in the URL it reports', async () => {
    server.script('/f', [{status: 404}])
    const {runtime} = fakeRuntime()
    const error = (await getJson(http, `${server.url}/f?username=alice&apikey=s3cret`, policy, runtime).catch((e: unknown) => e)) as Error
    expect(error.message).not.toMatch(/alice|s3cret/)
    expect(error.message).toMatch(/username=\*\*\*\*\*\*\*\*/)
  })

  it('ends a hanging call at the overall deadline, whatever the read timeout and retries', async () => {
    server.hits.delete('/g')
    server.script('/g', [{hang: true}])
    const {slept, runtime} = fakeRuntime()
    const error = await getJson(http, `${server.url}/g`, {...policy, readTimeoutMs: 60_000, retries: 3, deadlineMs: 300}, runtime).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({kind: 'timeout', attempts: 1, message: expect.stringMatching(/failed: no answer within the overall deadline of 0.3 s$/)})
    expect(server.hits.get('/g')).toHaveLength(1)
    expect(slept).toEqual([])
  })

  it('does not begin a wait that would end past the deadline', async () => {
    server.script('/h', [{status: 503}])
    // Waits of 499, 999, 1998, 3996 ms fit in 5 s; the next, 7992 ms, does not.
    const {slept, runtime} = fakeRuntime(0.999)
    const error = await getJson(http, `${server.url}/h`, {...policy, retries: 10, deadlineMs: 5000}, runtime).catch((e: unknown) => e)
    expect(error).toMatchObject({kind: 'http', attempts: 5, message: expect.stringMatching(/failed after 5 attempts: HTTP 503, and no answer within the overall deadline of 5 s/)})
    expect(slept.map(Math.round)).toEqual([500, 999, 1998, 3996])
  })

  it('stops a call in flight when the job is asked to stop', async () => {
    server.hits.delete('/i')
    server.script('/i', [{hang: true}])
    const stop = new AbortController()
    const {runtime} = fakeRuntime()
    const pending = getJson(http, `${server.url}/i`, policy, {...runtime, signal: stop.signal}).catch((e: unknown) => e)
    while (!server.hits.get('/i')) await new Promise((r) => setTimeout(r, 10))
    stop.abort(new Cancelled('timeout', 'timed out after 1 s'))
    const error = await pending
    expect(error).toBeInstanceOf(Cancelled)
    expect(error).toMatchObject({kind: 'timeout', message: 'timed out after 1 s'})
  })

  it('reads Retry-After forms', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000)
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000)
    expect(parseRetryAfter('soon', NOW)).toBeNull()
  })
})

describe('NWS zone outlines', () => {
  it('fetches a zone outline once, caches it, and its polygon reaches the antimeridian', async () => {
    const tmp = tempDir()
    const db = openDatabase(join(tmp.dir, 'h.db'))
    try {
      server.hits.delete('/zones/forecast/PKZ413')
      server.script('/zones/forecast/PKZ413', [{ok: readFileSync(join(ROOT, 'test', 'fixtures', 'weather', 'nws-zone-PKZ413.json'), 'utf8')}])
      const config = loadConfig({env: {HARBORMASTER_NWS_URL: server.url}, dbPath: join(tmp.dir, 'h.db')})
      const ctx = {config, db, logger: silentLogger, clock: fixedClock(NOW)}
      const path = zonePath('https://api.weather.gov/zones/forecast/PKZ413') as string
      expect(path).toBe('/zones/forecast/PKZ413')
      const fetched = await fetchZoneOutline(ctx, path)
      expect(fetched).toMatchObject({source: 'live', requests: 1})
      const outline = fetched.geometry as ZoneGeometry
      expect(outline.type).toBe('Polygon')
      expect(await cachedZoneOutline(ctx, path)).toEqual({geometry: outline, fresh: true})
      expect(server.hits.get('/zones/forecast/PKZ413')).toHaveLength(1)
      // A vessel west of 171°W in the Bering Sea is inside; one across the date line, at 179.5°E, is not.
      expect(pointInGeometry(outline, -179.5, 55)).toBe(true)
      expect(pointInGeometry(outline, -179.99, 55.5)).toBe(true)
      expect(pointInGeometry(outline, 179.5, 55)).toBe(false)
      expect(zonePath('https://api.weather.gov/zones/forecast/not-a-zone')).toBeNull()
      expect(zonePath('https://every-alert/zone')).toBeNull()
      expect(zonePath('https://api.weather.gov/zones/forecast/AR-MARINE')).toBeNull()
    } finally {
      db.close()
      tmp.cleanup()
    }
  })
})
