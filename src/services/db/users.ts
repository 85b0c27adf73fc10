// Users and their watchlists on either database: users by name or id, added and removed; watches listed with
// their user's and port's names, added and removed; and what notifying needs (every watch, the ADMINs).
import {and, eq} from 'drizzle-orm'

import type {Db} from './client.js'
import {dataVersion} from './data-version.js'
import {preparedOnce} from './prepared.js'
import {affectedRows} from './query.js'
import type {users, watchlists} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type {Role} from './schema.js'
export type User = typeof users.$inferSelect
export type NewUser = typeof users.$inferInsert
export type Watchlist = typeof watchlists.$inferSelect
export type NewWatch = typeof watchlists.$inferInsert

export async function userByName(db: AnyDb, name: string): Promise<User | undefined> {
  const [row] = await db.orm.select().from(db.t.users).where(eq(db.t.users.name, name)).limit(1)
  return row
}

export async function userById(db: AnyDb, id: number): Promise<User | undefined> {
  const [row] = await db.orm.select().from(db.t.users).where(eq(db.t.users.id, id)).limit(1)
  return row
}

/**
 * Adds a user unless one has the name: the new row, or undefined when the name is taken (by a user added at
 * the same moment elsewhere too: the unique name decides).
 */
export async function insertUser(db: AnyDb, values: NewUser): Promise<User | undefined> {
  const {users} = db.t
  return write(db, async () => {
    const [row] = await db.orm.insert(users).values(values).onConflictDoNothing().returning()
    return row
  })
}

/** Every user, by name. */
export async function usersByName(db: AnyDb): Promise<User[]> {
  return db.orm.select().from(db.t.users).orderBy(db.t.users.name)
}

/** Removes a user; their watchlists and notifications go with them (foreign keys cascade). */
export async function deleteUser(db: AnyDb, id: number): Promise<void> {
  await write(db, async () => {
    await db.orm.delete(db.t.users).where(eq(db.t.users.id, id))
  })
}

/** Every user, in no particular order: who a token may belong to. */
export async function allUsers(db: AnyDb): Promise<User[]> {
  return db.orm.select().from(db.t.users)
}

/**
 * A fingerprint that changes whenever the users may have changed, for what is kept until they do; null
 * where the database gives no cheap one, and the users are read each time.
 */
export async function usersVersion(db: AnyDb): Promise<string | null> {
  return db.dialect === 'sqlite' ? dataVersion(db) : null
}

// What notifying reads on every alert cycle and detection run, prepared once per SQLite connection: the query
// builder is then not made at all for a cycle that only reads and stores through prepared statements.
const notifyingReads = (db: Db) =>
  preparedOnce(db, 'users-notifying', () => ({
    admins: db.sqlite.prepare(`SELECT id FROM users WHERE role = 'ADMIN'`).pluck(),
    watches: db.sqlite.prepare(
      `SELECT id, user_id AS userId, kind, mmsi, port_id AS portId, min_lon AS minLon, min_lat AS minLat, max_lon AS maxLon, max_lat AS maxLat,
         created_at AS createdAt FROM watchlists`,
    ),
  }))

/** The ids of the ADMIN users. */
export async function adminIds(db: AnyDb): Promise<number[]> {
  if (db.dialect === 'sqlite') return notifyingReads(db).admins.all() as number[]
  const rows = await db.orm.select({id: db.t.users.id}).from(db.t.users).where(eq(db.t.users.role, 'ADMIN'))
  return rows.map((u) => u.id)
}

export async function insertWatch(db: AnyDb, values: NewWatch): Promise<number> {
  const {watchlists} = db.t
  return write(db, async () => {
    const [row] = await db.orm.insert(watchlists).values(values).returning({id: watchlists.id})
    return row.id
  })
}

/** A watch with the names of its user and (for a port watch) its port. */
export interface ListedWatch {
  watch: Watchlist
  user: string
  port: string | null
  unlocode: string | null
}

/** The watches of one user (by id) or of every user, in the order they were added. */
export async function listedWatches(db: AnyDb, userId?: number): Promise<ListedWatch[]> {
  const {ports, users, watchlists} = db.t
  const rows = await db.orm
    .select({watch: watchlists, user: users.name, port: ports.name, unlocode: ports.unlocode})
    .from(watchlists)
    .innerJoin(users, eq(users.id, watchlists.userId))
    .leftJoin(ports, eq(ports.id, watchlists.portId))
    .where(userId === undefined ? undefined : eq(watchlists.userId, userId))
    .orderBy(watchlists.id)
  return rows
}

/** Every watch of every user: what notifying reads once per batch of events. */
export async function allWatches(db: AnyDb): Promise<Watchlist[]> {
  if (db.dialect === 'sqlite') return notifyingReads(db).watches.all() as Watchlist[]
  return db.orm.select().from(db.t.watchlists)
}

/** Removes a watch (only if it is `userId`'s, when given); returns whether it was there. */
export async function deleteWatch(db: AnyDb, id: number, userId?: number): Promise<boolean> {
  const {watchlists} = db.t
  return write(db, async () => {
    const where = userId === undefined ? eq(watchlists.id, id) : and(eq(watchlists.id, id), eq(watchlists.userId, userId))
    return affectedRows(await db.orm.delete(watchlists).where(where)) > 0
  })
}
