// Users of the platform: a role (ADMIN, OPERATOR, VIEWER), an API token stored only as its hash, and an
// optional webhook for notifications.
import type {CreatedUser} from '../../schemas/users.js'
import {randomBytes, timingSafeEqual} from 'node:crypto'

import type {Context} from '../context.js'
import {allUsers, deleteUser, insertUser, type User, userById, userByName, usersByName, usersVersion} from '../db/users.js'
import {type Role, ROLES} from '../db/model.js'
import {usageError} from '../errors.js'
import {sha256} from '../sha256.js'

export function hashToken(token: string): string {
  return sha256(token, 'hex')
}

/** A new API token: 32 random bytes, URL-safe, prefixed so it is recognisable in a secret scanner. */
export function newToken(): string {
  return `hm_${randomBytes(32).toString('base64url')}`
}

export type {CreatedUser} from '../../schemas/users.js'

export async function addUser(ctx: Context, input: {name: string; role: string; webhookUrl?: string}): Promise<CreatedUser> {
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
  const row = await insertUser(ctx.db, {name, role, tokenHash: hashToken(token), webhookUrl: input.webhookUrl ?? null, createdAt: ctx.clock.now()})
  if (!row) throw usageError(`user ${name} already exists`, 'choose another name or remove the user first')
  return {id: row.id, name: row.name, role: row.role, webhook_url: row.webhookUrl, token}
}

export async function listUsers(ctx: Context) {
  return (await usersByName(ctx.db)).map((u) => ({id: u.id, name: u.name, role: u.role, webhook_url: u.webhookUrl, created_at: new Date(u.createdAt).toISOString()}))
}

export async function findUser(ctx: Context, nameOrId: string): Promise<User | undefined> {
  const byName = await userByName(ctx.db, nameOrId)
  if (byName) return byName
  if (/^\d+$/.test(nameOrId)) return userById(ctx.db, Number(nameOrId))
  return undefined
}

export async function removeUser(ctx: Context, nameOrId: string): Promise<{removed: string}> {
  const user = await findUser(ctx, nameOrId)
  if (!user) throw usageError(`no user ${nameOrId}`, 'see `harbormaster users list`')
  await deleteUser(ctx.db, user.id)
  return {removed: user.name}
}

/** The users with their token hashes, read again only when the users may have changed (every API request asks). */
const tokenHolders = new WeakMap<Context['db'], {version: string; holders: Array<{hash: Buffer; user: User}>}>()

/** The user a bearer token belongs to, compared in constant time; undefined when none. */
export async function userForToken(ctx: Context, token: string): Promise<User | undefined> {
  const version = await usersVersion(ctx.db)
  let known = version === null ? undefined : tokenHolders.get(ctx.db)
  if (!known || known.version !== version) {
    known = {version: version ?? '', holders: (await allUsers(ctx.db)).map((user) => ({hash: Buffer.from(user.tokenHash, 'hex'), user}))}
    if (version !== null) tokenHolders.set(ctx.db, known)
  }
  const hash = Buffer.from(hashToken(token), 'hex')
  for (const {hash: stored, user} of known.holders) {
    if (stored.length === hash.length && timingSafeEqual(stored, hash)) return user
  }
  return undefined
}
