// The ports and safety jobs on PostgreSQL against the same jobs on SQLite, at world scale: the worlds of the
// ports and detection benchmarks (200,000 vessels, every WPI port and its anchorage cells, 500 zones) are
// built on SQLite, copied to a throwaway PostgreSQL server with `db copy`'s service, and each side runs the
// same service calls alone in its own process on a fresh copy (a SQLite file copy; CREATE DATABASE …
// TEMPLATE on PostgreSQL). Target: PostgreSQL within 2x of SQLite.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import pg from 'pg'

import {databaseUrl, startTestPostgres} from '../scripts/throwaway-postgres.js'
import {freshCopy, machineLine, med, RUNS, runAsSide, seconds, side, sidesLine} from './harness.js'
import {benchContext, dist} from './world.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')

/** One steady-state run of the ports job, then (safety) event detection planned and applied, through the services. */
async function job({db: location, safety}) {
  const [{computePortCongestion}, {planDetection, applyDetection}] = await Promise.all([dist('ports/congestion.js'), dist('safety/detect.js')])
  const ctx = await benchContext(location, NOW)
  try {
    const t0 = performance.now()
    const congestion = await computePortCongestion(ctx)
    const t1 = performance.now()
    let events = 0
    if (safety) {
      const plan = await planDetection(ctx)
      events = (await applyDetection(ctx, plan)).created.length
    }
    const t2 = performance.now()
    return {ports_ms: t1 - t0, safety_ms: t2 - t1, total_ms: t2 - t0, vessels_in_ports: congestion.vessels_in_ports, events}
  } finally {
    await ctx.db.close()
  }
}

async function admin(url, sql) {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Runs both sides RUNS times in alternation, each on a fresh copy of its world. */
async function compare(name, sqlitePath, server, template, args) {
  const runs = {sqlite: [], postgres: []}
  for (let i = 0; i < RUNS; i++) {
    runs.sqlite.push(side(import.meta.url, 'job', {...args, db: freshCopy(sqlitePath, `${sqlitePath}.run`)}))
    const database = `${template}_run_${i}`
    await admin(server.url, `CREATE DATABASE ${database} TEMPLATE ${template}`)
    try {
      runs.postgres.push(side(import.meta.url, 'job', {...args, db: databaseUrl(server.url, database)}))
    } finally {
      await admin(server.url, `DROP DATABASE ${database}`)
    }
  }
  const s = med(runs.sqlite, 'total_ms')
  const p = med(runs.postgres, 'total_ms')
  console.log(`  ${name}: SQLite ${seconds(s)}, PostgreSQL ${seconds(p)} — PostgreSQL at ${(p / s).toFixed(2)}x SQLite's time (target within 2x: ${p <= 2 * s ? 'met' : 'NOT met'})`)
  console.log(`    same answers: vessels in ports ${runs.sqlite[0].vessels_in_ports} / ${runs.postgres[0].vessels_in_ports}, events ${runs.sqlite[0].events} / ${runs.postgres[0].events}`)
  if (runs.sqlite[0].vessels_in_ports !== runs.postgres[0].vessels_in_ports || runs.sqlite[0].events !== runs.postgres[0].events) process.exitCode = 1
}

export default async function postgresJobs() {
  const server = await startTestPostgres()
  if (!server) {
    console.log('PostgreSQL is not installed here (scripts/install-test-deps.sh installs it): benchmark not run')
    process.exitCode = 1
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-pg-jobs-'))
  try {
    const [{buildWorld: buildPortsWorld}, {buildWorld: buildDetectWorld}, {copyBetween}] = await Promise.all([
      import('./ports.bench.js'),
      import('./detect.bench.js'),
      dist('db/copy.js'),
    ])
    const {world} = await buildPortsWorld()
    const detectPath = join(dir, 'detect.db')
    await buildDetectWorld(detectPath)
    console.log(`worlds built (ports: ${world.dbPath}; safety: ${detectPath}); ${machineLine()}; ${sidesLine()}`)
    for (const [template, path] of [
      ['ports_world', world.dbPath],
      ['safety_world', detectPath],
    ]) {
      await admin(server.url, `CREATE DATABASE ${template}`)
      await copyBetween(path, databaseUrl(server.url, template), {})
      // Reading it for the copy left a write-ahead log beside the file: folded back, so the file alone is the world.
      const sqlite = new Database(path)
      sqlite.pragma('wal_checkpoint(TRUNCATE)')
      sqlite.close()
      // VACUUM ANALYZE: the planner's statistics, as `db maintain` leaves a database that has been in use.
      await admin(databaseUrl(server.url, template), 'VACUUM (ANALYZE)')
    }
    await compare('ports job', world.dbPath, server, 'ports_world', {safety: false})
    await compare('safety (ports job and detection)', detectPath, server, 'safety_world', {safety: true})
    world.close()
  } finally {
    server.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

await runAsSide(import.meta.url, {job})
