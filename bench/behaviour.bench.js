// The behaviour pass at scale: 10 million positions of 50,000 vessels over 7 days in one SQLite file, built
// once and kept in the temp directory for later runs (BENCH_BEHAVIOUR_DB names another place). Vessels sail
// 300 lanes of the world's seas (a quarter of them within 50 nm of a coast), each reporting about every
// 46 minutes, some skipping reports, 2 % going dark for 12 to 31 hours. harbormaster's side runs the pass
// over all of it as a first pass (the 7 days before the newest position) with every detector this build has;
// the baseline is the obvious per-vessel loop: one SELECT per vessel into row objects, its silences found in
// JS, and for each offshore silence a SELECT of the reports near its start during it. The baseline is timed
// on every NAIVE_EVERY-th vessel and scaled to every position; both must find the same gaps for those
// vessels. Each side runs alone in its own process (peak RSS is its own). Targets: < 60 s, < 1 GB, >= 20x.
import {existsSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'

import {cpuMs, machineLine, mb, mulberry, runAsSide, seconds, side} from './harness.js'
import {benchContext, dist} from './world.js'

const VESSELS = 50_000
const POSITIONS = Number(process.env.BENCH_BEHAVIOUR_POSITIONS ?? 10_000_000)
const TICK_MS = 46 * 60_000
/** Enough report times for POSITIONS after the skipped and dark ones: 6.9 days, inside a first pass's 7. */
const TICKS = 215
const LANES = 300
const NAIVE_EVERY = Math.max(1, Number(process.env.BENCH_NAIVE_EVERY ?? 100))
/** One run per side unless BENCH_RUNS asks for more: the build and each side take minutes on a shared machine. */
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1))
const DB = process.env.BENCH_BEHAVIOUR_DB ?? join(tmpdir(), `harbormaster-bench-behaviour-${POSITIONS}.db`)
const T0 = Date.parse('2026-11-17T12:00:00Z')
const VERSION = 2
const H = 3_600_000
const GAP_MS = 12 * H
const OFFSHORE_KM = 92.6
const HEARD_KM = 92.6
const HEARD_WITHIN_MS = 24 * H
const KM_PER_DEGREE = 111.195

const mmsiOf = (v) => 201_000_000 + v * 13

