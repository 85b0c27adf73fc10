// Users of the platform: a role (ADMIN, OPERATOR, VIEWER), an API token stored only as its hash, and an
// optional webhook for notifications.
import type {CreatedUser} from '../../schemas/users.js'
import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'

import {eq} from 'drizzle-orm'

import type {Context} from '../context.js'
import {writeTransaction} from '../db/client.js'
import {dataVersion} from '../db/data-version.js'
import {type Role, ROLES, users} from '../db/schema.js'
import {usageError} from '../errors.js'

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A new API token: 32 random bytes, URL-safe, prefixed so it is recognisable in a secret scanner. */
export function newToken(): string {
  return `hm_${randomBytes(32).toString('base64url')}`
}

export type {CreatedUser} from '../../schemas/users.js'

export function addUser(ctx: Context, input: {name: string; role: string; webhookUrl?: string}): CreatedUser {
  const name = input.name.trim()
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw usageError(`user name ${JSON.stringify(input.name)} is not valid`, 'use 1-64 letters, digits, dot, underscore, @ or dash')
  const role = input.role.toUpperCase() as Role
  if (!ROLES.includes(role)) throw usageError(`role ${JSON.stringify(input.role)} is not one of ${ROLES.join(', ')}`)
  if (input.webhookUrl !== undefined) {
    let url: URL
    try {
      url = new URL(input.webhookUrl)
    } catch {
      throw usageError(`webhook ${JSON.stringify(input.webhookUrl)} is not a URL`, 'pass an http:// or https:// URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`webhook ${input.webhookUrl} must be http or https`)
  }
  const token = newToken()
  return writeTransaction(ctx.db, () => {
    if (ctx.db.orm.select({id: users.id}).from(users).where(eq(users.name, name)).get()) {
      throw usageError(`user ${name} already exists`, 'choose another name or remove the user first')
    }
    const row = ctx.db.orm
      .insert(users)
      .values({name, role, tokenHash: hashToken(token), webhookUrl: input.webhookUrl ?? null, createdAt: ctx.clock.now()})
      .returning()
      .get()
    return {id: row.id, name: row.name, role: row.role, webhook_url: row.webhookUrl, token}
  })
}

export function listUsers(ctx: Context) {
  return ctx.db.orm
    .select({id: users.id, name: users.name, role: users.role, webhook_url: users.webhookUrl, created_at: users.createdAt})
    .from(users)
    .orderBy(users.name)
    .all()
    .map((u) => ({...u, created_at: new Date(u.created_at).toISOString()}))
}

export function findUser(ctx: Context, nameOrId: string) {
  const byName = ctx.db.orm.select().from(users).where(eq(users.name, nameOrId)).get()
  if (byName) return byName
  if (/^\d+$/.test(nameOrId)) return ctx.db.orm.select().from(users).where(eq(users.id, Number(nameOrId))).get()
  return undefined
}

export function removeUser(ctx: Context, nameOrId: string): {removed: string} {
  const user = findUser(ctx, nameOrId)
  if (!user) throw usageError(`no user ${nameOrId}`, 'see `harbormaster users list`')
  writeTransaction(ctx.db, () => ctx.db.orm.delete(users).where(eq(users.id, user.id)).run())
  return {removed: user.name}
}

type User = typeof users.$inferSelect

/** The users with their token hashes, read again only when the data has changed (every API request asks). */
const tokenHolders = new WeakMap<Context['db'], {version: string; holders: Array<{hash: Buffer; user: User}>}>()

/** The user a bearer token belongs to, compared in constant time; undefined when none. */
export async function userForToken(ctx: Context, token: string): Promise<User | undefined> {
  const version = await dataVersion(ctx.db)
  let known = tokenHolders.get(ctx.db)
  if (known?.version !== version) {
    known = {version, holders: ctx.db.orm.select().from(users).all().map((user) => ({hash: Buffer.from(user.tokenHash, 'hex'), user}))}
    tokenHolders.set(ctx.db, known)
  }
  const hash = Buffer.from(hashToken(token), 'hex')
  for (const {hash: stored, user} of known.holders) {
    if (stored.length === hash.length && timingSafeEqual(stored, hash)) return user
  }
  return undefined
}
