// The profile-refresh job at fleet scale: 50,000 vessels (BENCH_VESSELS) with 35 days of reports each
// (BENCH_REPORTS, 40 by default: 2 million rows), identity values, port calls at shipped ports and events.
// harbormaster's refresh (every part one grouped statement per chunk of 2,000 vessels, each chunk written
// in one transaction) against the obvious baseline: each vessel's profile computed alone, one vessel at a
// time, as `vessels show` computed it before profiles were stored. Also the chunked computation without its
// writes, so the two computations compare like for like; both must give the same profiles.
import {createHash} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {alternate, machineLine, med, mulberry, runAsSide, sidesLine} from './harness.js'
import {benchContext, dist} from './world.js'

const VESSELS = Number(process.env.BENCH_VESSELS ?? 50_000)
const REPORTS = Number(process.env.BENCH_REPORTS ?? 40)
const NOW = Date.parse('2026-11-24T12:00:00Z')
const DAY = 86_400_000
const EVENT_TYPES = ['ais_gap', 'loitering', 'encounter', 'storm', 'geofence']

export async function buildWorld(dbPath) {
  const {ensureFallbackData} = await dist('fallback/ensure.js')
  const ctx = await benchContext(dbPath, NOW)
  const {db} = ctx
  await ensureFallbackData(ctx, {skipVessels: true})
  const s = db.sqlite
  const random = mulberry(11)
  const ports = s.prepare(`SELECT id, lat, lon FROM ports`).all()
  const vessel = s.prepare(
    `INSERT INTO vessels (mmsi, name, ship_type, lat, lon, sog, position_at, position_source, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 9, ?, 'live', 'ingest', ?, ?)`,
  )
  const position = s.prepare(`INSERT INTO vessel_positions (mmsi, observed_at, lat, lon, sog, utc_second, source, received_at) VALUES (?, ?, ?, ?, 9, ?, 'live', ?)`)
  const identity = s.prepare(`INSERT INTO vessel_identity_values (mmsi, field, value, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`)
  const call = s.prepare(
    `INSERT INTO port_calls (mmsi, port_id, arrived_at, departed_at, last_at, stops, is_call, entry_lat, entry_lon, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, 'live', ?, ?)`,
  )
  const event = s.prepare(
    `INSERT INTO safety_events (type, severity, mmsi, dedupe_key, title, source, observed_at, created_at, last_seen_at, resolved_at) VALUES (?, 'low', ?, ?, 'bench', 'live', ?, ?, ?, ?)`,
  )
  let positions = 0
  let calls = 0
  let events = 0
  const batch = 2_000
  for (let first = 0; first < VESSELS; first += batch) {
    s.transaction(() => {
      for (let i = first; i < Math.min(VESSELS, first + batch); i++) {
        const mmsi = 201_000_000 + i * 7
        let lat = -50 + random() * 100
        let lon = -180 + random() * 360
        let at = NOW - 35 * DAY + Math.floor(random() * DAY)
        const step = (35 * DAY) / REPORTS
        for (let k = 0; k < REPORTS; k++) {
          lat = Math.max(-80, Math.min(80, lat + (random() - 0.5) * 0.4))
          lon = ((((lon + (random() - 0.5) * 0.4 + 180) % 360) + 360) % 360) - 180
          position.run(mmsi, at, lat, lon, random() < 0.03 ? 62 : Math.floor(random() * 60), at)
          positions++
          at += Math.floor(step * (0.5 + random()))
        }
        vessel.run(mmsi, `VESSEL ${i}`, 70, lat, lon, at, NOW, NOW)
        identity.run(mmsi, 'name', `VESSEL ${i}`, NOW - 300 * DAY, NOW - DAY)
        identity.run(mmsi, 'callsign', `C${i}`, NOW - 300 * DAY, NOW - DAY)
        identity.run(mmsi, 'ship_type', '70', NOW - 300 * DAY, NOW - DAY)
        if (random() < 0.1) identity.run(mmsi, 'name', `OLD VESSEL ${i}`, NOW - 400 * DAY, NOW - 300 * DAY)
        if (random() < 0.4) {
          let arrived = NOW - 90 * DAY
          for (let c = 0; c < 6; c++) {
            const port = ports[Math.floor(random() * Math.min(ports.length, 40))]
            arrived += Math.floor(random() * 14 * DAY)
            if (arrived > NOW - DAY) break
            call.run(mmsi, port.id, arrived, arrived + 12 * 3_600_000, arrived + 12 * 3_600_000, random() < 0.8 ? 1 : 0, port.lat, port.lon, NOW, NOW)
            calls++
          }
        }
        if (random() < 0.2) {
          const observed = NOW - Math.floor(random() * 40 * DAY)
          event.run(EVENT_TYPES[Math.floor(random() * EVENT_TYPES.length)], mmsi, `bench:${mmsi}`, observed, observed, observed, observed + 3_600_000)
          events++
        }
      }
    })()
  }
  s.pragma('wal_checkpoint(TRUNCATE)')
  await db.close()
  return {positions, calls, events}
}

