// Builds the template databases once per test run; each test copies one (test/helpers/template.ts) instead of
// seeding its own, which takes seconds. The `postgres` project also starts a PostgreSQL cluster and makes
// the same templates there, copied from the SQLite ones with `db copy`'s service.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import type {TestProject} from 'vitest/node'

import {systemClock} from '../src/services/clock.js'
import {loadConfig} from '../src/services/config.js'
import {openDatabase} from '../src/services/db/client.js'
import {copyBetween} from '../src/services/db/copy.js'
import {openAnyDatabase} from '../src/services/db/open.js'
import {ensureFallbackData} from '../src/services/fallback/ensure.js'
import {silentLogger} from '../src/services/log/logger.js'
import {baseEnv, runCli} from './helpers/cli.js'
import {databaseUrl, postgresForTests, type TestPostgres} from './helpers/postgres.js'
import type {PostgresTemplates, Templates} from './helpers/template.js'

/** Folds the write-ahead log into the file, so that copying the file alone copies the whole database. */
function checkpoint(path: string): void {
  const db = new Database(path)
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-templates-'))
  const templates: Templates = {seeded: join(dir, 'seeded.db'), firstUse: join(dir, 'first-use.db')}

  // What `ensure-fallback-data` leaves, through the real CLI as the tests ran it themselves.
  const seeded = await runCli(['ensure-fallback-data', '--db', templates.seeded])
  if (seeded.code !== 0) throw new Error(`ensure-fallback-data for the template database failed:\n${seeded.stderr}`)
  checkpoint(templates.seeded)

  // What a first `run-background-jobs` loads before its jobs run: the runner's own call (ports and zones,
  // the sample vessels left to the vessels job).
  const db = openDatabase(templates.firstUse)
  try {
    await ensureFallbackData({config: loadConfig({dbPath: templates.firstUse, env: baseEnv()}), db, logger: silentLogger, clock: systemClock}, {skipVessels: true})
  } finally {
    db.close()
  }
  checkpoint(templates.firstUse)

  project.provide('templates', templates)
  let server: TestPostgres | null = null
  if (project.name === 'postgres') {
    server = await postgresForTests()
    project.provide('postgres', server ? await postgresTemplates(server, templates) : null)
  } else {
    project.provide('postgres', null)
  }
  return () => {
    server?.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

/** The templates on PostgreSQL: migrated and empty, and the two seeded ones copied from SQLite's. */
async function postgresTemplates(server: TestPostgres, templates: Templates): Promise<PostgresTemplates> {
  const {Client} = (await import('pg')).default
  const admin = new Client({connectionString: server.url})
  await admin.connect()
  const names = {empty: 'hm_template_empty', seeded: 'hm_template_seeded', firstUse: 'hm_template_first_use'}
  try {
    for (const name of Object.values(names)) await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = (name: string) => databaseUrl(server.url, name)
  const empty = await openAnyDatabase(url(names.empty), {applicationName: 'harbormaster test templates'})
  await empty.close()
  await copyBetween(templates.seeded, url(names.seeded), {})
  await copyBetween(templates.firstUse, url(names.firstUse), {})
  return {url: server.url, binDir: server.binDir, dataDir: server.dataDir, ...names}
}
