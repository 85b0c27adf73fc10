// Builds the template databases once per test run; each test copies one (test/helpers/template.ts) instead of
// seeding its own, which takes seconds.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import type {TestProject} from 'vitest/node'

import {systemClock} from '../src/services/clock.js'
import {loadConfig} from '../src/services/config.js'
import {openDatabase} from '../src/services/db/client.js'
import {ensureFallbackData} from '../src/services/fallback/ensure.js'
import {silentLogger} from '../src/services/log/logger.js'
import {baseEnv, runCli} from './helpers/cli.js'
import type {Templates} from './helpers/template.js'

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
  return () => rmSync(dir, {recursive: true, force: true})
}
