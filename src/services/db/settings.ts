// The settings table as the rest of harbormaster reads it: small JSON values under a key.
import {eq} from 'drizzle-orm'

import {type Db, writeTransaction} from './client.js'
import {settings} from './schema.js'

export async function readSetting<T>(db: Db, key: string): Promise<T | undefined> {
  const row = db.orm.select({value: settings.value}).from(settings).where(eq(settings.key, key)).get()
  return row ? (row.value as T) : undefined
}

export async function writeSetting(db: Db, key: string, value: unknown, now: number): Promise<void> {
  writeTransaction(db, () =>
    db.orm.insert(settings).values({key, value, updatedAt: now}).onConflictDoUpdate({target: settings.key, set: {value, updatedAt: now}}).run(),
  )
}

export async function deleteSetting(db: Db, key: string): Promise<void> {
  writeTransaction(db, () => db.orm.delete(settings).where(eq(settings.key, key)).run())
}
