// Small named values the jobs keep between runs (watermarks, when something last ran), as JSON.
import type {Db} from './client.js'

export function readSetting<T>(db: Db, key: string): T | undefined {
  const value = db.sqlite.prepare(`SELECT value FROM settings WHERE key = ?`).pluck().get(key) as string | undefined
  return value === undefined ? undefined : (JSON.parse(value) as T)
}

/** Call inside a write transaction when it belongs with other writes. */
export function writeSetting(db: Db, key: string, value: unknown, now: number): void {
  db.sqlite
    .prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
    .run(key, JSON.stringify(value), now)
}
