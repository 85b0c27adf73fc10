// The settings table: small named JSON values harbormaster keeps between runs (watermarks, when something
// last ran, lasting conditions already reported).
import {eq} from 'drizzle-orm'

import type {Db} from './client.js'
import {settings} from './schema.js'

export function readSetting<T>(db: Db, key: string): T | undefined {
  const row = db.orm.select({value: settings.value}).from(settings).where(eq(settings.key, key)).get()
  return row ? (row.value as T) : undefined
}

/** One statement, atomic on its own; inside a write transaction it commits with the rest. */
export function writeSetting(db: Db, key: string, value: unknown, now: number): void {
  db.orm.insert(settings).values({key, value, updatedAt: now}).onConflictDoUpdate({target: settings.key, set: {value, updatedAt: now}}).run()
}

export function deleteSetting(db: Db, key: string): void {
  db.orm.delete(settings).where(eq(settings.key, key)).run()
}
