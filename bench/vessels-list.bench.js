// `vessels list` at world scale: 200,000 vessels (40 % around ports, the rest anywhere at sea), every
// shipped port and anchorage cell. harbormaster's listing (the repository's query on the (lon, lat) index,
// the port areas for --in-port) against the obvious baseline: every vessel read with a raw better-sqlite3
// prepared statement and filtered, sorted and cut in JavaScript (the port test by the same PortAreas); and
// against the same listing on a copy without the index. Each query runs several times per process; the
// figures are medians. Every side must give the same vessels for every query.
import {join} from 'node:path'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'

import Database from 'better-sqlite3'

import {alternate, machineLine, med, mulberry, runAsSide, sidesLine} from './harness.js'
import {benchContext, dist} from './world.js'

const VESSELS = Number(process.env.BENCH_VESSELS ?? 200_000)
const REPEAT = 9
const NOW = Date.parse('2026-11-24T12:00:00Z')
const TYPES = [null, 0, 30, 31, 36, 37, 52, 60, 70, 70, 70, 71, 79, 80, 80, 84, 89, 90]

/** The queries, as operators type them. */
const QUERIES = {
  'bbox Singapore Strait (1 x 0.5 deg)': {bbox: '103.5,1.0,104.5,1.5'},
  'bbox North Atlantic (50 x 40 deg)': {bbox: '-60,20,-10,60'},
  'bbox across the antimeridian (20 x 30 deg)': {bbox: '170,-30,-170,0'},
  'bbox Singapore Strait, --type tanker': {bbox: '103.5,1.0,104.5,1.5', types: ['tanker']},
  '--type cargo (whole world, limit 200)': {types: ['cargo']},
  'no filter (limit 200)': {},
  '--in-port NLRTM': {inPort: 'NLRTM'},
  '--in-port SGKEP, --since 6h': {inPort: 'SGKEP', sinceMs: 6 * 3_600_000},
}

export async function buildWorld(dbPath) {
  const {ensureFallbackData} = await dist('fallback/ensure.js')
  const ctx = await benchContext(dbPath, NOW)
  const {db} = ctx
  await ensureFallbackData(ctx, {skipVessels: true})
  const random = mulberry(7)
  const ports = db.sqlite.prepare(`SELECT id, lat, lon, radius_km FROM ports`).all()
  const insert = db.sqlite.prepare(
    `INSERT INTO vessels (mmsi, ship_type, lat, lon, sog, nav_status, position_at, position_source, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'live', 'ingest', ?, ?)`,
  )
  db.sqlite.transaction(() => {
    for (let i = 0; i < VESSELS; i++) {
      let lat
      let lon
      if (random() < 0.4) {
        const p = ports[Math.floor(random() * ports.length)]
        const d = (random() * Math.max(p.radius_km, 5) * 2) / 111
        const a = random() * 2 * Math.PI
        lat = p.lat + d * Math.sin(a)
        lon = p.lon + (d * Math.cos(a)) / Math.max(0.2, Math.cos((p.lat * Math.PI) / 180))
      } else {
        lat = -60 + random() * 130
        lon = -180 + random() * 360
      }
      lon = ((((lon + 180) % 360) + 360) % 360) - 180
      lat = Math.max(-89.9, Math.min(89.9, lat))
      const sog = random() < 0.35 ? random() * 0.4 : 3 + random() * 15
      insert.run(201_000_000 + i, TYPES[Math.floor(random() * TYPES.length)], lat, lon, sog, sog < 0.5 ? 1 : 0, NOW - Math.floor(random() * 86_400_000), NOW, NOW)
    }
  })()
  const cells = db.sqlite.prepare(`SELECT count(*) FROM port_area_cells`).pluck().get()
  db.close()
  return {ports: ports.length, cells}
}

