// Detection at world scale: 200,000 vessel positions, every shipped port, 500 zones of real polygon shapes
// (the NWS warning polygons of the shipped capture, each also placed at several other spots of the world).
// harbormaster's side runs the ports job and event detection through the services and stores what they
// find; the naive side reads the same rows, scans every vessel against every zone with turf and against
// every port and anchorage cell by haversine, and stores what it finds with a prepared single-row insert
// in one transaction: both sides store, so the ratio compares like with like (the figures without storing
// are printed too). Each side runs alone in its own process on a fresh copy of the same database; both
// must find the same vessel-in-zone pairs and ports. Targets: < 5 s, RSS < 500 MB, >= 50x.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import Database from 'better-sqlite3'

import {alternate, cpuMs, machineLine, mb, med, mulberry, runAsSide, seconds, sidesLine} from './harness.js'
import {benchContext, dist, root} from './world.js'

const VESSELS = Number(process.env.BENCH_VESSELS ?? 200_000)
/**
 * The naive scan takes about 40 s over every vessel; it is timed on every `NAIVE_EVERY`-th vessel (its cost
 * per vessel does not depend on which vessels) and scaled up, as are the events it stores.
 */
const NAIVE_EVERY = Math.max(1, Number(process.env.BENCH_NAIVE_EVERY ?? 10))
const ZONES = 500
const NOW = Date.parse('2026-11-24T12:00:00Z')
const WINDOW_MS = 360 * 60_000

function shift(geometry, dLon, dLat) {
  const move = (ring) => ring.map(([x, y]) => [x + dLon, Math.max(-89, Math.min(89, y + dLat))])
  return geometry.type === 'Polygon'
    ? {type: 'Polygon', coordinates: geometry.coordinates.map(move)}
    : {type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(move))}
}

/** The world both sides start from: ports and their cells, 500 zones, 200,000 vessels. */
export async function buildWorld(dbPath) {
  const [{ensureFallbackData}, {bboxOf}] = await Promise.all([dist('fallback/ensure.js'), dist('geo/geometry.js')])
  const ctx = await benchContext(dbPath, NOW)
  const {db} = ctx
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

  // 200,000 vessels: 40 % around ports (a third of those stopped), 30 % inside zone boxes, 30 % anywhere at sea.
  const ports = db.sqlite.prepare(`SELECT id, lat, lon, radius_km FROM ports`).all()
  const insertVessel = db.sqlite.prepare(
    `INSERT INTO vessels (mmsi, lat, lon, sog, nav_status, position_at, position_source, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'live', 'ingest', ?, ?)`,
  )
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
      insertVessel.run(201_000_000 + i, lat, lon, sog, sog < 0.5 ? 1 : 0, NOW - Math.floor(random() * 3_600_000), NOW, NOW)
    }
  })()
  const counts = {ports: ports.length, cells: db.sqlite.prepare(`SELECT count(*) FROM port_area_cells`).pluck().get(), zones: zones.length}
  db.close()
  return counts
}

/** harbormaster: the ports job, then detection planned and applied, through the services. */
async function ours({db: dbPath}) {
  const [{computePortCongestion}, {planDetection, applyDetection}] = await Promise.all([dist('ports/congestion.js'), dist('safety/detect.js')])
  const ctx = await benchContext(dbPath, NOW)
  const {db} = ctx
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const congestion = await computePortCongestion(ctx)
  const t1 = performance.now()
  const plan = await planDetection(ctx)
  const t2 = performance.now()
  const applied = await applyDetection(ctx, plan)
  const t3 = performance.now()
  db.close()
  return {
    ports_ms: t1 - t0,
    plan_ms: t2 - t1,
    apply_ms: t3 - t2,
    total_ms: t3 - t0,
    total_cpu_ms: cpuMs(cpu0),
    events: applied.created.length,
    vessels_in_ports: congestion.vessels_in_ports,
    ports_with_data: congestion.ports_with_data,
    phases: congestion.timings_ms,
  }
}

/**
 * The naive scan, as one would first write it: read the rows, test every (sampled) vessel against every
 * zone with turf and against every port and cell by haversine, then store each event and each port's
 * snapshot with a prepared single-row insert in one transaction.
 */
