// Alert worker: one cycle of 10,000 enabled rules over 200,000 vessels and every port, through the service
// (each metric read once per cycle), against a query-per-rule worker written as anyone would: each rule
// asks SQL for its target's fresh reading (the freshness window in the WHERE clause, on the indexed
// position time), compares it, and stores the alert events of the crossings with a prepared insert in one
// transaction. Both sides store, each runs alone in its own process on a fresh copy of the same database,
// and both must open the same events. Measured twice: a worker's first cycle, and the cycle it repeats after
// that. Target: < 0.5 s per cycle, >= 3x the query-per-rule worker on the repeated cycle.
import Database from 'better-sqlite3'

import {alternate, cpuMs, machineLine, mb, med, runAsSide, sidesLine} from './harness.js'
import {benchContext, dist, openWorld} from './world.js'

const VESSELS = 200_000
const RULES = 10_000
const NOW = Date.parse('2026-11-24T12:00:00Z')

/** 200,000 vessels around the ports, the ports job run once, and the 10,000 rules. */
export async function buildWorld() {
  const [{computePortCongestion}] = await Promise.all([dist('ports/congestion.js')])
  const world = await openWorld('alerts', NOW)
  const {ctx, db, ports} = world
  const insertVessel = db.sqlite.prepare(
    `INSERT INTO vessels (mmsi, lat, lon, sog, position_at, position_source, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'live', 'ingest', ?, ?)`,
  )
  db.sqlite.transaction(() => {
    for (let i = 0; i < VESSELS; i++) {
      const p = ports[i % ports.length]
      insertVessel.run(201_000_000 + i, p.lat + ((i * 7) % 100) / 2000, p.lon + ((i * 13) % 100) / 2000, (i * 37) % 25, NOW - ((i * 7919) % 3_000_000), NOW, NOW)
    }
  })()
  await computePortCongestion(ctx)

  // 10,000 rules: 6,000 on one vessel's speed, 2,000 on one vessel's AIS gap, 1,500 on a port's waiting
  // vessels, 495 on a port's congestion level, and 5 over every vessel.
  const insertRule = db.sqlite.prepare(
    `INSERT INTO alert_rules (metric, target_kind, target_id, operator, threshold, severity, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'medium', 1, ?, ?)`,
  )
  db.sqlite.transaction(() => {
    for (let i = 0; i < RULES; i++) {
      if (i < 6000) insertRule.run('vessel.speed', 'vessel', String(201_000_000 + ((i * 31) % VESSELS)), '>', 12, NOW, NOW)
      else if (i < 8000) insertRule.run('vessel.ais_gap_minutes', 'vessel', String(201_000_000 + ((i * 17) % VESSELS)), '>=', 30, NOW, NOW)
      else if (i < 9500) insertRule.run('port.vessels_waiting', 'port', String(ports[i % ports.length].id), '>', 3, NOW, NOW)
      else if (i < 9995) insertRule.run('port.congestion_level', 'port', String(ports[i % ports.length].id), '>=', 2, NOW, NOW)
      else insertRule.run('vessel.speed', 'vessel', null, '>', 20 + (i % 5), NOW, NOW)
    }
  })()
  db.close()
  return world
}

/**
 * harbormaster: one cycle through the service, planned and applied. `warm`: a dry run first, as a running
 * worker has had a cycle before this one: its connection has read the pages, and it keeps the rules and the
 * ports' latest levels (read again when they change).
 */
async function ours({db: dbPath, warm}) {
  const {planCycle, applyCycle} = await dist('alerts/evaluate.js')
  const ctx = await benchContext(dbPath, NOW)
  const {db} = ctx
  // What the worker keeps from one cycle to the next (the rules and the ports' latest levels).
  const memory = {}
  if (warm) await planCycle(ctx, memory)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const plan = await planCycle(ctx, memory)
  const t1 = performance.now()
  const applied = await applyCycle(ctx, plan)
  const t2 = performance.now()
  db.close()
  return {plan_ms: t1 - t0, apply_ms: t2 - t1, total_ms: t2 - t0, total_cpu_ms: cpuMs(cpu0), rules: plan.rulesEvaluated, opened: applied.opened.length, stale: plan.skippedStale, missing: plan.skippedMissing}
}