/** The world, built unless a finished one is there already. */
async function ensureWorld() {
  if (existsSync(DB)) {
    const d = new Database(DB, {readonly: true})
    try {
      const marker = d.prepare(`SELECT value FROM settings WHERE key = 'bench.behaviour'`).pluck().get()
      if (marker && JSON.parse(marker).version === VERSION) return {built: false, ms: 0}
    } catch {
      // Not a finished world: built again below.
    } finally {
      d.close()
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${DB}${suffix}`, {force: true})
  }
  const t0 = performance.now()
  const [{ensureFallbackData}, {landOutline}] = await Promise.all([dist('fallback/ensure.js'), dist('geo/land.js')])
  const ctx = await benchContext(DB, T0)
  await ensureFallbackData(ctx, {skipVessels: true})
  const s = ctx.db.sqlite
  s.exec(`DELETE FROM vessel_positions`)

  // Lanes: points at sea, three quarters far out (over 60 nm), a quarter along a coast (10 to 50 nm out).
  const land = landOutline('10m')
  const random = mulberry(17)
  const lanes = []
  while (lanes.length < LANES) {
    const lat = -55 + random() * 120
    const lon = -179 + random() * 358
    if (land.isOnLand(lon, lat)) continue
    const km = land.distanceToShoreKm(lon, lat)
    const coastal = lanes.length % 4 === 3
    if (coastal ? km < 18 || km > 92 : km < 111) continue
    lanes.push({lat, lon, spread: coastal ? 0.15 : 1.5})
  }
  s.exec(`CREATE TEMP TABLE bench_vessels (v INTEGER PRIMARY KEY, mmsi INTEGER, lat0 REAL, lon0 REAL, dlat REAL, dlon REAL, sog REAL, offset_ms INTEGER, dark_from INTEGER, dark_len INTEGER, skip_pct INTEGER)`)
  const insertVessel = s.prepare(`INSERT INTO bench_vessels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  s.transaction(() => {
    for (let v = 0; v < VESSELS; v++) {
      const lane = lanes[v % LANES]
      // Slow drift along the lane: at most 0.01 degrees a report, a few degrees over the week.
      const dark = random() < 0.02
      insertVessel.run(
        v,
        mmsiOf(v),
        lane.lat + (random() - 0.5) * lane.spread,
        lane.lon + (random() - 0.5) * lane.spread,
        (random() - 0.5) * 0.02 * (lane.spread / 1.5),
        (random() - 0.5) * 0.02 * (lane.spread / 1.5),
        6 + random() * 10,
        Math.floor(random() * TICK_MS),
        dark ? 10 + Math.floor(random() * (TICKS - 60)) : 0,
        dark ? 16 + Math.floor(random() * 25) : 0,
        Math.floor(random() * 8),
      )
    }
  })()
  // The reports in the order ingest would store them: report time by report time (ids follow time).
  s.exec(`DROP INDEX IF EXISTS vessel_positions_mmsi_observed_unique; DROP INDEX IF EXISTS vessel_positions_observed_idx`)
  s.prepare(
    `WITH RECURSIVE ticks(t) AS (SELECT 0 UNION ALL SELECT t + 1 FROM ticks WHERE t < ${TICKS - 1})
     INSERT INTO vessel_positions (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at)
     SELECT mmsi, ${T0} + t * ${TICK_MS} + offset_ms, lat0 + dlat * t, lon0 + dlon * t, sog, NULL, NULL, 0, (offset_ms / 1000) % 60, 'live',
            ${T0} + t * ${TICK_MS} + offset_ms + 4000
     FROM ticks CROSS JOIN bench_vessels
     WHERE NOT (t >= dark_from AND t < dark_from + dark_len) AND (v * 7919 + t * 104729) % 100 >= skip_pct
     ORDER BY 2
     LIMIT ${POSITIONS}`,
  ).run()
  s.exec(`CREATE UNIQUE INDEX vessel_positions_mmsi_observed_unique ON vessel_positions (mmsi, observed_at);
          CREATE INDEX vessel_positions_observed_idx ON vessel_positions (observed_at);`)
  const stored = s.prepare(`SELECT count(*) FROM vessel_positions`).pluck().get()
  if (stored < POSITIONS) throw new Error(`the world holds ${stored} positions, fewer than ${POSITIONS}`)
  s.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('bench.behaviour', ?, ?)`).run(JSON.stringify({version: VERSION, positions: stored}), T0)
  s.pragma('wal_checkpoint(TRUNCATE)')
  ctx.db.close()
  return {built: true, ms: performance.now() - t0}
}

/** The newest position: the sides' clock is a minute after it. */
function newestAt() {
  const d = new Database(DB, {readonly: true})
  try {
    return d.prepare(`SELECT max(observed_at) FROM vessel_positions`).pluck().get()
  } finally {
    d.close()
  }
}

/** A database as before any pass: no behaviour events, no watermark. */
function forgetPasses(s) {
  s.exec(`DELETE FROM safety_events WHERE type IN ('ais_gap', 'loitering', 'encounter', 'identity', 'geofence');
          DELETE FROM settings WHERE key = 'behaviour.position_id'`)
}

const sampled = (mmsi) => ((mmsi - 201_000_000) / 13) % NAIVE_EVERY === 0

const sides = {
  async pass({now}) {
    const [{runBehaviourPass}] = await Promise.all([dist('behaviour/pass.js')])
    const ctx = await benchContext(DB, now)
    forgetPasses(ctx.db.sqlite)
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    const summary = await runBehaviourPass(ctx)
    const ms = performance.now() - t0
    const gaps = ctx.db.sqlite.prepare(`SELECT mmsi, dedupe_key, resolved_at FROM safety_events WHERE type = 'ais_gap' ORDER BY dedupe_key`).all()
    forgetPasses(ctx.db.sqlite)
    ctx.db.close()
    return {
      ms,
      cpu_ms: cpuMs(cpu),
      positions_fresh: summary.positions_fresh,
      positions_read: summary.positions_read,
      slices: summary.slices,
      events: summary.events_new,
      by_type: summary.new_by_type,
      detectors: summary.detectors,
      timings: summary.timings_ms,
      sample_gaps: gaps.filter((g) => sampled(g.mmsi)).map((g) => `${g.dedupe_key}:${g.resolved_at ?? 'open'}`),
    }
  },

  /** The obvious loop: each sampled vessel's reports as row objects, its silences judged one by one. */
  async naive({now}) {
    const [{landOutline}, {haversineKm}] = await Promise.all([dist('geo/land.js'), dist('geo/geometry.js')])
    const land = landOutline('10m')
    const d = new Database(DB)
    const until = d.prepare(`SELECT max(observed_at) FROM vessel_positions`).pluck().get()
    const mmsis = d.prepare(`SELECT DISTINCT mmsi FROM vessel_positions`).pluck().all().filter(sampled)
    const total = d.prepare(`SELECT count(*) FROM vessel_positions`).pluck().get()
    const reportsOf = d.prepare(`SELECT * FROM vessel_positions WHERE mmsi = ? ORDER BY observed_at`)
    const near = d.prepare(
      `SELECT mmsi, lat, lon FROM vessel_positions
       WHERE observed_at > ? AND observed_at <= ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND mmsi != ?`,
    )
    const t0 = performance.now()
    let positions = 0
    let nearMs = 0
    const gaps = []
    for (const mmsi of mmsis) {
      const reports = reportsOf.all(mmsi)
      positions += reports.length
      const silences = []
      for (let i = 1; i < reports.length; i++) if (reports[i].observed_at - reports[i - 1].observed_at >= GAP_MS) silences.push([reports[i - 1], reports[i]])
      const last = reports.at(-1)
      if (last && until - last.observed_at >= GAP_MS) silences.push([last, null])
      for (const [start, end] of silences) {
        if (land.isOnLand(start.lon, start.lat) || land.distanceToShoreKm(start.lon, start.lat) <= OFFSHORE_KM) continue
        const endAt = end ? end.observed_at : until
        const after = Math.max(start.observed_at, endAt - HEARD_WITHIN_MS)
        const through = end ? endAt - 1 : endAt
        const dLat = HEARD_KM / KM_PER_DEGREE
        const dLon = HEARD_KM / (KM_PER_DEGREE * Math.cos((Math.min(89, Math.abs(start.lat) + dLat) * Math.PI) / 180))
        const tn = performance.now()
        const others = near.all(after, through, start.lat - dLat, start.lat + dLat, start.lon - dLon, start.lon + dLon, mmsi)
        nearMs += performance.now() - tn
        const heard = new Set(others.filter((o) => haversineKm(start.lat, start.lon, o.lat, o.lon) <= HEARD_KM).map((o) => o.mmsi))
        if (heard.size > 0) gaps.push(`ais_gap:${mmsi}:${start.observed_at}:${end ? end.observed_at : 'open'}`)
      }
    }
    const ms = performance.now() - t0
    d.close()
    return {ms, near_ms: nearMs, vessels: mmsis.length, positions, total, sample_gaps: gaps.sort(), now}
  },
}

export default async function run() {
  console.log(machineLine())
  const world = await ensureWorld()
  console.log(world.built ? `built the world in ${seconds(world.ms)}: ${DB}` : `the world from an earlier run: ${DB}`)
  // Building takes minutes: BENCH_BEHAVIOUR_BUILD_ONLY=1 builds it ahead of a run.
  if (process.env.BENCH_BEHAVIOUR_BUILD_ONLY) return
  const now = newestAt() + 60_000
  const passes = []
  const naives = []
  for (let i = 0; i < RUNS; i++) {
    passes.push(side(import.meta.url, 'pass', {now}))
    naives.push(side(import.meta.url, 'naive', {now}))
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const p = passes[0]
  const n = naives[0]
  const passMs = median(passes.map((r) => r.ms))
  const naivePerPosition = median(naives.map((r) => r.ms / r.positions))
  const naiveMs = naivePerPosition * n.total
  const readPerPosition = median(naives.map((r) => (r.ms - r.near_ms) / r.positions))
  const peak = median(passes.map((r) => r.peak_rss))
  console.log(`${RUNS} run(s) per side, each side alone in its own process`)
  console.log(
    `pass: ${seconds(passMs)} wall, ${seconds(median(passes.map((r) => r.cpu_ms)))} CPU, peak RSS ${mb(peak)}; ${p.positions_fresh.toLocaleString()} positions fresh, ` +
      `${p.positions_read.toLocaleString()} read in ${p.slices} slices; ${p.events} events ${JSON.stringify(p.by_type)}`,
  )
  console.log(`  timings (ms): ${JSON.stringify(p.timings)}; detectors: ${JSON.stringify(p.detectors)}`)
  console.log(
    `naive: ${n.vessels} vessels (every ${NAIVE_EVERY}th), ${n.positions.toLocaleString()} positions in ${seconds(n.ms)} (${seconds(n.near_ms)} of it in the nearby queries), peak RSS ${mb(n.peak_rss)}; ` +
      `scaled to ${n.total.toLocaleString()} positions: ${seconds(naiveMs)} (its per-vessel reads alone: ${seconds(readPerPosition * n.total)})`,
  )
  const same = JSON.stringify([...p.sample_gaps].sort()) === JSON.stringify(n.sample_gaps)
  console.log(`gaps of the sampled vessels: pass ${p.sample_gaps.length}, naive ${n.sample_gaps.length}: ${same ? 'the same' : 'DIFFERENT'}`)
  if (!same) process.exitCode = 1
  console.log(
    `ratio: ${(naiveMs / passMs).toFixed(1)}x (target >= 20x); reads alone ${((readPerPosition * n.total) / passMs).toFixed(1)}x; wall ${seconds(passMs)} (target < 60 s); peak RSS ${mb(peak)} (target < 1 GB)`,
  )
}

await runAsSide(import.meta.url, sides)
