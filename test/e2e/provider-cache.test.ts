// Outside answers through the TTL cache on the run's database (SQLite, or PostgreSQL in the `postgres`
// project), against a fault-injecting local server and a fake clock: a live answer cached, a fresh one
// served without a call, a stale one when the call fails, calls counted per quota window and the provider
// blocked at 100 %, the fallback clock started once and cleared by a success, expired entries purged.
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cacheSummary, purgeExpired, readCache} from '../../src/services/cache/api-cache.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {providerStates} from '../../src/services/db/provider-state.js'
import type {AnyDb} from '../../src/services/db/transaction.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {providerFallbacks} from '../../src/services/providers/fallbacks.js'
import {fetchThroughCache, ProviderUnavailable} from '../../src/services/providers/fetch.js'
import {checkQuota} from '../../src/services/providers/usage.js'
import {tempDir} from '../helpers/cli.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {emptyDb, openTestDb} from '../helpers/template.js'

const START = Date.parse('2026-11-24T12:00:00Z')
const ALERTS = '/alerts/active'
const answer = {type: 'FeatureCollection', features: [{id: 'alert-1'}]}

let server: FaultServer
const temp = tempDir()
const opened: AnyDb[] = []
beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(async () => {
  for (const db of opened) await db.close()
  await server.close()
  temp.cleanup()
})

async function context(env: Record<string, string> = {}) {
  const location = emptyDb(join(temp.dir, `cache-${opened.length + 1}.db`))
  const db = await openTestDb(location)
  opened.push(db)
  const clock = fixedClock(START)
  const config = loadConfig({
    dbPath: location,
    env: {HARBORMASTER_NWS_URL: server.url, HARBORMASTER_HTTP_RETRIES: '0', HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '60', ...env},
  })
  const ctx: Context = {config, db, logger: silentLogger, clock, httpRuntime: {sleep: async () => undefined}}
  const alerts = () =>
    fetchThroughCache(ctx, {
      provider: 'nws',
      key: `nws:${ALERTS}`,
      url: `${server.url}${ALERTS}`,
      parse: (body) => body as typeof answer,
    })
  const state = async () => (await providerStates(db)).find((s) => s.provider === 'nws')
  return {ctx, db, clock, alerts, state}
}

const calls = () => server.hits.get(ALERTS)?.length ?? 0

describe('outside answers through the cache', () => {
  it('live, then fresh from the cache, then stale when the call fails; the fallback clock runs from the first failure until a success', async () => {
    const {ctx, db, clock, alerts, state} = await context()
    server.hits.delete(ALERTS)
    server.script(ALERTS, [{ok: JSON.stringify(answer)}, {status: 500}])

    expect(await alerts()).toMatchObject({source: 'live', data: answer, attempts: 1, stale: false})
    expect(await readCache(db, `nws:${ALERTS}`)).toEqual({key: `nws:${ALERTS}`, provider: 'nws', payload: JSON.stringify(answer), fetchedAt: START, ttlSeconds: 60})
    expect(await state()).toMatchObject({lastSuccessAt: START, fallbackSince: null, lastSource: 'live', lastError: null})

    clock.advance(30_000)
    expect(await alerts()).toMatchObject({source: 'cached', stale: false, ageSeconds: 30, attempts: 0})
    expect(calls()).toBe(1)

    clock.advance(60_000)
    const stale = await alerts()
    expect(stale).toMatchObject({source: 'cached', stale: true, ageSeconds: 90, data: answer})
    expect(stale.reason).toMatch(/HTTP 500/)
    const failedAt = START + 90_000
    expect(await state()).toMatchObject({lastSuccessAt: START, fallbackSince: failedAt, lastErrorAt: failedAt, lastSource: 'cached'})
    expect(await state().then((s) => s?.lastError)).toMatch(/HTTP 500/)

    // A later failure keeps the clock where it started.
    clock.advance(3 * 3_600_000)
    await alerts()
    expect(await state()).toMatchObject({fallbackSince: failedAt, lastErrorAt: clock.now()})
    expect(await providerFallbacks(ctx)).toContainEqual({provider: 'nws', failed_over: true, degraded: true})

    // The good entry was never replaced by a failed call.
    expect((await readCache(db, `nws:${ALERTS}`))?.fetchedAt).toBe(START)

    server.script(ALERTS, [{ok: JSON.stringify(answer)}])
    clock.advance(60_000)
    expect(await alerts()).toMatchObject({source: 'live'})
    expect(await state()).toMatchObject({lastSuccessAt: clock.now(), fallbackSince: null, lastSource: 'live'})
    expect(await providerFallbacks(ctx)).toContainEqual({provider: 'nws', failed_over: false, degraded: false})
  })

  it('with nothing cached a failed call leaves the caller to fall back further, and says so in the state', async () => {
    const {alerts, state} = await context()
    server.script(ALERTS, [{status: 503}])
    await expect(alerts()).rejects.toBeInstanceOf(ProviderUnavailable)
    expect(await state()).toMatchObject({lastSuccessAt: null, fallbackSince: START, lastSource: 'fallback'})
  })

  it('counts calls per quota window: blocked at 100 % until the window resets', async () => {
    const {ctx, clock, alerts} = await context({HARBORMASTER_QUOTAS: 'nws=2/day', HARBORMASTER_CACHE_TTL_WEATHER_SECONDS: '0'})
    server.script(ALERTS, [{ok: JSON.stringify(answer)}])
    server.hits.delete(ALERTS)
    await alerts()
    clock.advance(60_000)
    await alerts()
    expect(await checkQuota(ctx, 'nws')).toMatchObject({state: 'blocked', used: 2, limit: 2, resetsAt: Date.parse('2026-11-25T00:00:00Z')})
    clock.advance(60_000)
    const blocked = await alerts()
    expect(blocked).toMatchObject({source: 'cached', attempts: 0})
    expect(blocked.reason).toBe('quota used up (2/2); blocked until 2026-11-25T00:00:00.000Z')
    expect(calls()).toBe(2)
    clock.set('2026-11-25T00:30:00Z')
    expect(await checkQuota(ctx, 'nws')).toMatchObject({state: 'ok', used: 0})
    expect(await alerts()).toMatchObject({source: 'live'})
    expect(calls()).toBe(3)
  })

  it('purges entries expired for longer than the grace, and no others', async () => {
    const {db, clock, alerts} = await context()
    server.script(ALERTS, [{ok: JSON.stringify(answer)}])
    await alerts()
    expect((await cacheSummary(db)).get('nws')).toEqual({entries: 1, newestAt: START})
    // Expired at START + 60 s: kept through a day's grace, gone after it.
    expect(await purgeExpired(db, START + 60_000 + 86_400_000, 86_400_000)).toBe(0)
    expect(await purgeExpired(db, clock.now() + 60_001 + 86_400_000, 86_400_000)).toBe(1)
    expect(await cacheSummary(db)).toEqual(new Map())
  })
})