/**
 * The query-per-rule worker: each rule's reading comes from its own query, which keeps only fresh readings
 * (vessel speed: reported within 5 minutes; port snapshots: observed within the hour; the AIS gap is
 * measured now, so any vessel seen in the last day has one); crossings are stored as alert events.
 */
async function naive({db: dbPath, warm}) {
  const {compare} = await dist('alerts/evaluate.js')
  const db = new Database(dbPath)
  db.pragma('foreign_keys = ON')
  if (warm) naiveReadings(db, compare)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const crossings = naiveReadings(db, compare)
  const t1 = performance.now()
  const insert = db.prepare(
    `INSERT INTO alert_events (alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, metadata)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`,
  )
  let opened = 0
  db.transaction(() => {
    for (const [r, target, value, at] of crossings) {
      const metadata = JSON.stringify({severity: r.severity, rule: r.name, observed_at: new Date(at).toISOString(), target_kind: r.target_kind})
      opened += insert.run(r.id, target, NOW, value, r.threshold, r.operator, r.metric, metadata).changes
    }
  })()
  const t2 = performance.now()
  db.close()
  return {plan_ms: t1 - t0, apply_ms: t2 - t1, total_ms: t2 - t0, total_cpu_ms: cpuMs(cpu0), rules: crossings.rules, opened, pairs: crossings.map(([r, target]) => `${r.id}|${target}`)}
}

/** The query-per-rule worker's readings: each rule's crossings, from a query per rule. */
function naiveReadings(db, compare) {
  const rules = db.prepare(`SELECT id, name, metric, target_kind, target_id, operator, threshold, severity, freshness_seconds FROM alert_rules WHERE enabled = 1`).all()
  const DAY = 86_400_000
  const vesselSpeed = db.prepare(`SELECT sog, position_at, lat, lon FROM vessels WHERE mmsi = ? AND position_at >= ? AND sog IS NOT NULL AND lat IS NOT NULL AND lon IS NOT NULL`)
  const vesselSeen = db.prepare(`SELECT position_at, lat, lon FROM vessels WHERE mmsi = ? AND position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`)
  const everySpeed = db.prepare(`SELECT mmsi, sog, position_at, lat, lon FROM vessels WHERE position_at >= ? AND sog IS NOT NULL AND lat IS NOT NULL AND lon IS NOT NULL`)
  const everySeen = db.prepare(`SELECT mmsi, position_at, lat, lon FROM vessels WHERE position_at >= ? AND lat IS NOT NULL AND lon IS NOT NULL`)
  const port = db.prepare(
    `SELECT vessels_waiting, level, observed_at FROM port_congestion WHERE port_id = ? AND observed_at >= ? ORDER BY observed_at DESC, id DESC LIMIT 1`,
  )
  const levels = {normal: 0, elevated: 1, high: 2, severe: 3}
  const crossings = []
  for (const r of rules) {
    const freshSince = (seconds) => NOW - (r.freshness_seconds ?? seconds) * 1000
    const cross = (target, value, at) => compare(value, r.operator, r.threshold) && crossings.push([r, target, value, at])
    if (r.metric === 'vessel.speed') {
      if (r.target_id === null) for (const v of everySpeed.iterate(freshSince(300))) cross(String(v.mmsi), v.sog, v.position_at)
      else {
        const v = vesselSpeed.get(Number(r.target_id), freshSince(300))
        if (v) cross(r.target_id, v.sog, v.position_at)
      }
    } else if (r.metric === 'vessel.ais_gap_minutes') {
      const gap = (v) => Math.round((NOW - v.position_at) / 6000) / 10
      if (r.target_id === null) for (const v of everySeen.iterate(NOW - DAY)) cross(String(v.mmsi), gap(v), NOW)
      else {
        const v = vesselSeen.get(Number(r.target_id), NOW - DAY)
        if (v) cross(r.target_id, gap(v), NOW)
      }
    } else if (r.metric === 'port.vessels_waiting' || r.metric === 'port.congestion_level') {
      const c = port.get(Number(r.target_id), freshSince(3600))
      if (!c) continue
      const value = r.metric === 'port.vessels_waiting' ? c.vessels_waiting : levels[c.level]
      if (value !== null && value !== undefined) cross(r.target_id, value, c.observed_at)
    }
  }
  crossings.rules = rules.length
  return crossings
}

