// The settings table: small named JSON values harbormaster keeps between runs (watermarks, when something
// last ran, lasting conditions already reported), on either database.
import {eq} from 'drizzle-orm'

import type {AnyDb} from './transaction.js'

export async function readSetting<T>(db: AnyDb, key: string): Promise<T | undefined> {
  const {settings} = db.t
  const [row] = await db.orm.select({value: settings.value}).from(settings).where(eq(settings.key, key))
  return row ? (row.value as T) : undefined
}

/** One statement, atomic on its own; inside a write transaction it commits with the rest. */
export async function writeSetting(db: AnyDb, key: string, value: unknown, now: number): Promise<void> {
  const {settings} = db.t
  await db.orm.insert(settings).values({key, value, updatedAt: now}).onConflictDoUpdate({target: settings.key, set: {value, updatedAt: now}})
}

export async function deleteSetting(db: AnyDb, key: string): Promise<void> {
  const {settings} = db.t
  await db.orm.delete(settings).where(eq(settings.key, key))
}
