// HTTP API throughput: `serve` against a bare fastify hello-world, each in its own process, with the load
// generator (autocannon's CLI) in a third, on a database of 1 million positions (200,000 vessels, every
// shipped port with a congestion snapshot, events and notifications). Each figure is the median of several
// runs, the targets measured in alternation so all see the same machine. Prints requests per second, p99
// latency and the ratios to the hello-world. BENCH_RUNS (default 3) and BENCH_SECONDS (default 5) set the
// runs; BENCH_API_DB=<path> keeps the built database there and reuses it next time.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {benchContext, dist, root} from './world.js'
import {autocannon, mulberry, startBare, startServe} from './harness.js'

const VESSELS = 200_000
const REPORTS = 5
const EVENTS = 20_000
const NOTIFICATIONS = 50_000
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = 16
const BIN = join(root, 'bin', 'run.js')

/** The database: the fallback data, then raw inserts (one transaction each), then one ports job. */
async function buildDatabase(path, now) {
  const [{ensureFallbackData}, {computePortCongestion}] = await Promise.all([dist('fallback/ensure.js'), dist('ports/congestion.js')])
  const ctx = await benchContext(path, now)
  const {db} = ctx
  try {
    const t0 = performance.now()
    await ensureFallbackData(ctx, {skipVessels: true})
    const ports = db.sqlite.prepare(`SELECT id, lat, lon, radius_km AS radiusKm FROM ports`).all()
    const random = mulberry(11)
    const insertVessel = db.sqlite.prepare(
      `INSERT INTO vessels (mmsi, ship_type, lat, lon, sog, nav_status, position_at, position_source, origin, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'live', 'ingest', ?, ?)`,
    )
    const insertPosition = db.sqlite.prepare(`INSERT INTO vessel_positions (mmsi, observed_at, lat, lon, sog, nav_status, source, received_at) VALUES (?, ?, ?, ?, ?, ?, 'live', ?)`)
    const types = [70, 70, 70, 80, 80, 60, 52, 30, 37, null]
    db.sqlite.transaction(() => {
      for (let i = 0; i < VESSELS; i++) {
        // 40 % in or near a port, a third of those stopped; the rest anywhere at sea.
        let lat
        let lon
        let stopped = false
        if (random() < 0.4) {
          const port = ports[Math.floor(random() * ports.length)]
          const km = random() * (port.radiusKm ?? 5) * 1.2
          const a = random() * 2 * Math.PI
          lat = Math.max(-89.9, Math.min(89.9, port.lat + (km / 111) * Math.sin(a)))
          lon = port.lon + ((km / 111) * Math.cos(a)) / Math.max(0.2, Math.cos((port.lat * Math.PI) / 180))
          stopped = random() < 1 / 3
        } else {
          lat = -60 + random() * 130
          lon = -180 + random() * 360
        }
        lon = ((((lon + 180) % 360) + 360) % 360) - 180
        const sog = stopped ? random() * 0.15 : 3 + random() * 15
        const nav = stopped ? 1 : 0
        const mmsi = 201_000_000 + i
        for (let k = REPORTS - 1; k >= 0; k--) {
          const at = now - k * 5 * 60_000
          insertPosition.run(mmsi, at, lat + (stopped ? 0 : k * 0.001), lon, sog, nav, at)
        }
        insertVessel.run(mmsi, types[i % types.length], lat, lon, sog, nav, now, now, now)
      }
    })()
    const {addUser} = await dist('users/users.js')
    const readers = []
    for (const name of ['bench-reader-1', 'bench-reader-2', 'bench-reader-3']) readers.push(await addUser(ctx, {name, role: 'VIEWER'}))
    const insertEvent = db.sqlite.prepare(
      `INSERT INTO safety_events (type, severity, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, resolved_at)
       VALUES ('distress', 'high', ?, ?, 'bench event', 0, 0, 'live', ?, ?, ?, ?)`,
    )
    const insertNotification = db.sqlite.prepare(`INSERT INTO notifications (user_id, event_id, channel, status, created_at) VALUES (?, ?, 'database', 'stored', ?)`)
    db.sqlite.transaction(() => {
      for (let i = 0; i < EVENTS; i++) {
        const at = now - Math.floor(random() * 7 * 86_400_000)
        insertEvent.run(201_000_000 + i, `bench:${i}`, at, at, at, i % 2 === 0 ? at + 60_000 : null)
      }
      for (let i = 0; i < NOTIFICATIONS; i++) insertNotification.run(readers[Math.floor(i / EVENTS)].id, 1 + (i % EVENTS), now - Math.floor(random() * 7 * 86_400_000))
    })()
    const summary = await computePortCongestion(ctx)
    console.log(`  database built in ${((performance.now() - t0) / 1000).toFixed(1)} s (${summary.ports_with_data.toLocaleString()} ports with data)`)
  } finally {
    db.close()
  }
}


