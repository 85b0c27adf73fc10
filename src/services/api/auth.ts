// Who a request comes from: its bearer token (hashed, compared in constant time; the bootstrap admin token
// or a user's) and the role it carries; and what identifies a client for its rate limit.
import {createHash, timingSafeEqual} from 'node:crypto'

import type {FastifyReply, FastifyRequest, preHandlerAsyncHookHandler} from 'fastify'

import type {Context} from '../context.js'
import {userForToken} from '../users/users.js'
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
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
}

/** A preHandler admitting requests whose token carries at least `minimum`: 401 without a valid token, 403 below the role. */
export function requireRole(ctx: Context, minimum: Role): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const match = BEARER.exec(req.headers.authorization ?? '')
    if (!match) return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('a bearer token is required'))
    const token = match[1]
    const admin = ctx.config.adminToken
    if (admin && sameSecret(token, admin)) {
      req.user = {name: 'admin-token', role: 'ADMIN'}
    } else {
      const user = await userForToken(ctx, token)
      if (!user) return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('the token is not valid'))
      req.user = {name: user.name, role: user.role}
    }
    if (RANK[req.user.role] < RANK[minimum]) return reply.code(403).send(errorBody(`${minimum} role required; ${req.user.name} is ${req.user.role}`))
  }
}

/** What identifies a client for its rate limit: its bearer token (hashed; never kept), else its address. */
export function clientKey(req: FastifyRequest): string {
  const match = BEARER.exec(req.headers.authorization ?? '')
  return match ? `token:${createHash('sha256').update(match[1]).digest('hex').slice(0, 32)}` : `address:${req.ip}`
}
