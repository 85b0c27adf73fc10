// Outbound HTTP for every provider: one axios instance with a timeout, a response size cap and a
// User-Agent naming harbormaster (the NWS API requires one); errors become one readable line.
import axios, {type AxiosInstance, isAxiosError} from 'axios'

import {HarbormasterError} from '../errors.js'
import {USER_AGENT} from '../version.js'

export interface HttpOptions {
  timeoutMs: number
  /** Largest response body accepted, in bytes. */
  maxBytes?: number
}

export type HttpClient = AxiosInstance

export function createHttpClient(options: HttpOptions): HttpClient {
  return axios.create({
    timeout: options.timeoutMs,
    maxContentLength: options.maxBytes ?? 20 * 1024 * 1024,
    maxRedirects: 3,
    headers: {'User-Agent': USER_AGENT, Accept: 'application/geo+json, application/json'},
    // Parse JSON ourselves so a truncated body is reported as such, not passed on as a string.
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
  })
}

/** GETs a URL and parses its JSON body; failures carry the URL (never its query secrets) and the cause. */
export async function getJson(http: HttpClient, url: string): Promise<unknown> {
  const shown = redactUrl(url)
  let body: string
  try {
    const response = await http.get<string>(url)
    body = response.data
  } catch (error) {
    throw new HarbormasterError(`GET ${shown} failed: ${describeHttpError(error)}`, {cause: error})
  }
  try {
    return JSON.parse(body)
  } catch {
    throw new HarbormasterError(`GET ${shown} returned a body that is not JSON (${body.length} bytes)`)
  }
}

export function describeHttpError(error: unknown): string {
  if (isAxiosError(error)) {
    if (error.response) return `HTTP ${error.response.status}`
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return 'timed out'
    if (error.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(error.message)) return 'response too large'
    return error.code ?? error.message
  }
  return error instanceof Error ? error.message : String(error)
}

/** A URL as it may be shown: credentials and query values removed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    for (const key of [...parsed.searchParams.keys()]) {
      if (/key|token|user|pass|secret/i.test(key)) parsed.searchParams.set(key, '********')
    }
    return parsed.toString()
  } catch {
    return '(invalid URL)'
  }
}
