// Outbound HTTP for every provider: per-provider connect and read timeouts, retries with exponential
// backoff and full jitter on timeouts, connection errors, 429 and 5xx (never other 4xx), Retry-After
// honoured, an overall deadline over all attempts and waits, the job's stop request obeyed mid-call, a
// response size cap, a User-Agent naming harbormaster, and errors that never carry secrets.
import {Agent as HttpAgent} from 'node:http'
import {Agent as HttpsAgent} from 'node:https'
import type {Socket} from 'node:net'

import axios, {type AxiosInstance, isAxiosError} from 'axios'

import {backoffDelay} from '../backoff.js'
import {anySignal, cancellationOf, throwIfCancelled} from '../cancel.js'
import {HarbormasterError} from '../errors.js'
import type {Logger} from '../log/logger.js'
import {USER_AGENT} from '../version.js'

export interface HttpPolicy {
  /** The provider's name, for logs, usage and status. */
  provider: string
  /** No TCP (and TLS) connection within this long: a timeout. */
  connectTimeoutMs: number
  /** No response within this long once connected (and an idle socket this long): a timeout. */
  readTimeoutMs: number
  /** Further attempts after the first, on retryable failures. */
  retries: number
  /** Largest body accepted, in bytes. */
  maxBytes: number
  baseDelayMs: number
  maxDelayMs: number
  /** A Retry-After longer than this is not waited for: the call fails and the caller falls back. */
  maxRetryAfterMs: number
  /** The whole call, every attempt and every wait between them, ends within this (wall clock). */
  deadlineMs: number
}

export interface HttpRuntime {
  sleep(ms: number): Promise<void>
  random(): number
  now(): number
  logger: Logger
  /** The job's stop request: aborts the call in flight and the wait before a retry. */
  signal?: AbortSignal
}

export type FailureKind = 'timeout' | 'connection' | 'dns' | 'http' | 'too_large' | 'not_json' | 'invalid'

/** A provider call that failed for good; `kind` says how, `attempts` how many calls it took. */
export class ProviderError extends HarbormasterError {
  constructor(
    /** The request as it may be shown (`GET https://…`, secrets masked). */
    readonly request: string,
    /** What went wrong, without the request: `failed after 3 attempts: HTTP 500`. */
    readonly problem: string,
    readonly kind: FailureKind,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(`${request} ${problem}`)
    this.name = 'ProviderError'
  }
}

export type HttpClient = AxiosInstance

export function createHttpClient(): HttpClient {
  return axios.create({
    maxRedirects: 3,
    headers: {'User-Agent': USER_AGENT, Accept: 'application/geo+json, application/json'},
    // The body is parsed here, so a truncated body is reported as such rather than passed on as a string.
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  })
}

/** Agents whose sockets fail when not connected within `ms` (axios has one timeout for the whole call). */
const agents = new Map<number, {http: HttpAgent; https: HttpsAgent}>()
function agentsFor(ms: number): {http: HttpAgent; https: HttpsAgent} {
  let pair = agents.get(ms)
  if (!pair) {
    const guard = (socket: Socket, event: 'connect' | 'secureConnect') => {
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`connect timeout after ${ms} ms`), {code: 'ECONNTIMEOUT'})), ms)
      socket.once(event, () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
      return socket
    }
    class ConnectTimeoutHttp extends HttpAgent {
      override createConnection(...args: Parameters<HttpAgent['createConnection']>) {
        return guard(super.createConnection(...args) as Socket, 'connect')
      }
    }
    class ConnectTimeoutHttps extends HttpsAgent {
      override createConnection(...args: Parameters<HttpsAgent['createConnection']>) {
        return guard(super.createConnection(...args) as Socket, 'secureConnect')
      }
    }
    pair = {http: new ConnectTimeoutHttp({keepAlive: false}), https: new ConnectTimeoutHttps({keepAlive: false})}
    agents.set(ms, pair)
  }
  return pair
}

/** Retry-After in milliseconds from `now`: seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

interface Attempt {
  ok: boolean
  body?: string
  kind?: FailureKind
  status?: number
  detail: string
  retryable: boolean
  retryAfterMs?: number | null
  /** Cut short by the deadline or the job's stop request. */
  aborted?: boolean
}

export interface OutboundRequest {
  method: 'GET' | 'POST'
  url: string
  /** A JSON body (POST). */
  json?: unknown
}