async function naive({db: dbPath, every}) {
  const {haversineKm} = await dist('geo/geometry.js')
  const CELL_REACH_KM = 2
  const db = new Database(dbPath)
  const t0 = performance.now()
  const newest = db.prepare(`SELECT max(position_at) FROM vessels`).pluck().get()
  const vessels = db
    .prepare(`SELECT mmsi, name, lat, lon, position_at AS at, position_source AS source FROM vessels WHERE position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`)
    .all(newest - WINDOW_MS)
  const zones = db
    .prepare(`SELECT id, name, kind, severity, external_id AS externalId, geometry FROM safety_zones WHERE active = 1 AND kind IN ('storm', 'piracy')`)
    .all()
    .map((z) => ({...z, geometry: JSON.parse(z.geometry)}))
  const ports = db.prepare(`SELECT id, lat, lon, radius_km AS radiusKm FROM ports ORDER BY id`).all()
  const cells = db.prepare(`SELECT port_id AS portId, lat, lon FROM port_area_cells ORDER BY id`).all()
  const sample = vessels.filter((_, k) => k % every === 0)
  const t1 = performance.now()
  const pairs = []
  for (const v of sample) {
    for (const z of zones) if (booleanPointInPolygon([v.lon, v.lat], z.geometry)) pairs.push([z, v])
  }
  const t2 = performance.now()
  const portOf = sample.map((v) => {
    let cellKm = Infinity
    let cellPort = null
    for (const c of cells) {
      const km = haversineKm(v.lat, v.lon, c.lat, c.lon)
      if (km <= CELL_REACH_KM && km < cellKm) {
        cellKm = km
        cellPort = c.portId
      }
    }
    let best = null
    let bestKm = Infinity
    for (const p of ports) {
      const km = haversineKm(v.lat, v.lon, p.lat, p.lon)
      if (km <= p.radiusKm && km < bestKm) {
        best = p.id
        bestKm = km
      }
    }
    return cellPort !== null && cellKm <= bestKm ? cellPort : best
  })
  const inPort = new Map()
  for (const id of portOf) if (id !== null) inPort.set(id, (inPort.get(id) ?? 0) + 1)
  const t3 = performance.now()
  const insertEvent = db.prepare(
    `INSERT INTO safety_events (type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, metadata)
     VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  db.transaction(() => {
    for (const [z, v] of pairs) {
      insertEvent.run(z.kind, z.severity, z.id, v.mmsi, `${z.kind}:zone:${z.id}:vessel:${v.mmsi}`, `${v.name ?? `MMSI ${v.mmsi}`} inside ${z.name}`, v.lat, v.lon,
        v.source, v.at, NOW, NOW, JSON.stringify({zone_external_id: z.externalId, zone_kind: z.kind}))
    }
  })()
  const t4 = performance.now()
  const insertSnapshot = db.prepare(
    `INSERT INTO port_congestion (port_id, observed_at, window_start, vessels_in_port, level, baseline_samples, trend, source, created_at)
     VALUES (?, ?, ?, ?, ?, 0, 'unknown', 'live', ?)`,
  )
  db.transaction(() => {
    for (const p of ports) insertSnapshot.run(p.id, newest, newest - WINDOW_MS, inPort.get(p.id) ?? null, inPort.has(p.id) ? 'normal' : 'no_data', NOW)
  })()
  const t5 = performance.now()
  db.close()
  const scale = vessels.length / sample.length
  return {
    read_ms: t1 - t0,
    zones_ms: (t2 - t1) * scale,
    ports_ms: (t3 - t2) * scale,
    store_events_ms: (t4 - t3) * scale,
    store_snapshots_ms: t5 - t4,
    sample: sample.length,
    vessels: vessels.length,
    pairs: pairs.map(([z, v]) => `${z.id}:${v.mmsi}`),
    sample_ports: sample.map((v, k) => [v.mmsi, v.lat, v.lon, portOf[k]]),
  }
}

const naiveScanMs = (r) => r.read_ms + r.zones_ms + r.ports_ms
const naiveTotalMs = (r) => naiveScanMs(r) + r.store_events_ms + r.store_snapshots_ms

/** Checks that the two sides found the same things: the naive pairs against the events ours stored for the same vessels, the sampled vessels' ports against ours. */
async function sameAnswers(dbPath, naiveRun) {
  const [{PortAreas}, {areaCells, areaPorts}] = await Promise.all([dist('ports/port-areas.js'), dist('db/port-areas.js')])
  const db = new Database(dbPath, {readonly: true})
  const sampleMmsis = new Set(naiveRun.sample_ports.map(([mmsi]) => mmsi))
  const all = db.prepare(`SELECT zone_id, mmsi FROM safety_events WHERE type = 'storm'`).raw().all()
  const ourPairs = new Set(all.filter(([, mmsi]) => sampleMmsis.has(mmsi)).map(([z, m]) => `${z}:${m}`))
  const samePairs = ourPairs.size === naiveRun.pairs.length && naiveRun.pairs.every((k) => ourPairs.has(k))
  const fakeDb = {sqlite: db}
  const areas = new PortAreas(await areaPorts(fakeDb), await areaCells(fakeDb))
  const samePorts = naiveRun.sample_ports.filter(([, lat, lon, port]) => (areas.locate(lat, lon)?.portId ?? null) === port).length
  db.close()
  return {samePairs, pairs: naiveRun.pairs.length, samePorts, sample: naiveRun.sample_ports.length}
}

export default async function detect() {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-detect-'))
  const dbPath = join(dir, 'detect.db')
  try {
    const world = await buildWorld(dbPath)
    console.log(`${VESSELS.toLocaleString()} vessels, ${world.ports.toLocaleString()} ports, ${world.cells.toLocaleString()} anchorage cells, ${world.zones} zones; ${machineLine()}; ${sidesLine()}`)
    const runs = alternate(import.meta.url, ['ours', 'naive'], dbPath, {every: NAIVE_EVERY})
    const o = runs.ours
    const n = runs.naive
    const oursMs = med(o, 'total_ms')
    const oursNoStoreMs = med(o, (r) => r.ports_ms + r.plan_ms)
    const naiveMs = med(n, naiveTotalMs)
    const naiveNoStoreMs = med(n, naiveScanMs)
    const peak = med(o, 'peak_rss')
    console.log(`  harbormaster: ports job ${med(o, 'ports_ms').toFixed(0)} ms + detection ${med(o, 'plan_ms').toFixed(0)} ms + storing ${med(o, 'apply_ms').toFixed(0)} ms = ${seconds(oursMs)} (runs: ${o.map((r) => seconds(r.total_ms)).join(', ')})`)
    console.log(`    ${o[0].ports_with_data} ports with data, ${o[0].vessels_in_ports.toLocaleString()} vessels in ports, ${o[0].events.toLocaleString()} events stored; ports job phases (ms, first run): ${Object.entries(o[0].phases).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    console.log(`    peak RSS ${mb(peak)} (the side's own process) — targets < 5 s: ${oursMs < 5000 ? 'met' : 'NOT met'}, < 500 MB: ${peak < 500 * 1024 * 1024 ? 'met' : 'NOT met'}`)
    console.log(
      `  naive: read ${med(n, 'read_ms').toFixed(0)} ms + zones with turf ${seconds(med(n, 'zones_ms'))} + ports and cells by haversine ${seconds(med(n, 'ports_ms'))} + storing ${med(n, (r) => r.store_events_ms + r.store_snapshots_ms).toFixed(0)} ms = ${seconds(naiveMs)}` +
        ` (timed on ${n[0].sample.toLocaleString()} of ${n[0].vessels.toLocaleString()} vessels, scaled; peak RSS ${mb(med(n, 'peak_rss'))})`,
    )
    const check = await sameAnswers(`${dbPath}.ours.run`, n[0])
    console.log(`  same events: ${check.samePairs ? 'yes' : 'NO'} (${check.pairs.toLocaleString()} vessel-in-zone pairs among the sampled vessels); same port for ${check.samePorts.toLocaleString()} of ${check.sample.toLocaleString()} sampled vessels`)
    const ratio = naiveMs / oursMs
    console.log(`  ratio, both storing what they find: ${ratio.toFixed(0)}x (target >= 50x: ${ratio >= 50 ? 'met' : 'NOT met'}); neither storing: ${(naiveNoStoreMs / oursNoStoreMs).toFixed(0)}x (${seconds(oursNoStoreMs)} vs ${seconds(naiveNoStoreMs)})`)
    if (!check.samePairs || check.samePorts < check.sample * 0.99) process.exitCode = 1
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

await runAsSide(import.meta.url, {ours, naive})
