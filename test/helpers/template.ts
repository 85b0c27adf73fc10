// Databases as a test starts from them, copied from templates built once per run (test/global-setup.ts):
// migrated and seeded, without seeding each one for seconds.
import {copyFileSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import {inject} from 'vitest'

export interface Templates {
  /** What `ensure-fallback-data` leaves: ports, anchorage cells, the sample vessels, piracy and storm zones. */
  seeded: string
  /** What a first `run-background-jobs` loads before its jobs run: the same without the sample vessels. */
  firstUse: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    templates: Templates
  }
}

function copyTo(template: string, path: string): string {
  mkdirSync(dirname(path), {recursive: true})
  // The templates are checkpointed: the file alone is the whole database, and no -wal or -shm goes with it.
  copyFileSync(template, path)
  return path
}

/** A database at `path` as `ensure-fallback-data` would have left it. Returns `path`. */
export const seededDb = (path: string): string => copyTo(inject('templates').seeded, path)

/** A database at `path` as a first run of the jobs finds it once it has loaded the shipped ports and zones. Returns `path`. */
export const firstUseDb = (path: string): string => copyTo(inject('templates').firstUse, path)