const load = (url, headers, seconds = DURATION) => autocannon(url, {connections: CONNECTIONS, seconds, headers})

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export default async function api() {
  const keep = process.env.BENCH_API_DB
  const dir = keep ? undefined : mkdtempSync(join(tmpdir(), 'harbormaster-bench-api-'))
  const db = keep ?? join(dir, 'harbormaster.db')
  const servers = []
  try {
    if (!existsSync(db)) await buildDatabase(db, Date.now())
    const token = JSON.parse(execFileSync(process.execPath, [BIN, 'users', 'add', `bench-${Date.now()}`, '--role', 'VIEWER', '--json', '--db', db], {encoding: 'utf8'})).token
    const bare = await startBare()
    servers.push(bare)
    const serve = await startServe(db)
    servers.push(serve)
    const auth = {authorization: `Bearer ${token}`}
    const congestionUrl = `${serve.address}/api/ports/congestion/?page_size=50`
    const etag = (await fetch(congestionUrl, {headers: auth})).headers.get('etag')
    const targets = [
      {label: 'bare fastify hello-world', url: `${bare.address}/`, headers: {}},
      {label: 'GET /api/ports/congestion/?page_size=50', url: congestionUrl, headers: auth},
      {label: 'GET /api/system/health/', url: `${serve.address}/api/system/health/`, headers: {}},
      ...(etag ? [{label: '  the same with If-None-Match (304)', url: congestionUrl, headers: {...auth, 'if-none-match': etag}}] : []),
    ]
    // Warm-up: JIT, caches and connections, for every target alike.
    for (const t of targets) await load(t.url, t.headers, 1)
    const results = targets.map(() => [])
    for (let run = 0; run < RUNS; run++) {
      for (const [i, t] of targets.entries()) results[i].push(await load(t.url, t.headers))
    }
    const {default: Database} = await import('better-sqlite3')
    const reading = new Database(db, {readonly: true})
    const positions = reading.prepare('SELECT count(*) AS n FROM vessel_positions').get().n
    reading.close()
    console.log(`${Number(positions).toLocaleString()} positions; ${CONNECTIONS} connections, ${DURATION} s per run, median of ${RUNS} runs; serve with a rate limit never reached and no access log`)
    const rps = results.map((runs) => median(runs.map((r) => r.requests.average)))
    for (const [i, t] of targets.entries()) {
      const p99 = median(results[i].map((r) => r.latency.p99))
      const bad = results[i].reduce((n, r) => n + r.non2xx + r.errors, 0)
      const status = t.headers['if-none-match'] ? '' : bad ? `  (${bad} non-2xx or errors)` : ''
      console.log(`  ${t.label.padEnd(44)} ${Math.round(rps[i]).toLocaleString().padStart(8)} req/s  p99 ${String(p99).padStart(4)} ms${status}`)
    }
    const ratio = (i) => `${(rps[i] / rps[0]).toFixed(3)}x`
    console.log(`  ratio to the hello-world: congestion ${ratio(1)}, health ${ratio(2)}${etag ? `, congestion 304 ${ratio(3)}` : ''} (target 0.25x)`)
  } finally {
    for (const s of servers) await s.stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  }
}