async function attempt(http: HttpClient, request: OutboundRequest, policy: HttpPolicy, now: number, signal: AbortSignal): Promise<Attempt> {
  const {http: httpAgent, https: httpsAgent} = agentsFor(policy.connectTimeoutMs)
  try {
    const response = await http.request<string>({
      method: request.method,
      url: request.url,
      data: request.json === undefined ? undefined : JSON.stringify(request.json),
      headers: request.json === undefined ? undefined : {'Content-Type': 'application/json'},
      timeout: policy.readTimeoutMs,
      maxContentLength: policy.maxBytes,
      httpAgent,
      httpsAgent,
      signal,
    })
    if (response.status >= 200 && response.status < 300) return {ok: true, body: response.data, detail: `HTTP ${response.status}`, retryable: false}
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'] as string | undefined, now)
    const retryable = response.status === 429 || response.status >= 500
    return {ok: false, kind: 'http', status: response.status, detail: `HTTP ${response.status}`, retryable, retryAfterMs}
  } catch (error) {
    if (signal.aborted) return {ok: false, kind: 'timeout', detail: 'aborted', retryable: false, aborted: true}
    if (isAxiosError(error)) {
      const code = error.code ?? ''
      // axios gives an oversized answer no code of its own (ERR_BAD_RESPONSE is shared): only its message tells.
      if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(error.message)) {
        return {ok: false, kind: 'too_large', detail: `response larger than ${policy.maxBytes} bytes`, retryable: false}
      }
      if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ECONNTIMEOUT') {
        return {ok: false, kind: 'timeout', detail: code === 'ECONNTIMEOUT' ? error.message : `timed out after ${policy.readTimeoutMs} ms`, retryable: true}
      }
      if (code === 'ENOTFOUND') return {ok: false, kind: 'dns', detail: 'DNS lookup failed (ENOTFOUND)', retryable: false}
      if (code === 'EAI_AGAIN') return {ok: false, kind: 'dns', detail: 'DNS lookup failed (EAI_AGAIN)', retryable: true}
      return {ok: false, kind: 'connection', detail: code || error.message, retryable: true}
    }
    return {ok: false, kind: 'connection', detail: (error as Error).message, retryable: true}
  }
}

export interface JsonResult {
  body: unknown
  attempts: number
}

/**
 * Sends `request`, retrying what may pass, all within `policy.deadlineMs`. `onAttempt` sees every call
 * (usage counting), awaited before it when it returns a promise. Returns the body of the successful answer
 * and how many calls it took; throws a ProviderError naming the URL without its secrets, or the job's
 * Cancelled when it was asked to stop.
 */
export async function send(
  http: HttpClient,
  request: OutboundRequest,
  policy: HttpPolicy,
  runtime: HttpRuntime,
  onAttempt?: () => unknown,
): Promise<{body: string; attempts: number}> {
  const shown = `${request.method} ${redactUrl(request.url)}`
  const started = performance.now()
  const left = () => policy.deadlineMs - (performance.now() - started)
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), policy.deadlineMs)
  const {signal, dispose} = anySignal([deadline.signal, runtime.signal])
  // `last`: the failed attempt after which no further one fits in the deadline.
  const pastDeadline = (n: number, last?: Attempt) =>
    new ProviderError(
      shown,
      `failed${n > 1 ? ` after ${n} attempts` : ''}: ${last ? `${last.detail}, and ` : ''}no answer within the overall deadline of ${policy.deadlineMs / 1000} s`,
      last?.kind ?? 'timeout',
      n,
      last?.status,
    )
  try {
    for (let n = 1; ; n++) {
      throwIfCancelled(runtime.signal)
      await onAttempt?.()
      // An attempt still waiting at the deadline is cut by it (the signal), whatever its read timeout.
      const result = await attempt(http, request, policy, runtime.now(), signal)
      if (runtime.signal?.aborted) throw cancellationOf(runtime.signal)
      if (result.ok) return {body: result.body ?? '', attempts: n}
      if (result.aborted) throw pastDeadline(n)
      const last = n > policy.retries || !result.retryable
      let delay = backoffDelay(n - 1, policy.baseDelayMs, policy.maxDelayMs, runtime.random)
      if (result.retryAfterMs !== undefined && result.retryAfterMs !== null) {
        if (result.retryAfterMs > policy.maxRetryAfterMs) {
          throw new ProviderError(
            shown,
            `answered ${result.detail} with Retry-After ${Math.round(result.retryAfterMs / 1000)} s (longer than this run waits)`,
            result.kind as FailureKind,
            n,
            result.status,
          )
        }
        delay = result.retryAfterMs
      }
      if (last) {
        const tries = n > 1 ? ` after ${n} attempts` : ''
        throw new ProviderError(shown, `failed${tries}: ${result.detail}`, result.kind as FailureKind, n, result.status)
      }
      // A wait that would end past the deadline is not begun: the caller falls back now.
      if (delay >= left()) throw pastDeadline(n, result)
      runtime.logger.debug(`${policy.provider}: ${result.detail}; retrying in ${Math.round(delay)} ms`, {attempt: n})
      await runtime.sleep(delay)
    }
  } finally {
    clearTimeout(timer)
    dispose()
  }
}

/** GETs `url` and parses its JSON (see `send`). */
export async function getJson(
  http: HttpClient,
  url: string,
  policy: HttpPolicy,
  runtime: HttpRuntime,
  onAttempt?: () => unknown,
): Promise<JsonResult> {
  const {body, attempts} = await send(http, {method: 'GET', url}, policy, runtime, onAttempt)
  try {
    return {body: JSON.parse(body), attempts}
  } catch {
    throw new ProviderError(`GET ${redactUrl(url)}`, `answered with a body that is not JSON (${body.length} bytes, truncated?)`, 'not_json', attempts)
  }
}

/** A URL as it may be shown: credentials and secret-looking query values masked. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    for (const key of [...parsed.searchParams.keys()]) {
      if (/key|token|user|pass|secret/i.test(key)) parsed.searchParams.set(key, '********')
    }
    const shown = parsed.toString()
    // Long query strings (a hundred coordinates) make a log line unreadable; the start says enough.
    return shown.length > 160 ? `${shown.slice(0, 157)}...` : shown
  } catch {
    return '(invalid URL)'
  }
}