/** The events the service opened (read from its copy of the database) against the naive worker's crossings. */
function sameEvents(dbPath, naiveRun) {
  const db = new Database(dbPath, {readonly: true})
  const ours = new Set(db.prepare(`SELECT alert_id || '|' || target FROM alert_events WHERE is_resolved = 0`).pluck().all())
  db.close()
  return ours.size === naiveRun.pairs.length && naiveRun.pairs.every((p) => ours.has(p))
}

export default async function alerts() {
  const world = await buildWorld()
  try {
    console.log(`${RULES.toLocaleString()} rules, ${VESSELS.toLocaleString()} vessels, ${world.ports.length.toLocaleString()} ports; ${machineLine()}; ${sidesLine()}`)
    // A worker's first cycle (nothing read yet) and its cycles after that (measured after one that only
    // planned: harbormaster keeps the rules and the ports' latest levels; both have read the pages and
    // compiled their code). The target is judged on the latter, the cycle a running worker repeats.
    let failed = false
    for (const [label, warm] of [
      ['first cycle', false],
      ['steady-state cycle', true],
    ]) {
      const runs = alternate(import.meta.url, ['ours', 'naive'], world.dbPath, {warm})
      const o = runs.ours
      const n = runs.naive
      const oursMs = med(o, 'total_ms')
      const naiveMs = med(n, 'total_ms')
      console.log(`  ${label}:`)
      console.log(
        `    harbormaster: ${oursMs.toFixed(0)} ms (plan ${med(o, 'plan_ms').toFixed(0)} ms + storing ${med(o, 'apply_ms').toFixed(0)} ms; runs ${o.map((r) => r.total_ms.toFixed(0)).join(', ')} ms), ` +
          `${o[0].rules} rules, ${o[0].opened.toLocaleString()} events opened, ${o[0].stale.toLocaleString()} stale readings skipped, peak RSS ${mb(med(o, 'peak_rss'))} — target < 500 ms: ${oursMs < 500 ? 'met' : 'NOT met'}`,
      )
      console.log(
        `    query-per-rule worker, freshness in SQL: ${naiveMs.toFixed(0)} ms (queries ${med(n, 'plan_ms').toFixed(0)} ms + storing ${med(n, 'apply_ms').toFixed(0)} ms; runs ${n.map((r) => r.total_ms.toFixed(0)).join(', ')} ms), ` +
          `${n[0].opened.toLocaleString()} events opened, peak RSS ${mb(med(n, 'peak_rss'))}`,
      )
      const same = sameEvents(`${world.dbPath}.ours.run`, n.at(-1))
      const ratio = naiveMs / oursMs
      const target = warm ? ` (target >= 3x: ${ratio >= 3 ? 'met' : 'NOT met'})` : ''
      console.log(`    same events: ${same ? 'yes' : 'NO'}; ratio ${ratio.toFixed(1)}x${target}; reading only: ${(med(n, 'plan_ms') / med(o, 'plan_ms')).toFixed(1)}x`)
      if (!same) failed = true
    }
    if (failed) process.exitCode = 1
  } finally {
    world.close()
  }
}

await runAsSide(import.meta.url, {ours, naive})