/** A digest of the profiles in MMSI order: the sides must agree on every figure. */
function digest(profiles) {
  const hash = createHash('sha256')
  for (const p of profiles) hash.update(JSON.stringify(p))
  return hash.digest('hex').slice(0, 16)
}

/** The job as it runs: every profile computed a chunk at a time and stored. */
async function refresh({db: dbPath}) {
  const {refreshProfiles} = await dist('vessels/profile.js')
  const ctx = await benchContext(dbPath, NOW)
  const t0 = performance.now()
  const summary = await refreshProfiles(ctx)
  const ms = performance.now() - t0
  await ctx.db.close()
  return {ms, profiles: summary.profiles_written, chunks: summary.chunks}
}

/** The same chunked computation, without writing. */
async function chunked({db: dbPath}) {
  const [{computeProfiles, PROFILE_CHUNK}, {vesselMmsis}] = await Promise.all([dist('vessels/profile.js'), dist('db/vessels.js')])
  const ctx = await benchContext(dbPath, NOW)
  const t0 = performance.now()
  const mmsis = await vesselMmsis(ctx.db)
  const profiles = []
  for (let i = 0; i < mmsis.length; i += PROFILE_CHUNK) profiles.push(...(await computeProfiles(ctx, mmsis.slice(i, i + PROFILE_CHUNK), NOW)))
  const ms = performance.now() - t0
  await ctx.db.close()
  return {ms, profiles: profiles.length, digest: digest(profiles)}
}

/** The baseline: each vessel's profile computed on its own, one after the other. */
async function oneByOne({db: dbPath}) {
  const [{computeProfiles}, {vesselMmsis}] = await Promise.all([dist('vessels/profile.js'), dist('db/vessels.js')])
  const ctx = await benchContext(dbPath, NOW)
  const t0 = performance.now()
  const mmsis = await vesselMmsis(ctx.db)
  const profiles = []
  for (const mmsi of mmsis) profiles.push(...(await computeProfiles(ctx, [mmsi], NOW)))
  const ms = performance.now() - t0
  await ctx.db.close()
  return {ms, profiles: profiles.length, digest: digest(profiles)}
}

export default async function vesselProfiles() {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-vessel-profiles-'))
  const dbPath = join(dir, 'profiles.db')
  try {
    const world = await buildWorld(dbPath)
    console.log(
      `${VESSELS.toLocaleString()} vessels, ${world.positions.toLocaleString()} reports over 35 days, ${world.calls.toLocaleString()} port calls, ${world.events.toLocaleString()} events; ${machineLine()}; ${sidesLine()}`,
    )
    const runs = alternate(import.meta.url, ['refresh', 'chunked', 'oneByOne'], dbPath)
    const r = med(runs.refresh, 'ms')
    const c = med(runs.chunked, 'ms')
    const o = med(runs.oneByOne, 'ms')
    const same = runs.chunked[0].digest === runs.oneByOne[0].digest && runs.refresh[0].profiles === runs.oneByOne[0].profiles
    console.log(`  profile-refresh (computed and stored, ${runs.refresh[0].chunks} chunks): ${(r / 1000).toFixed(2)} s, ${((r / VESSELS) * 1000).toFixed(0)} µs a vessel`)
    console.log(`  chunked computation alone: ${(c / 1000).toFixed(2)} s`)
    console.log(`  one vessel at a time (baseline): ${(o / 1000).toFixed(2)} s; refresh ${(o / r).toFixed(1)}x faster, computation alone ${(o / c).toFixed(1)}x`)
    // On a shared machine the wall clock also measures the neighbours: CPU time is each side's own work.
    const [rc, cc, oc] = [med(runs.refresh, 'cpu_ms'), med(runs.chunked, 'cpu_ms'), med(runs.oneByOne, 'cpu_ms')]
    console.log(`  CPU time: refresh ${(rc / 1000).toFixed(2)} s, chunked computation ${(cc / 1000).toFixed(2)} s, one at a time ${(oc / 1000).toFixed(2)} s: ${(oc / rc).toFixed(1)}x and ${(oc / cc).toFixed(1)}x`)
    console.log(`  peak RSS: refresh ${(med(runs.refresh, 'peak_rss') / 1048576).toFixed(0)} MB, baseline ${(med(runs.oneByOne, 'peak_rss') / 1048576).toFixed(0)} MB; same profiles: ${same ? 'yes' : 'NO'}`)
    if (!same) process.exitCode = 1
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

await runAsSide(import.meta.url, {refresh, chunked, oneByOne})
