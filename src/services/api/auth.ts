// Who a request comes from: its bearer token (hashed, compared in constant time; the bootstrap admin token
// or a user's) and the role it carries; and what identifies a client for its rate limit.
import {timingSafeEqual} from 'node:crypto'

import type {FastifyReply, FastifyRequest, preHandlerAsyncHookHandler} from 'fastify'

import type {Context} from '../context.js'
import {userForToken} from '../users/users.js'
import {sha256} from '../sha256.js'
import {errorBody} from './schemas.js'

export type Role = 'ADMIN' | 'OPERATOR' | 'VIEWER'
const RANK: Record<Role, number> = {VIEWER: 0, OPERATOR: 1, ADMIN: 2}

declare module 'fastify' {
  interface FastifyRequest {
    user?: {name: string; role: Role}
  }
}

const BEARER = /^Bearer\s+(\S+)$/i

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a, 'buffer'), sha256(b, 'buffer'))
}

/** Who holds `token`: the bootstrap admin (no user id) or a user; undefined for a token that is not valid. */
export async function tokenHolder(ctx: Context, token: string): Promise<{name: string; role: Role; userId: number | null} | undefined> {
  const admin = ctx.config.adminToken
  if (admin && sameSecret(token, admin)) return {name: 'admin-token', role: 'ADMIN', userId: null}
  const user = await userForToken(ctx, token)
  return user ? {name: user.name, role: user.role, userId: user.id} : undefined
}

/** Whether `role` carries at least `minimum`. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum]
}

/** A preHandler admitting requests whose token carries at least `minimum`: 401 without a valid token, 403 below the role. */
export function requireRole(ctx: Context, minimum: Role): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const match = BEARER.exec(req.headers.authorization ?? '')
    if (!match) return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('a bearer token is required'))
    const holder = await tokenHolder(ctx, match[1])
    if (!holder) return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('the token is not valid'))
    req.user = {name: holder.name, role: holder.role}
    if (RANK[req.user.role] < RANK[minimum]) return reply.code(403).send(errorBody(`${minimum} role required; ${req.user.name} is ${req.user.role}`))
  }
}

/** The web page's session cookie (see web/session.ts). */
export const SESSION_COOKIE = 'harbormaster_session'
const SESSION_IN_COOKIE = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;\\s]+)`)

/**
 * What identifies a client for its rate limit: its bearer token, else its web session (a browser polling
 * the page is one client however many browsers share an address), else its address. Secrets are hashed, never kept.
 */
export function clientKey(req: FastifyRequest): string {
  const match = BEARER.exec(req.headers.authorization ?? '')
  if (match) return `token:${sha256(match[1], 'hex').slice(0, 32)}`
  // Sign-in attempts count against the address: a made-up cookie must not buy more guesses.
  const session = req.url.startsWith('/sign-in') ? null : SESSION_IN_COOKIE.exec(req.headers.cookie ?? '')
  if (session) return `session:${sha256(session[1], 'hex').slice(0, 32)}`
  return `address:${req.ip}`
}
