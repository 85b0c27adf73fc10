// Piracy risk areas as a forecast, on the shipped NGA ASAM export (2008 to June 2022): zones built from the
// incidents up to 2019, measured against the piracy incidents of 2020 to June 2022 (share held, area of the
// zones' union, share of it on land by Natural Earth 1:10m), for harbormaster's method and for the method
// it replaced (every incident of the last 365 days, clusters within 150 km as circles), both in this run.
// Also times the build over the whole export, and reading it back from the cache.
// Targets: >= 75 % held, <= 2.0 million km², < 5 % land; build cached when over ~1 s.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import KDBush from 'kdbush'
import * as geokdbush from 'geokdbush'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = (p) => import(join(root, 'dist', 'services', p))
const SPLIT = Date.parse('2020-01-01T00:00:00Z')
const DAY_MS = 86_400_000

/** The method harbormaster used before: the last 365 days before the newest incident, DBSCAN at 150 km with
 * 3 incidents, each cluster one circle around its centre reaching its farthest incident plus 75 km. */
function circleZones(incidents, {circleGeometry, haversineKm}) {
  const newest = Math.max(...incidents.map((i) => i.occurredAt))
  const recent = incidents.filter((i) => i.occurredAt >= newest - 365 * DAY_MS)
  const index = new KDBush(recent.length)
  for (const i of recent) index.add(i.lon, i.lat)
  index.finish()
  const around = (k) => geokdbush.around(index, recent[k].lon, recent[k].lat, Infinity, 150)
  const cluster = new Int32Array(recent.length).fill(-1)
  let clusters = 0
  for (let k = 0; k < recent.length; k++) {
    if (cluster[k] !== -1) continue
    const seeds = around(k)
    if (seeds.length < 3) continue
    const id = clusters++
    cluster[k] = id
    const queue = [...seeds]
    while (queue.length > 0) {
      const j = queue.pop()
      if (cluster[j] !== -1) continue
      cluster[j] = id
      const more = around(j)
      if (more.length >= 3) queue.push(...more.filter((m) => cluster[m] === -1))
    }
  }
  const zones = []
  for (let id = 0; id < clusters; id++) {
    const members = recent.filter((_, k) => cluster[k] === id)
    let x = 0
    let y = 0
    let z = 0
    for (const m of members) {
      const la = (m.lat * Math.PI) / 180
      const lo = (m.lon * Math.PI) / 180
      x += Math.cos(la) * Math.cos(lo)
      y += Math.cos(la) * Math.sin(lo)
      z += Math.sin(la)
    }
    const lon = (Math.atan2(y, x) * 180) / Math.PI
    const lat = (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI
    const reach = Math.max(...members.map((m) => haversineKm(lat, lon, m.lat, m.lon)))
    zones.push(circleGeometry(lat, lon, Math.round(reach + 75)))
  }
  return zones
}

const pct = (x) => `${(100 * x).toFixed(1)} %`
const mkm2 = (x) => `${(x / 1e6).toFixed(2)} million km²`

export default async function piracy() {
  const [{loadShippedIncidents}, {landOutline}, {circleGeometry, haversineKm}, {measureZones, splitAt}, {buildPiracyZones, riskAreaSettings, shippedPiracyZones}, {loadConfig}, {silentLogger}] =
    await Promise.all([
      dist('datasets/piracy.js'),
      dist('geo/land.js'),
      dist('geo/geometry.js'),
      dist('piracy/holdout.js'),
      dist('piracy/zones.js'),
      dist('config.js'),
      dist('log/logger.js'),
    ])
  const config = loadConfig({env: {}})
  const settings = riskAreaSettings(config)
  const load = loadShippedIncidents()
  const {before, after} = splitAt(load, SPLIT)

  let t = performance.now()
  const land = landOutline('10m')
  const landMs = performance.now() - t
  console.log(`held-out incidents: ${after.length} piracy incidents 2020-01-01 to 2022-06-01; zones from the ${before.incidents.length} records before`)
  console.log(`land outline ${land.version}: loaded and indexed in ${landMs.toFixed(0)} ms`)

  t = performance.now()
  const ours = buildPiracyZones(before, settings, land, {source: 'emergency', origin: 'fallback'})
  const oursMs = performance.now() - t
  const o = measureZones(
    ours.drafts.map((d) => d.geometry),
    after,
    land,
  )
  t = performance.now()
  const circles = circleZones(before.incidents, {circleGeometry, haversineKm})
  const circlesMs = performance.now() - t
  const c = measureZones(circles, after, land)

  const row = (name, f, ms) =>
    console.log(`  ${name}: ${f.zones} zones, held ${pct(f.heldShare)} (${f.held}/${f.incidents}), area ${mkm2(f.areaKm2)}, land ${pct(f.landShare)}, built in ${ms.toFixed(0)} ms`)
  row('harbormaster (type filter, weighted clusters, hulls cut to water)', o, oursMs)
  row('baseline (365-day window, 150 km circles)', c, circlesMs)
  console.log(`  buffer from the data: ${ours.summary.buffer_km} km; excluded as not piracy: ${ours.summary.excluded} of ${ours.summary.incidents} records`)
  console.log(
    `  ratios against the baseline: held ${(o.heldShare / c.heldShare).toFixed(2)}x, area ${(o.areaKm2 / c.areaKm2).toFixed(2)}x, land share ${(o.landShare / c.landShare).toFixed(3)}x`,
  )
  const met = o.heldShare >= 0.75 && o.areaKm2 <= 2.0e6 && o.landShare < 0.05
  console.log(`  targets (>= 75 % held, <= 2.0 million km², < 5 % land): ${met ? 'met' : 'NOT met'}`)
  if (!met) process.exitCode = 1

  // The build the safety job runs: the whole export, then the cached copy.
  const cacheDir = mkdtempSync(join(tmpdir(), 'harbormaster-piracy-cache-'))
  try {
    const ctx = {config: {...config, cacheDir}, logger: silentLogger}
    const built = shippedPiracyZones(ctx)
    const cached = shippedPiracyZones(ctx)
    console.log(
      `  whole export: ${built.drafts.length} zones, ${mkm2(built.summary.area_km2)}; built in ${built.buildMs} ms (outline already loaded), read from the cache in ${cached.buildMs} ms (${(built.buildMs / Math.max(1, cached.buildMs)).toFixed(0)}x)`,
    )
  } finally {
    rmSync(cacheDir, {recursive: true, force: true})
  }
}
