// Alert worker: one cycle of 10,000 enabled rules over 200,000 vessels and every port, through the
// service (each metric read once per cycle), against the naive worker (a query per rule for its latest
// reading) on the same database in the same run. Target: < 0.5 s per cycle.
import {dist, openWorld} from './world.js'

const VESSELS = 200_000
const RULES = 10_000
const NOW = Date.parse('2026-11-24T12:00:00Z')

export default async function alerts() {
  const [{computePortCongestion}, {planCycle, applyCycle, compare}] = await Promise.all([dist('ports/congestion.js'), dist('alerts/evaluate.js')])
  const world = await openWorld('alerts', NOW)
  const {ctx, db, ports} = world
  try {
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

    const t0 = performance.now()
    const plan = await planCycle(ctx)
    const applied = applyCycle(ctx, plan)
    const oursMs = performance.now() - t0
    console.log(`${RULES.toLocaleString()} rules, ${VESSELS.toLocaleString()} vessels, ${ports.length.toLocaleString()} ports`)
    console.log(`  harbormaster cycle: ${oursMs.toFixed(0)} ms (${plan.rulesEvaluated} rules, ${applied.opened.length} opened, ${plan.skippedStale} stale) — target < 500 ms: ${oursMs < 500 ? 'met' : 'NOT met'}`)

    // The naive worker: one query per rule for its latest reading (no writes, so it is only the reading cost).
    const t1 = performance.now()
    const rules = db.sqlite.prepare(`SELECT * FROM alert_rules WHERE enabled = 1`).all()
    const vessel = db.sqlite.prepare(`SELECT sog, position_at FROM vessels WHERE mmsi = ?`)
    const allVessels = db.sqlite.prepare(`SELECT mmsi, sog, position_at FROM vessels WHERE position_at >= ?`)
    const port = db.sqlite.prepare(`SELECT vessels_waiting, level, observed_at FROM port_congestion WHERE port_id = ? ORDER BY id DESC LIMIT 1`)
    const levels = {normal: 0, elevated: 1, high: 2, severe: 3}
    let crossings = 0
    for (const r of rules) {
      if (r.target_id === null) {
        for (const v of allVessels.all(NOW - 86_400_000)) if (v.sog !== null && NOW - v.position_at <= 300_000 && compare(v.sog, r.operator, r.threshold)) crossings++
      } else if (r.target_kind === 'vessel') {
        const v = vessel.get(Number(r.target_id))
        if (!v) continue
        const value = r.metric === 'vessel.speed' ? v.sog : Math.round((NOW - v.position_at) / 6000) / 10
        const fresh = r.metric === 'vessel.speed' ? NOW - v.position_at <= 300_000 : true
        if (fresh && value !== null && compare(value, r.operator, r.threshold)) crossings++
      } else {
        const c = port.get(Number(r.target_id))
        if (!c || c.level === 'no_data') continue
        const value = r.metric === 'port.vessels_waiting' ? c.vessels_waiting : levels[c.level]
        if (NOW - c.observed_at <= 3_600_000 && compare(value, r.operator, r.threshold)) crossings++
      }
    }
    const naiveMs = performance.now() - t1
    console.log(`  naive worker (a query per rule): ${naiveMs.toFixed(0)} ms, ${crossings.toLocaleString()} crossings (harbormaster opened ${applied.opened.length.toLocaleString()})`)
    console.log(`  ratio ${(naiveMs / oursMs).toFixed(1)}x`)
  } finally {
    world.close()
  }
}
