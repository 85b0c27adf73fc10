// Databases as a test starts from them, copied from templates built once per run (test/global-setup.ts):
// migrated and seeded, without seeding each one for seconds. The backend is the project's
// (HARBORMASTER_TEST_BACKEND=postgres in the `postgres` project of vitest.config.ts): a SQLite file at the
// path given, or a new PostgreSQL database cloned from a template (CREATE DATABASE … TEMPLATE).
import {copyFileSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import {inject} from 'vitest'

import {openAnyDatabase} from '../../src/services/db/open.js'
import type {AnyDb} from '../../src/services/db/transaction.js'
import {isPostgresLocation, releasePostgres, runPostgres} from './test-db.js'

export interface Templates {
  /** What `ensure-fallback-data` leaves: ports, anchorage cells, the sample vessels, piracy and storm zones. */
  seeded: string
  /** What a first `run-background-jobs` loads before its jobs run: the same without the sample vessels. */
  firstUse: string
}

/** The PostgreSQL cluster of the `postgres` project and its template databases (names). */
export interface PostgresTemplates {
  /** A superuser URL, database `postgres`. */
  url: string
  binDir: string
  dataDir: string
  seeded: string
  firstUse: string
  /** Migrated, no rows. */
  empty: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    templates: Templates
    postgres: PostgresTemplates | null
  }
}

export type Backend = 'sqlite' | 'postgres'

/** The database this test run exercises. */
export function backend(): Backend {
  return process.env.HARBORMASTER_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite'
}

/** The PostgreSQL cluster of this run (the `postgres` project only). */
export function testPostgres(): PostgresTemplates {
  const server = inject('postgres')
  if (!server) throw new Error('no PostgreSQL cluster in this project: run the test in the `postgres` project (HARBORMASTER_TEST_BACKEND=postgres)')
  return server
}

function urlOf(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

let made = 0
const createdHere: string[] = []

/** A new PostgreSQL database cloned from `template`; its URL. */
export function cloneDatabase(template: string): string {
  const server = testPostgres()
  const name = `hm_${process.pid}_${++made}`
  runPostgres(server.url, `CREATE DATABASE ${name} TEMPLATE ${template}`)
  createdHere.push(name)
  return urlOf(server.url, name)
}

/** Drops the databases this test file made (test/setup.ts, after the file). */
export function dropCreatedDatabases(): void {
  const server = inject('postgres')
  if (!server) return
  for (const name of createdHere.splice(0)) {
    releasePostgres(urlOf(server.url, name))
    runPostgres(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

function copyTo(template: string, path: string): string {
  mkdirSync(dirname(path), {recursive: true})
  // The templates are checkpointed: the file alone is the whole database, and no -wal or -shm goes with it.
  copyFileSync(template, path)
  return path
}

/** A database as `ensure-fallback-data` would have left it: at `path` on SQLite. Returns its location. */
export const seededDb = (path: string): string =>
  backend() === 'postgres' ? cloneDatabase(testPostgres().seeded) : copyTo(inject('templates').seeded, path)

/** A database as a first run of the jobs finds it once it has loaded the shipped ports and zones. Returns its location. */
export const firstUseDb = (path: string): string =>
  backend() === 'postgres' ? cloneDatabase(testPostgres().firstUse) : copyTo(inject('templates').firstUse, path)

/**
 * Where a new database goes: `path` on SQLite (not created: the first writing command creates it), a new
 * migrated, empty database on PostgreSQL. Returns its location.
 */
export const emptyDb = (path: string): string => (backend() === 'postgres' ? cloneDatabase(testPostgres().empty) : path)

/** Opens a test's database (either backend) as the services receive it. */
export function openTestDb(location: string): Promise<AnyDb> {
  return openAnyDatabase(location, {applicationName: 'harbormaster tests'})
}

export {isPostgresLocation}
