// Answers kept until the data changes: each computed once per data version (and, for one that also depends
// on the clock, at most `maxAgeMs` old), serialized and masked once, and sent with a strong ETag; a client
// that sends the ETag back in If-None-Match gets 304 and no body.
import type {FastifyReply, FastifyRequest} from 'fastify'

import {dataVersion} from '../db/data-version.js'
import type {AnyDb} from '../db/transaction.js'
import {sha256} from '../sha256.js'

export interface Answer {
  status: number
  /** The serialized body, credentials already masked. */
  body: string
  etag: string
}

interface Kept extends Answer {
  version: string
  computedAt: number
}

export interface AnswerCacheOptions {
  /** Longest an answer is kept while the data stays the same (for answers that depend on the time too); none: until the data changes. */
  maxAgeMs?: number
  /** Distinct answers kept (one per query); the oldest go first. */
  maxEntries?: number
  /** Masks credentials in a body before it is kept (an answer can quote what a provider said). */
  mask?: (body: string) => string
}

/** A strong validator from the body itself: the same answer keeps its ETag across unrelated writes. */
function etagOf(body: string): string {
  return `"${sha256(body, 'base64url').slice(0, 27)}"`
}

export class AnswerCache {
  private readonly kept = new Map<string, Kept>()
  private readonly computing = new Map<string, Promise<Kept>>()
  private readonly maxAgeMs: number
  private readonly maxEntries: number
  private readonly mask: (body: string) => string

  constructor(
    private readonly db: AnyDb,
    options: AnswerCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? Infinity
    this.maxEntries = options.maxEntries ?? 1000
    this.mask = options.mask ?? ((body) => body)
  }

  /** The answer for `key` at the current data version; `compute` runs only when there is none. */
  async answer(key: string, compute: () => Promise<{status: number; body: string}>): Promise<Answer> {
    const version = await dataVersion(this.db)
    const kept = this.kept.get(key)
    if (kept && kept.version === version && performance.now() - kept.computedAt < this.maxAgeMs) return kept
    // Requests arriving while an answer is computed wait for that one instead of computing their own.
    const flight = `${version}\u0000${key}`
    let computing = this.computing.get(flight)
    if (!computing) {
      computing = compute()
        .then(({status, body: unmasked}) => {
          const body = this.mask(unmasked)
          const fresh: Kept = {status, body, etag: etagOf(body), version, computedAt: performance.now()}
          this.kept.delete(key)
          this.kept.set(key, fresh)
          if (this.kept.size > this.maxEntries) this.kept.delete(this.kept.keys().next().value as string)
          return fresh
        })
        .finally(() => this.computing.delete(flight))
      this.computing.set(flight, computing)
    }
    return computing
  }
}

/**
 * Answers a request from the cache: `compute` gives the status and payload, serialized by the route's
 * response schema for that status (the same contract as an answer sent directly).
 */
export async function replyFromCache(
  cache: AnswerCache,
  key: string,
  req: FastifyRequest,
  reply: FastifyReply,
  compute: () => Promise<{status: number; payload: unknown}>,
): Promise<FastifyReply> {
  const answer = await cache.answer(key, async () => {
    const {status, payload} = await compute()
    reply.code(status)
    return {status, body: String(reply.serialize(payload))}
  })
  return sendAnswer(req, reply, answer)
}

/** Whether If-None-Match names this ETag (weak comparison, as RFC 9110 asks for If-None-Match; `*` matches any). */
function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t.replace(/^W\//, '') === etag
  })
}

/** Sends a kept answer: 304 when the client holds it already, else the body with its ETag. */
export function sendAnswer(req: FastifyRequest, reply: FastifyReply, answer: Answer): FastifyReply {
  // Clients may keep the answer but must ask again; the ETag makes asking cheap.
  reply.header('etag', answer.etag).header('cache-control', 'no-cache')
  reply.bodyMasked = true
  if (notModified(req.headers['if-none-match'], answer.etag)) return reply.code(304).send()
  return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body)
}

declare module 'fastify' {
  interface FastifyReply {
    /** The body was masked when it was kept (the answer cache): the masking hook skips it. */
    bodyMasked: boolean
  }
}
