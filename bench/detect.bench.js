// Detection at world scale: 200,000 vessel positions, every shipped port, 500 zones of real polygon shapes
// (the NWS warning polygons of the shipped capture, each also placed at several other spots of the world).
// Times the ports job and event detection through the services, then a naive scan of the same data (every
// vessel against every zone with turf, every vessel against every port and anchorage cell by haversine, the
// latter on a sample), checks both find the same vessel-in-zone pairs and ports, and prints the ratio. Target: < 5 s, RSS < 500 MB, >= 50x.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import booleanPointInPolygon from '@turf/boolean-point-in-polygon'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = (p) => import(join(root, 'dist', 'services', p))
const VESSELS = Number(process.env.BENCH_VESSELS ?? 200_000)
const ZONES = 500
const NOW = Date.parse('2026-11-24T12:00:00Z')

function mulberry(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function shift(geometry, dLon, dLat) {
  const move = (ring) => ring.map(([x, y]) => [x + dLon, Math.max(-89, Math.min(89, y + dLat))])
  return geometry.type === 'Polygon'
    ? {type: 'Polygon', coordinates: geometry.coordinates.map(move)}
    : {type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(move))}
}

export default async function detect() {
  const [{openDatabase}, {ensureFallbackData}, {computePortCongestion}, {planDetection, applyDetection}, {loadConfig}, {fixedClock}, {silentLogger}, {bboxOf, haversineKm}, {PortAreas, CELL_REACH_KM}, {areaCells, areaPorts}] =
    await Promise.all([
      dist('db/client.js'),
      dist('fallback/ensure.js'),
      dist('ports/congestion.js'),
      dist('safety/detect.js'),
      dist('config.js'),
      dist('clock.js'),
      dist('log/logger.js'),
      dist('geo/geometry.js'),
      dist('ports/port-areas.js'),
      dist('db/port-areas.js'),
    ])
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-detect-'))
  const dbPath = join(dir, 'detect.db')
  try {
    const db = openDatabase(dbPath)
    const config = loadConfig({env: {}, dbPath})
    const ctx = {config, db, logger: silentLogger, clock: fixedClock(NOW)}
    await ensureFallbackData(ctx, {skipVessels: true})
    db.sqlite.exec(`DELETE FROM safety_zones`)

    // 500 zones: the 71 real warning polygons, each at its own place and at up to six others (lon within ±180).
    const capture = JSON.parse(readFileSync(join(root, 'data', 'weather', 'nws-alerts-active-1.json'), 'utf8'))
    const shapes = capture.features.filter((f) => f.geometry).map((f) => f.geometry)
    const random = mulberry(42)
    const zones = []
    for (let i = 0; zones.length < ZONES; i++) {
      const base = shapes[i % shapes.length]
      const box = bboxOf(base)
      const copy = i < shapes.length ? base : shift(base, -170 + random() * 330 - box.minLon, -55 + random() * 110 - box.minLat)
      const b = bboxOf(copy)
      if (b.minLon < -180 || b.maxLon > 180) continue
      zones.push(copy)
    }
    const insertZone = db.sqlite.prepare(
      `INSERT INTO safety_zones (kind, external_id, name, severity, geometry, min_lon, min_lat, max_lon, max_lat, valid_from, valid_to, active, source, observed_at, origin, created_at, updated_at)
       VALUES ('storm', ?, ?, 'high', ?, ?, ?, ?, ?, NULL, NULL, 1, 'live', ?, 'ingest', ?, ?)`,
    )
    db.sqlite.transaction(() => {
      zones.forEach((g, i) => {
        const b = bboxOf(g)
        insertZone.run(`bench:${i}`, `zone ${i}`, JSON.stringify(g), b.minLon, b.minLat, b.maxLon, b.maxLat, NOW, NOW, NOW)
      })
    })()

    const zoneIds = db.sqlite.prepare(`SELECT id FROM safety_zones ORDER BY CAST(substr(external_id, 7) AS INTEGER)`).all().map((r) => r.id)

    // 200,000 vessels: 40 % around ports (a third of those stopped), 30 % inside zone boxes, 30 % anywhere at sea.
    const ports = db.sqlite.prepare(`SELECT id, lat, lon, radius_km FROM ports`).all()
    const insertVessel = db.sqlite.prepare(
      `INSERT INTO vessels (mmsi, lat, lon, sog, nav_status, position_at, position_source, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'live', 'ingest', ?, ?)`,
    )
    const vessels = []
    db.sqlite.transaction(() => {
      for (let i = 0; i < VESSELS; i++) {
        const r = random()
        let lat
        let lon
        if (r < 0.4) {
          const p = ports[Math.floor(random() * ports.length)]
          const d = (random() * p.radius_km * 1.5) / 111
          const a = random() * 2 * Math.PI
          lat = p.lat + d * Math.sin(a)
          lon = p.lon + (d * Math.cos(a)) / Math.max(0.2, Math.cos((p.lat * Math.PI) / 180))
        } else if (r < 0.7) {
          const b = bboxOf(zones[Math.floor(random() * zones.length)])
          lat = b.minLat + random() * (b.maxLat - b.minLat)
          lon = b.minLon + random() * (b.maxLon - b.minLon)
        } else {
          lat = -60 + random() * 130
          lon = -180 + random() * 360
        }
        lon = ((((lon + 180) % 360) + 360) % 360) - 180
        lat = Math.max(-89.9, Math.min(89.9, lat))
        const sog = random() < 0.35 ? random() * 0.4 : 3 + random() * 15
        const mmsi = 201_000_000 + i
        insertVessel.run(mmsi, lat, lon, sog, sog < 0.5 ? 1 : 0, NOW - Math.floor(random() * 3_600_000), NOW, NOW)
        vessels.push({mmsi, lat, lon, sog})
      }
    })()

    const rss0 = process.memoryUsage().rss
    const t0 = performance.now()
    const congestion = await computePortCongestion(ctx)
    const t1 = performance.now()
    const plan = await planDetection(ctx)
    const applied = applyDetection(ctx, plan)
    const t2 = performance.now()
    const peak = process.resourceUsage().maxRSS * 1024
    const oursMs = t2 - t0
    console.log(`${VESSELS.toLocaleString()} vessels, ${ports.length.toLocaleString()} ports, ${zones.length} zones`)
    console.log(`  harbormaster: ports job ${(t1 - t0).toFixed(0)} ms + detection ${(t2 - t1).toFixed(0)} ms = ${(oursMs / 1000).toFixed(2)} s`)
    console.log(`    ${congestion.ports_with_data} ports with data, ${congestion.vessels_in_ports} vessels in ports, ${applied.created.length} events created`)
    console.log(`    peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB (${(rss0 / 1024 / 1024).toFixed(0)} MB before) — targets < 5 s: ${oursMs < 5000 ? 'met' : 'NOT met'}, < 500 MB: ${peak < 500 * 1024 * 1024 ? 'met' : 'NOT met'}`)

    if (process.env.BENCH_NAIVE === '0') return db.close()
    // The naive scan of the same data.
    const t3 = performance.now()
    const naivePairs = new Set()
    for (const v of vessels) {
      for (let z = 0; z < zones.length; z++) {
        if (booleanPointInPolygon([v.lon, v.lat], zones[z])) naivePairs.add(`${zoneIds[z]}:${v.mmsi}`)
      }
    }
    // Ports: every port and every anchorage cell per vessel, on a sample (the full scan of 200,000 vessels
    // against about 40,000 points takes minutes), extrapolated, and checked against the port areas' lookup.
    const cellRows = await areaCells(db)
    const portRows = await areaPorts(db)
    const areas = new PortAreas(portRows, cellRows)
    const sample = vessels.filter((_, k) => k % Math.ceil(vessels.length / 2000) === 0)
    const t4 = performance.now()
    const naivePorts = sample.map((v) => {
      let cellKm = Infinity
      let cellPort = null
      for (const c of cellRows) {
        const km = haversineKm(v.lat, v.lon, c.lat, c.lon)
        if (km <= CELL_REACH_KM && km < cellKm) {
          cellKm = km
          cellPort = c.portId
        }
      }
      let best = null
      let bestKm = Infinity
      for (const p of portRows) {
        const km = haversineKm(v.lat, v.lon, p.lat, p.lon)
        if (km <= p.radiusKm && km < bestKm) {
          best = p.id
          bestKm = km
        }
      }
      return cellPort !== null && cellKm <= bestKm ? cellPort : best
    })
    const t5 = performance.now()
    const naivePortsMs = ((t5 - t4) / sample.length) * vessels.length
    const naiveMs = t4 - t3 + naivePortsMs
    console.log(
      `  naive scan: zones with turf ${((t4 - t3) / 1000).toFixed(1)} s + ports and cells by haversine ${(naivePortsMs / 1000).toFixed(1)} s (extrapolated from ${sample.length.toLocaleString()} vessels) = ${(naiveMs / 1000).toFixed(1)} s`,
    )

    // Same answers?
    const ours = new Set(plan.create.filter((e) => e.type === 'storm').map((e) => `${e.zoneId}:${e.mmsi}`))
    const samePairs = ours.size === naivePairs.size && [...ours].every((k) => naivePairs.has(k))
    const samePortCount = sample.filter((v, k) => (areas.locate(v.lat, v.lon)?.portId ?? null) === naivePorts[k]).length
    const samePorts = samePortCount >= sample.length * 0.99
    console.log(`  same events: ${samePairs ? 'yes' : 'NO'} (${ours.size.toLocaleString()} vessel-in-zone pairs); same port for ${samePortCount} of ${sample.length} sampled vessels`)
    console.log(`  ratio ${(naiveMs / oursMs).toFixed(0)}x the naive scan (target >= 50x: ${naiveMs / oursMs >= 50 ? 'met' : 'NOT met'})`)
    if (!samePairs || !samePorts) process.exitCode = 1
    db.close()
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