const timed = async (fn) => {
  const times = []
  let result
  for (let k = 0; k < REPEAT; k++) {
    const t0 = performance.now()
    result = await fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return {ms: times[Math.floor(times.length / 2)], result}
}

/** harbormaster's listing, through the service; `dropIndex`: on a copy without the (lon, lat) index. */
async function listing({db: dbPath, dropIndex}) {
  const {vesselListing} = await dist('vessels/listing.js')
  const ctx = await benchContext(dbPath, NOW)
  if (dropIndex) ctx.db.sqlite.exec('DROP INDEX vessels_lon_lat_idx')
  const out = {}
  for (const [name, q] of Object.entries(QUERIES)) {
    const {ms, result} = await timed(() => vesselListing(ctx, {...q, limit: 200}))
    out[name] = {ms, mmsis: result.vessels.map((v) => v.mmsi), more: result.more}
  }
  ctx.db.close()
  return {queries: out}
}

const ours = (args) => listing({...args, dropIndex: false})
const unindexed = (args) => listing({...args, dropIndex: true})

/** The obvious way: read every vessel, filter, sort and cut in JavaScript. */
async function naive({db: dbPath}) {
  const [{PortAreas}, {areaCells, areaPorts}, {SHIP_TYPE_CODES}] = await Promise.all([dist('ports/port-areas.js'), dist('db/port-areas.js'), dist('ais/ship-types.js')])
  const db = new Database(dbPath, {readonly: true})
  const all = db.prepare(`SELECT mmsi, name, ship_type, lat, lon, sog, position_at FROM vessels WHERE lat IS NOT NULL AND lon IS NOT NULL AND position_at IS NOT NULL`)
  const portBy = db.prepare(`SELECT id FROM ports WHERE unlocode = ?`).pluck()
  const out = {}
  for (const [name, q] of Object.entries(QUERIES)) {
    const {ms, result} = await timed(async () => {
      const [minLon, minLat, maxLon, maxLat] = q.bbox ? q.bbox.split(',').map(Number) : []
      const ranges = q.types ? q.types.flatMap((t) => SHIP_TYPE_CODES[t]) : null
      const since = q.sinceMs ? NOW - q.sinceMs : null
      // The port areas are read for every --in-port query, as the command does.
      const areas = q.inPort ? new PortAreas(await areaPorts({dialect: 'sqlite', sqlite: db}), await areaCells({dialect: 'sqlite', sqlite: db})) : null
      const portId = q.inPort ? portBy.get(q.inPort) : null
      const rows = all.all().filter((v) => {
        if (q.bbox && (v.lat < minLat || v.lat > maxLat || (minLon <= maxLon ? v.lon < minLon || v.lon > maxLon : v.lon < minLon && v.lon > maxLon))) return false
        if (ranges && !ranges.some(([lo, hi]) => v.ship_type !== null && v.ship_type >= lo && v.ship_type <= hi)) return false
        if (since !== null && v.position_at < since) return false
        if (areas && areas.locate(v.lat, v.lon)?.portId !== portId) return false
        return true
      })
      rows.sort((a, b) => b.position_at - a.position_at || a.mmsi - b.mmsi)
      return rows.slice(0, 200)
    })
    out[name] = {ms, mmsis: result.map((v) => v.mmsi)}
  }
  db.close()
  return {queries: out}
}

export default async function vesselsList() {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-vessels-list-'))
  const dbPath = join(dir, 'vessels.db')
  try {
    const world = await buildWorld(dbPath)
    console.log(`${VESSELS.toLocaleString()} vessels, ${world.ports.toLocaleString()} ports, ${world.cells.toLocaleString()} anchorage cells; ${machineLine()}; ${sidesLine()}, each query ${REPEAT} times per run`)
    const runs = alternate(import.meta.url, ['ours', 'unindexed', 'naive'], dbPath)
    let same = true
    for (const name of Object.keys(QUERIES)) {
      const o = med(runs.ours, (r) => r.queries[name].ms)
      const u = med(runs.unindexed, (r) => r.queries[name].ms)
      const n = med(runs.naive, (r) => r.queries[name].ms)
      const first = runs.ours[0].queries[name]
      const agree = [runs.unindexed[0], runs.naive[0]].every((r) => JSON.stringify(r.queries[name].mmsis) === JSON.stringify(first.mmsis))
      same &&= agree
      console.log(
        `  ${name}: ${o.toFixed(1)} ms (${first.mmsis.length}${first.more ? '+' : ''} vessels); without the index ${u.toFixed(1)} ms (${(u / o).toFixed(1)}x); naive ${n.toFixed(0)} ms (${(n / o).toFixed(0)}x)${agree ? '' : ' — DIFFERENT VESSELS'}`,
      )
    }
    console.log(`  peak RSS: ours ${(med(runs.ours, 'peak_rss') / 1048576).toFixed(0)} MB, naive ${(med(runs.naive, 'peak_rss') / 1048576).toFixed(0)} MB; same vessels on every side: ${same ? 'yes' : 'NO'}`)
    if (!same) process.exitCode = 1
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

await runAsSide(import.meta.url, {ours, unindexed, naive})
