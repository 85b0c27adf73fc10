// Web page sessions on either database: added at sign-in, found by their token's hash, removed at sign-out;
// expired ones are swept when a new one is added.
import {and, eq, gt, lte} from 'drizzle-orm'

import type {webSessions} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type WebSession = typeof webSessions.$inferSelect
export type NewWebSession = typeof webSessions.$inferInsert

/** Stores a new session, removing the sessions that expired by `now` in the same write. */
export async function insertWebSession(db: AnyDb, session: NewWebSession, now: number): Promise<void> {
  const {webSessions} = db.t
  await write(db, async () => {
    await db.orm.delete(webSessions).where(lte(webSessions.expiresAt, now))
    await db.orm.insert(webSessions).values(session)
  })
}

/** The session whose token hashes to `tokenHash`, if it has not expired by `now`. */
export async function liveWebSession(db: AnyDb, tokenHash: string, now: number): Promise<WebSession | undefined> {
  const {webSessions} = db.t
  const [row] = await db.orm
    .select()
    .from(webSessions)
    .where(and(eq(webSessions.tokenHash, tokenHash), gt(webSessions.expiresAt, now)))
    .limit(1)
  return row
}

/** Ends the session whose token hashes to `tokenHash`; whether there was one. */
export async function deleteWebSession(db: AnyDb, tokenHash: string): Promise<boolean> {
  const {webSessions} = db.t
  const deleted = await write(db, () => db.orm.delete(webSessions).where(eq(webSessions.tokenHash, tokenHash)).returning({id: webSessions.id}))
  return deleted.length > 0
}
