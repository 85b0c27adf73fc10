// One call to an outside provider through the TTL cache: fresh cache without a call; otherwise a live
// call (quota permitting) whose validated answer replaces the entry; on failure the stale entry, labelled
// `cached` with its age. When neither is there, the caller falls back to the database, then shipped data.
import type {Context} from '../context.js'
import {HarbormasterError, errorMessage} from '../errors.js'
import {isFresh, readCache, writeCache} from '../cache/api-cache.js'
import {createHttpClient, getJson, type HttpRuntime, ProviderError} from '../http/client.js'
import {isCancelled, sleepUnlessCancelled} from '../cancel.js'
import {policyFor, ttlSeconds} from './registry.js'
import {quotaGate, recordOutcome, recordRequest} from './usage.js'

export interface ProviderRequest<T> {
  provider: string
  /** Cache key: the request, without secrets. */
  key: string
  url: string
  /** Validates the body (zod) and turns it into data; throws on a wrong shape. */
  parse(body: unknown): T
  /** Record the outcome in provider_state (false for sub-requests such as zone outlines). */
  track?: boolean
}

export interface Served<T> {
  data: T
  source: 'live' | 'cached'
  fetchedAt: number
  ageSeconds: number
  /** True when the cache was past its TTL and served only because the call failed. */
  stale: boolean
  attempts: number
  /** Why the live call was not used, when it was not. */
  reason?: string
  /** The same without the request (`failed: HTTP 500`), for where the request is named already. */
  problem?: string
}

/** Nothing to serve: no live answer and no cache entry. The caller falls back further. */
export class ProviderUnavailable extends HarbormasterError {
  constructor(
    readonly provider: string,
    readonly reason: string,
    readonly attempts: number,
    /** The reason without the request (`failed after 3 attempts: HTTP 500`). */
    readonly problem: string = reason,
  ) {
    super(`${provider}: ${reason}`)
    this.name = 'ProviderUnavailable'
  }
}

export function runtimeOf(ctx: Context): HttpRuntime {
  return {sleep: (ms) => sleepUnlessCancelled(ms, ctx.signal), random: Math.random, now: () => ctx.clock.now(), logger: ctx.logger, signal: ctx.signal, ...ctx.httpRuntime}
}

/**
 * One live GET of a provider, every attempt counted against its quota before it goes out (in a write of its
 * own: no transaction is open across the call); no cache. `onAttempt` sees the count of attempts so far.
 * `retries` overrides the configured ones (a probe makes one attempt).
 */
export async function callProvider(
  ctx: Context,
  provider: string,
  url: string,
  onAttempt?: (attempts: number) => void,
  options: {retries?: number} = {},
): Promise<{body: unknown; attempts: number}> {
  ctx.http ??= createHttpClient()
  const policy = policyFor(ctx.config, provider)
  let attempts = 0
  return getJson(ctx.http, url, options.retries === undefined ? policy : {...policy, retries: options.retries}, runtimeOf(ctx), async () => {
    onAttempt?.(++attempts)
    await recordRequest(ctx, provider)
  })
}

export async function fetchThroughCache<T>(ctx: Context, request: ProviderRequest<T>): Promise<Served<T>> {
  const now = ctx.clock.now()
  const log = ctx.logger.child({provider: request.provider})
  const entry = await readCache(ctx.db, request.key)
  const track = request.track ?? true
  const fromCache = (reason: string | undefined, attempts: number, problem = reason): Served<T> | undefined => {
    if (!entry) return undefined
    try {
      const data = request.parse(JSON.parse(entry.payload))
      return {data, source: 'cached', fetchedAt: entry.fetchedAt, ageSeconds: Math.round((now - entry.fetchedAt) / 1000), stale: !isFresh(entry, now), attempts, reason, problem}
    } catch {
      return undefined
    }
  }

  if (entry && isFresh(entry, now)) {
    const served = fromCache(undefined, 0)
    if (served) {
      log.debug(`served from cache, ${served.ageSeconds} s old`)
      return served
    }
  }

  const quota = await quotaGate(ctx, request.provider)
  let skip: string | undefined
  if (quota.state === 'blocked') {
    skip = `quota used up (${quota.used}/${quota.limit}); blocked until ${new Date(quota.resetsAt as number).toISOString()}`
  } else if (quota.state === 'switch' && entry) {
    skip = `quota at ${Math.round((quota.used / (quota.limit as number)) * 100)} % (${quota.used}/${quota.limit}); switched to the fallback`
  } else if (quota.state === 'warn') {
    log.warn(`quota at ${Math.round((quota.used / (quota.limit as number)) * 100)} % (${quota.used}/${quota.limit}) until ${new Date(quota.resetsAt as number).toISOString()}`)
  }

  let reason: string
  let problem: string
  let attempts = 0
  if (skip) {
    reason = skip
    problem = skip
    log.warn(skip)
  } else {
    try {
      const result = await callProvider(ctx, request.provider, request.url, (n) => (attempts = n))
      const data = request.parse(result.body)
      await writeCache(ctx.db, {key: request.key, provider: request.provider, payload: JSON.stringify(result.body), fetchedAt: now, ttlSeconds: ttlSeconds(ctx.config, request.provider)})
      if (track) await recordOutcome(ctx, request.provider, {source: 'live'})
      return {data, source: 'live', fetchedAt: now, ageSeconds: 0, stale: false, attempts}
    } catch (error) {
      // Asked to stop: no fallback, the job ends here.
      if (isCancelled(error)) throw error
      reason = errorMessage(error)
      problem = error instanceof ProviderError ? error.problem : reason
      attempts = Math.max(attempts, (error as {attempts?: number}).attempts ?? 0)
    }
  }

  const cached = fromCache(reason, attempts, problem)
  if (track) await recordOutcome(ctx, request.provider, {source: cached ? 'cached' : 'fallback', error: reason})
  if (cached) {
    log.warn(`${reason}; serving the cached answer from ${new Date(cached.fetchedAt).toISOString()} (${cached.ageSeconds} s old)`)
    return cached
  }
  throw new ProviderUnavailable(request.provider, reason, attempts, problem)
}
