// AIS ingest on PostgreSQL: 200,000 positions through the vessels service (validate, dedupe, jump check,
// latest position, batches of 5,000 each committed whole: each batch's positions streamed by binary COPY into
// vessel_positions as they are judged, inside a savepoint that sends a batch holding stored rows to INSERT …
// ON CONFLICT, then one unnest statement moving each vessel's latest position) against a raw COPY of the
// same rows into vessel_positions through psql, both on one throwaway server started for this run, each run
// on a fresh database cloned from one migrated template. Target: at least half COPY's rate.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import pg from 'pg'

import {databaseUrl, startTestPostgres} from '../scripts/throwaway-postgres.js'
import {positions, POSITIONS} from './ais.bench.js'
import {machineLine, mb, med, RUNS, runAsSide, side} from './harness.js'
import {dist} from './world.js'

const BASE = Date.parse('2026-11-24T00:00:00Z')
const COLUMNS = 'mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, source, received_at'

/** The vessels service over PostgreSQL, in its own process. */
async function service({url}) {
  const [{openPostgres}, {ingestMessages}] = await Promise.all([dist('db/pg-client.js'), dist('vessels/ingest.js')])
  const messages = positions(BASE)
  const db = await openPostgres(url, {applicationName: 'bench ingest'})
  const chunks = []
  for (let i = 0; i < messages.length; i += 1000) chunks.push(messages.slice(i, i + 1000))
  const t0 = performance.now()
  const result = await ingestMessages(db, chunks, {source: 'live', origin: 'ingest', now: BASE + 3_600_000, observedAtOf: (m) => m.received_at})
  const ms = performance.now() - t0
  await db.close()
  return {ms, stored: result.positions_stored, rejected: result.rejected}
}

/** The same rows as CSV, for COPY. */
function csvOf(messages) {
  const lines = new Array(messages.length)
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]
    lines[i] = `${m.mmsi},${m.received_at},${m.lat},${m.lon},${m.sog},${m.cog},${m.heading},${m.nav_status},live,${BASE}`
  }
  return lines.join('\n') + '\n'
}

/** psql's \copy of the CSV file into vessel_positions: the time from starting psql to its exit. */
function rawCopy(psql, url, file) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', `\\copy vessel_positions (${COLUMNS}) FROM '${file}' WITH (FORMAT csv)`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`psql exited ${code}: ${stderr}`))))
  })
}

export default async function ingestPg() {
  const server = await startTestPostgres()
  if (!server) {
    console.log('PostgreSQL is not installed here: run scripts/install-test-deps.sh (Debian package postgresql) for this benchmark')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-ingest-pg-'))
  const admin = new pg.Client({connectionString: server.url})
  try {
    await admin.connect()
    await admin.query('CREATE DATABASE bench_template')
    const {openPostgres} = await dist('db/pg-client.js')
    await (await openPostgres(databaseUrl(server.url, 'bench_template'), {applicationName: 'bench migrate'})).close()
    const file = join(dir, 'positions.csv')
    writeFileSync(file, csvOf(positions(BASE)))
    const fresh = async (name) => {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`)
      await admin.query(`CREATE DATABASE ${name} TEMPLATE bench_template`)
      return databaseUrl(server.url, name)
    }
    const copies = []
    const services = []
    // Alternated, so both see the same machine and server state.
    for (let i = 0; i < RUNS; i++) {
      copies.push({ms: await rawCopy(join(server.binDir, 'psql'), await fresh('run_copy'), file)})
      services.push(side(import.meta.url, 'service', {url: await fresh('run_service')}))
    }
    const copyMs = med(copies, 'ms')
    const ms = med(services, 'ms')
    const s = services[0]
    console.log(`ingest on PostgreSQL (${POSITIONS.toLocaleString()} positions of ${(POSITIONS / 10).toLocaleString()} vessels into an empty database, on the tests' throwaway server; ${machineLine()}; median of ${RUNS} runs per side)`)
    console.log(`  raw COPY through psql                          ${Math.round(POSITIONS / (copyMs / 1000)).toLocaleString().padStart(10)} rows/s  (runs ${copies.map((c) => (c.ms / 1000).toFixed(2)).join(', ')} s)`)
    console.log(`  vessels service (validate, dedupe, jump check, latest position, batches)  ${Math.round(POSITIONS / (ms / 1000)).toLocaleString().padStart(10)} rows/s  (${s.stored} stored, ${s.rejected} rejected; runs ${services.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} s)`)
    console.log(`  ratio ${(copyMs / ms).toFixed(2)}x the COPY rate (target >= 0.5x: ${copyMs / ms >= 0.5 ? 'met' : 'NOT met'}); peak RSS of the service's process ${mb(med(services, 'peak_rss'))}`)
  } finally {
    await admin.end().catch(() => undefined)
    server.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

await runAsSide(import.meta.url, {service})
