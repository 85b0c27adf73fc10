// HTTP API throughput: autocannon against GET /api/ports/congestion/ and GET /api/system/health/ on the
// world-scale dataset (every port with a snapshot, 200,000 vessels), side by side with a bare fastify
// route returning a constant, in the same run. Prints requests per second, p99 latency and the ratios.
import autocannon from 'autocannon'
import Fastify from 'fastify'

import {dist, openWorld} from './world.js'
const VESSELS = 200_000
const DURATION = Number(process.env.BENCH_SECONDS ?? 8)

function load(url, headers = {}) {
  return new Promise((resolve, reject) => {
    autocannon({url, connections: 16, duration: DURATION, headers}, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

export default async function api() {
  const [{computePortCongestion}, {buildServer}, {addUser}] = await Promise.all([dist('ports/congestion.js'), dist('api/server.js'), dist('users/users.js')])
  const world = await openWorld('api', Date.now())
  const {ctx, db, ports} = world
  try {
    const insert = db.sqlite.prepare(`INSERT INTO vessels (mmsi, lat, lon, sog, position_at, position_source, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'live', 'ingest', ?, ?)`)
    const now = Date.now()
    db.sqlite.transaction(() => {
      for (let i = 0; i < VESSELS; i++) {
        const p = ports[i % ports.length]
        insert.run(201_000_000 + i, p.lat + ((i * 7) % 100) / 2000, p.lon + ((i * 13) % 100) / 2000, (i * 37) % 3 === 0 ? 0.1 : 9, now - 60_000, now, now)
      }
    })()
    await computePortCongestion(ctx)
    const {token} = addUser(ctx, {name: 'bench', role: 'VIEWER'})
    const app = buildServer(ctx)
    const address = await app.listen({host: '127.0.0.1', port: 0})
    const bare = Fastify()
    bare.get('/constant', async () => ({status: 'ok'}))
    const bareAddress = await bare.listen({host: '127.0.0.1', port: 0})

    const auth = {authorization: `Bearer ${token}`}
    const baseline = await load(`${bareAddress}/constant`)
    const congestion = await load(`${address}/api/ports/congestion/?page_size=50`, auth)
    const health = await load(`${address}/api/system/health/`)
    const row = (label, r) =>
      console.log(`  ${label.padEnd(46)} ${Math.round(r.requests.average).toLocaleString().padStart(8)} req/s  p99 ${String(r.latency.p99).padStart(5)} ms  (${r.non2xx} non-2xx)`)
    console.log(`${ports.length.toLocaleString()} ports, ${VESSELS.toLocaleString()} vessels, 16 connections, ${DURATION} s each`)
    row('bare fastify route (constant)', baseline)
    row('GET /api/ports/congestion/?page_size=50', congestion)
    row('GET /api/system/health/', health)
    console.log(`  ratio to the bare route: congestion ${(congestion.requests.average / baseline.requests.average).toFixed(3)}x, health ${(health.requests.average / baseline.requests.average).toFixed(3)}x`)
    await app.close()
    await bare.close()
  } finally {
    world.close()
  }
}
