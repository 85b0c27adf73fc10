// The one way harbormaster opens a SQLite connection. better-sqlite3 is bundled with the commands (its
// JavaScript loads with theirs, from the compile cache), so it is told where its addon is: left to find it
// itself, it reads a stack trace and tries a dozen paths on every start.
import {createRequire} from 'node:module'

import Database from 'better-sqlite3'

let addon: string | null | undefined

/** The addon npm built (build/Release), or undefined where it is elsewhere: better-sqlite3 then looks for it. */
function nativeBinding(): string | undefined {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node')
    } catch {
      addon = null
    }
  }
  return addon ?? undefined
}

/** A better-sqlite3 connection to `path` (a file, `:memory:` or a `file:` URI). */
export function openSqlite(path: string, options: Omit<Database.Options, 'nativeBinding'> = {}): Database.Database {
  return new Database(path, {...options, nativeBinding: nativeBinding()})
}
