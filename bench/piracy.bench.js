// Piracy risk areas as a forecast, on the shipped NGA ASAM export (2008 to June 2022): zones built from the
// incidents up to 2019, measured against the piracy incidents of 2020 to June 2022 (share held, area of the
// zones' union, share of it on land by Natural Earth 1:10m), for harbormaster's method and for the method
// it replaced (every incident of the last 365 days, clusters within 150 km as circles), both in this run.
// Also times the build over the whole export (loading the land outline, then building), and reading it back
// from the cache, each in its own process, several times. Targets: >= 75 % held, <= 2.0 million km², < 5 %
// land; build cached when over ~1 s.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import KDBush from 'kdbush'
import * as geokdbush from 'geokdbush'

import {machineLine, mb, med, RUNS, runAsSide, side, sidesLine} from './harness.js'

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
  const [{loadShippedIncidents}, {landOutline}, {circleGeometry, haversineKm}, {measureZones, splitAt}, {buildPiracyZones, riskAreaSettings}, {loadConfig}] =
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

  const land = landOutline('10m')
  console.log(`held-out incidents: ${after.length} piracy incidents 2020-01-01 to 2022-06-01; zones from the ${before.incidents.length} records before`)

  const ours = buildPiracyZones(before, settings, land, {source: 'emergency', origin: 'fallback'})
  const o = measureZones(
    ours.drafts.map((d) => d.geometry),
    after,
    land,
  )
  const circles = circleZones(before.incidents, {circleGeometry, haversineKm})
  const c = measureZones(circles, after, land)

  const row = (name, f) => console.log(`  ${name}: ${f.zones} zones, held ${pct(f.heldShare)} (${f.held}/${f.incidents}), area ${mkm2(f.areaKm2)}, land ${pct(f.landShare)}`)
  row('harbormaster (type filter, weighted clusters, hulls cut to water)', o)
  row('baseline (365-day window, 150 km circles)', c)
  console.log(`  buffer from the data: ${ours.summary.buffer_km} km; excluded as not piracy: ${ours.summary.excluded} of ${ours.summary.incidents} records`)
  console.log(
    `  ratios against the baseline: held ${(o.heldShare / c.heldShare).toFixed(2)}x, area ${(o.areaKm2 / c.areaKm2).toFixed(2)}x, land share ${(o.landShare / c.landShare).toFixed(3)}x`,
  )
  const met = o.heldShare >= 0.75 && o.areaKm2 <= 2.0e6 && o.landShare < 0.05
  console.log(`  targets (>= 75 % held, <= 2.0 million km², < 5 % land): ${met ? 'met' : 'NOT met'}`)
  if (!met) process.exitCode = 1

  // The build the safety job runs: the whole export, then the cached copy, each in a fresh process.
  const cacheDir = mkdtempSync(join(tmpdir(), 'harbormaster-piracy-cache-'))
  try {
    const builds = []
    const reads = []
    for (let i = 0; i < RUNS; i++) {
      rmSync(cacheDir, {recursive: true, force: true})
      builds.push(side(import.meta.url, 'shipped', {cacheDir, build: true}))
      reads.push(side(import.meta.url, 'shipped', {cacheDir, build: false}))
    }
    if (builds.some((b) => b.built_from !== 'data') || reads.some((r) => r.built_from !== 'cache')) throw new Error('the cache did not behave: expected a build, then a read')
    const built = med(builds, 'build_ms')
    const cached = med(reads, 'build_ms')
    console.log(`  whole export, per safety run (${machineLine()}; ${sidesLine()}):`)
    console.log(
      `    ${builds[0].zones} zones, ${mkm2(builds[0].area_km2)}; built in ${built.toFixed(0)} ms after loading the land outline in ${med(builds, 'land_ms').toFixed(0)} ms (peak RSS ${mb(med(builds, 'peak_rss'))}), ` +
        `read from the cache in ${cached.toFixed(0)} ms (peak RSS ${mb(med(reads, 'peak_rss'))}): ${(built / Math.max(1, cached)).toFixed(0)}x`,
    )
  } finally {
    rmSync(cacheDir, {recursive: true, force: true})
  }
}

/**
 * What a safety run does for piracy zones. `build`: the cache is empty, so the land outline is loaded (timed
 * apart) and the zones built and cached; `cached`: they are read from the cache.
 */
async function shipped({cacheDir, build}) {
  const [{landOutline}, {shippedPiracyZones}, {loadConfig}, {silentLogger}] = await Promise.all([dist('geo/land.js'), dist('piracy/zones.js'), dist('config.js'), dist('log/logger.js')])
  const ctx = {config: {...loadConfig({env: {}}), cacheDir}, logger: silentLogger}
  const t0 = performance.now()
  if (build) landOutline('10m')
  const t1 = performance.now()
  const result = shippedPiracyZones(ctx)
  const t2 = performance.now()
  return {built_from: result.builtFrom, land_ms: t1 - t0, build_ms: t2 - t1, zones: result.drafts.length, area_km2: result.summary.area_km2}
}

await runAsSide(import.meta.url, {shipped})
