// Storm zones from real NWS captures, replayed through the local fault server with an outline for every
// zone the alerts name (synthetic squares, see test/helpers/nws-zones.ts): every marine alert that names
// zones is placed, each zone is asked once a run and never again while cached, alerts short of outlines
// wait in the database and are completed later (even with NWS down), warnings without an outline are
// reported in the log, the summary, providers status and health; upcoming and ended alerts, through the real CLI.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {placeVessel} from '../helpers/arrange.js'
import {count, ROOT, tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb} from '../helpers/template.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {withTimesAround} from '../helpers/nws-server.js'
import {type CaptureAlert, marineAlertsOf, serveZones, zonesNamed} from '../helpers/nws-zones.js'
import {bboxOf, pointInGeometry, type ZoneGeometry} from '../../src/services/geo/geometry.js'
import {isWarning, marineEvent} from '../../src/services/safety/storm-severity.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const ALERTS = '/alerts/active'
const CAPTURE_1 = join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json')
const CAPTURE_2 = join(ROOT, 'test', 'fixtures', 'weather', 'nws-alerts-active-2.json')
const iso = (ms: number) => new Date(ms).toISOString()

const tmp = tempDir()
let n = 0
const freshDb = () => firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
let server: FaultServer

beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(async () => {
  await server.close()
  tmp.cleanup()
})

interface StormSummary {
  source: string
  marine_alerts: number
  with_polygon: number
  outlined_from_zones: number
  without_geometry: number
  upcoming: number
  ended: number
  zone_outlines: {named: number; from_cache: number; fetched: number; stale: number; failed: number; deferred: number; requests: number; budget: number}
  pending_alerts: {waiting: number; unplaceable: number; completed: number; expired: number; withdrawn: number}
  warnings_without_geometry: Array<{event: string; alerts: number}>
}

async function safetyRun(db: string, at: number, env: Record<string, string> = {}) {
  const result = await runInProcess(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {
    env: {HARBORMASTER_NWS_URL: server.url, HARBORMASTER_NOW: iso(at), ...env},
  })
  expect(result.code, result.stderr).toBe(0)
  const job = JSON.parse(result.stdout).jobs.safety_events
  return {result, job, storm: job.zones.storm as StormSummary}
}

/** Replays a capture with its relative times turned into ISO times around NOW, as the live API sends them. */
function replay(file: string): {capture: string; alerts: CaptureAlert[]; zones: string[]} {
  const capture = withTimesAround(readFileSync(file, 'utf8'), NOW)
  server.script(ALERTS, [{ok: capture}])
  const alerts = marineAlertsOf(capture)
  return {capture, alerts, zones: zonesNamed(alerts)}
}

const zoneHits = () => [...server.hits.entries()].filter(([path]) => path.startsWith('/zones/'))
const hitsOf = (path: string) => server.hits.get(path)?.length ?? 0
const resetHits = () => server.hits.clear()

interface ZoneRow {
  id: number
  external_id: string
  kind: string
  severity: string
  source: string
  observed_at: number
  valid_from: number | null
  valid_to: number | null
  active: number
  geometry: string
  metadata: string
}
// JSON as text and the flag as 0/1 on either backend (PostgreSQL's jsonb and boolean come back as values).
const stormZones = (db: string) =>
  withDb(db, (d) =>
    d
      .prepare(
        `SELECT id, external_id, kind, name, severity, source, observed_at, valid_from, valid_to, CASE WHEN active THEN 1 ELSE 0 END AS active,
           CAST(geometry AS TEXT) AS geometry, CAST(metadata AS TEXT) AS metadata
         FROM safety_zones WHERE kind = 'storm' AND origin = 'ingest' ORDER BY external_id`,
      )
      .all(),
  ) as ZoneRow[]
const metadataOf = (row: ZoneRow) => JSON.parse(row.metadata) as Record<string, unknown>

/** A point inside a zone's outline (the outlines of several zones or a warning's own polygon). */
function pointInside(geometryText: string): {lon: number; lat: number} {
  const geometry = JSON.parse(geometryText) as ZoneGeometry
  const box = bboxOf(geometry)
  for (let i = 1; i < 50; i++) {
    for (let j = 1; j < 50; j++) {
      const lon = box.minLon + ((box.maxLon - box.minLon) * i) / 50
      const lat = box.minLat + ((box.maxLat - box.minLat) * j) / 50
      if (pointInGeometry(geometry, lon, lat)) return {lon, lat}
    }
  }
  throw new Error('no point inside the outline')
}

const time = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : null)
const endOf = (a: CaptureAlert) => time(a.properties.ends) ?? time(a.properties.expires)

const stormEvents = (db: string) =>
  withDb(db, (d) =>
    d.prepare(`SELECT e.mmsi, e.resolved_at, z.external_id FROM safety_events e JOIN safety_zones z ON z.id = e.zone_id WHERE e.type = 'storm' ORDER BY e.id`).all(),
  ) as Array<{mmsi: number; resolved_at: number | null; external_id: string}>

describe('capture 1 (a July day: 74 marine alerts, 72 of them naming zones) with every named zone served', () => {
  const db = freshDb()
  let capture: ReturnType<typeof replay>
  let first: Awaited<ReturnType<typeof safetyRun>>

  beforeAll(async () => {
    resetHits()
    capture = replay(CAPTURE_1)
    serveZones(server, capture.zones)
    first = await safetyRun(db, NOW)
  })

  it('gives every marine alert that names zones their outlines, asking each zone once though many alerts share zones', () => {
    const {alerts, zones} = capture
    expect(alerts).toHaveLength(74)
    const zoneBased = alerts.filter((a) => a.geometry === null)
    expect(zoneBased).toHaveLength(72)
    // The same zones are named by several alerts: PKZ751 by four, PZZ565 by a Small Craft Advisory and a Gale Warning.
    expect(zoneBased.filter((a) => a.zones.includes('/zones/forecast/PKZ751'))).toHaveLength(4)
    expect(zoneBased.map((a) => a.zones.length).reduce((s, k) => s + k, 0)).toBeGreaterThan(zones.length)

    expect(first.storm).toMatchObject({
      source: 'live',
      marine_alerts: 74,
      with_polygon: 2,
      outlined_from_zones: 72,
      without_geometry: 0,
      warnings_without_geometry: [],
      pending_alerts: {waiting: 0, unplaceable: 0},
      zone_outlines: {named: zones.length, from_cache: 0, fetched: zones.length, failed: 0, deferred: 0, requests: zones.length},
    })
    expect(zoneHits().map(([path]) => path).sort()).toEqual(zones)
    for (const path of zones) expect(hitsOf(path), path).toBe(1)
    expect(first.result.stderr).not.toMatch(/outline/)

    const rows = stormZones(db)
    expect(rows.map((r) => r.external_id).sort()).toEqual(alerts.map((a) => a.id).sort())
    expect(count(db, `SELECT count(*) FROM pending_storm_alerts`)).toBe(0)
  })

  it('stores each zone with the NWS alert id, its kind, severity, source, observed and validity times', () => {
    const rows = new Map(stormZones(db).map((r) => [r.external_id, r]))
    for (const a of capture.alerts) {
      const row = rows.get(a.id) as ZoneRow
      const p = a.properties
      expect(row, a.id).toMatchObject({
        kind: 'storm',
        source: 'live',
        active: 1,
        observed_at: time(p.sent),
        valid_from: time(p.onset) ?? time(p.effective),
        valid_to: endOf(a),
      })
      // Every alert here says Likely: the event sets the level, Minor (the advisories) cannot go below low.
      expect(row.severity, a.event).toBe({'Small Craft Advisory': 'low', 'Gale Warning': 'medium', 'Special Marine Warning': 'high'}[a.event])
    }
    // An alert naming five zones covers all five.
    const fiveZones = capture.alerts.find((a) => a.zones.length === 5) as CaptureAlert
    const geometry = JSON.parse((rows.get(fiveZones.id) as ZoneRow).geometry) as ZoneGeometry
    expect(geometry.type).toBe('MultiPolygon')
    expect(geometry.coordinates).toHaveLength(5)
  })

  it('marks zones whose onset is still to come as upcoming', () => {
    const upcoming = capture.alerts.filter((a) => (time(a.properties.onset) as number) > NOW)
    expect(upcoming.length).toBeGreaterThan(5)
    expect(first.storm.upcoming).toBe(upcoming.length)
    const rows = new Map(stormZones(db).map((r) => [r.external_id, r]))
    for (const a of capture.alerts) expect(metadataOf(rows.get(a.id) as ZoneRow).upcoming, a.id).toBe(upcoming.includes(a))
  })

  it('puts a vessel inside each warning area into a storm event once the warning is in force; ended warnings are resolved', async () => {
    const warnings = stormZones(db).filter((r) => metadataOf(r).warning === true)
    // Two Special Marine Warnings (Texas bays, their own polygons) in force, and a Gale Warning off California from tomorrow.
    expect(warnings.map((r) => metadataOf(r).event).sort()).toEqual(['Gale Warning', 'Special Marine Warning', 'Special Marine Warning'])
    const gale = warnings.find((r) => metadataOf(r).event === 'Gale Warning') as ZoneRow
    const inForce = warnings.filter((r) => r !== gale)
    const vessels = warnings.map((r, i) => ({mmsi: 366990001 + i, zone: r, ...pointInside(r.geometry)}))
    for (const v of vessels) placeVessel(db, {mmsi: v.mmsi, lat: v.lat, lon: v.lon, at: NOW, name: `VESSEL ${v.mmsi}`})

    const check = await runInProcess(['check-events', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(NOW)}})
    expect(check.code, check.stderr).toBe(0)
    const now = stormEvents(db)
    for (const zone of inForce) {
      const v = vessels.find((x) => x.zone === zone)
      expect(now, zone.external_id).toContainEqual({mmsi: v?.mmsi, resolved_at: null, external_id: zone.external_id})
    }
    // The gale has not begun: no event for it yet.
    expect(now.filter((e) => e.external_id === gale.external_id)).toEqual([])

    // 20 hours on: the gale has begun, the Special Marine Warnings have ended. Outlines come from the cache.
    const later = NOW + 72_000_000
    const hitsBefore = zoneHits().reduce((s, [, h]) => s + h.length, 0)
    for (const v of vessels) placeVessel(db, {mmsi: v.mmsi, lat: v.lat, lon: v.lon, at: later, name: `VESSEL ${v.mmsi}`})
    const second = await safetyRun(db, later)
    expect(zoneHits().reduce((s, [, h]) => s + h.length, 0)).toBe(hitsBefore)
    expect(second.storm.zone_outlines).toMatchObject({requests: 0, fetched: 0})
    expect(second.storm.zone_outlines.from_cache).toBe(second.storm.zone_outlines.named)
    expect(second.storm.ended).toBeGreaterThan(0)

    const events = stormEvents(db)
    const galeVessel = vessels.find((v) => v.zone === gale)
    expect(events).toContainEqual({mmsi: galeVessel?.mmsi, resolved_at: null, external_id: gale.external_id})
    for (const zone of inForce) {
      expect(events.filter((e) => e.external_id === zone.external_id).map((e) => e.resolved_at)).toEqual([later])
    }
    const rows = new Map(stormZones(db).map((r) => [r.external_id, r]))
    for (const zone of inForce) expect((rows.get(zone.external_id) as ZoneRow).active).toBe(0)
    expect(rows.get(gale.external_id)).toMatchObject({active: 1})
    expect(metadataOf(rows.get(gale.external_id) as ZoneRow).upcoming).toBe(false)
    // Every alert that ended by then is an inactive zone; the rest stay active.
    for (const a of capture.alerts) expect((rows.get(a.id) as ZoneRow).active, a.id).toBe((endOf(a) as number) <= later ? 0 : 1)
  })
})

describe('capture 2 (upstream test alerts of every type) with every named zone served', () => {
  const db = freshDb()
  let capture: ReturnType<typeof replay>
  let first: Awaited<ReturnType<typeof safetyRun>>

  beforeAll(async () => {
    resetHits()
    capture = replay(CAPTURE_2)
    serveZones(server, capture.zones)
    first = await safetyRun(db, NOW)
  })

  it('places every marine alert that names NWS zones; the ones that name none are reported, warnings by name', async () => {
    const {alerts, zones} = capture
    const named = alerts.filter((a) => a.zones.length > 0)
    const unplaceable = alerts.filter((a) => a.zones.length === 0)
    expect(named.map((a) => a.event).sort()).toEqual(['High Surf Warning', 'Small Craft Advisory'])
    expect(zones).toHaveLength(12)
    for (const path of zones) expect(hitsOf(path), path).toBe(1)

    const rows = new Map(stormZones(db).map((r) => [r.external_id, r]))
    expect([...rows.keys()].sort()).toEqual(named.map((a) => a.id).sort())
    const surf = named.find((a) => a.event === 'High Surf Warning') as CaptureAlert
    expect((JSON.parse((rows.get(surf.id) as ZoneRow).geometry) as ZoneGeometry).coordinates).toHaveLength(11)
    expect(rows.get(surf.id)).toMatchObject({severity: 'medium', source: 'live'})

    // Upstream's alerts of every type name `https://every-alert/zone`; one names `AR-MARINE`, a Gale Warning none.
    expect(unplaceable.length).toBe(alerts.length - 2)
    const warnings: Record<string, number> = {}
    for (const a of unplaceable.filter((x) => isWarning(x.event))) {
      const event = marineEvent(a.event)?.event as string
      warnings[event] = (warnings[event] ?? 0) + 1
      expect(first.result.stderr).toContain(`WARNING ${event} for ${a.properties.areaDesc} (${a.id}) cannot be placed:`)
    }
    expect(warnings).toMatchObject({'Storm Warning': 1, 'Hurricane Force Wind Warning': 1, 'Gale Warning': 2, 'Hazardous Seas Warning': 1})
    const byEvent = Object.fromEntries(first.storm.warnings_without_geometry.map((w) => [w.event, w.alerts]))
    expect(byEvent).toEqual(warnings)
    // Most severe first.
    expect(first.storm.warnings_without_geometry[0]).toEqual({event: 'Hurricane Force Wind Warning', alerts: 1})
    expect(first.storm).toMatchObject({outlined_from_zones: 2, without_geometry: unplaceable.length, pending_alerts: {waiting: 0, unplaceable: unplaceable.length}})
    expect(first.result.stderr).toMatch(/WARNING Gale Warning for Cape Tolstoi to Cape Sarichef from 15 to 100 NM \(urn:oid:\S+\) cannot be placed: it names no zones and has no polygon/)
    expect(first.result.stderr).toMatch(/WARNING Heavy Freezing Spray Warning for Saint Matthew Island Waters \(urn:oid:\S+\) cannot be placed: it names no NWS zone harbormaster can ask for \(https:\/\/api.weather.gov\/zones\/forecast\/AR-MARINE\)/)
    expect(count(db, `SELECT count(*) FROM pending_storm_alerts WHERE state = 'unplaceable'`)).toBe(unplaceable.length)

    const health = await runInProcess(['health', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(NOW)}})
    const report = JSON.parse(health.stdout)
    expect(health.code).not.toBe(0)
    expect(report.overall_status).not.toBe('healthy')
    expect(report.components.storm_alerts).toMatchObject({status: 'degraded', warnings_without_outline: Object.values(warnings).reduce((s, k) => s + k, 0)})
    expect(report.components.storm_alerts.reason).toMatch(/marine warning\(s\) without an outline: Gale Warning/)
    const table = await runInProcess(['run-background-jobs', '--job', 'safety', '--db', db], {env: {HARBORMASTER_NWS_URL: server.url, HARBORMASTER_NOW: iso(NOW)}})
    expect(table.stdout).toMatch(/safety_events\s+ok.*warnings without outline: Hurricane Force Wind Warning ×1, Hurricane Warning ×1/)
  })

  it('puts a vessel in the High Surf Warning area into an event once the warning begins', async () => {
    const surf = stormZones(db).find((r) => metadataOf(r).event === 'High Surf Warning') as ZoneRow
    expect(metadataOf(surf).upcoming).toBe(true)
    const inside = pointInside(surf.geometry)
    placeVessel(db, {mmsi: 367000001, ...inside, at: NOW, name: 'SURF'})
    await safetyRun(db, NOW)
    expect(stormEvents(db)).toEqual([])
    const begun = (surf.valid_from as number) + 60_000
    placeVessel(db, {mmsi: 367000001, ...inside, at: begun, name: 'SURF'})
    await safetyRun(db, begun)
    expect(stormEvents(db)).toEqual([{mmsi: 367000001, resolved_at: null, external_id: surf.external_id}])
  })
})

describe('a zone server failing for half the zones', () => {
  const db = freshDb()
  let capture: ReturnType<typeof replay>
  let failing: Set<string>
  let first: Awaited<ReturnType<typeof safetyRun>>
  const waitingOf = (alerts: CaptureAlert[]) => alerts.filter((a) => a.zones.some((z) => failing.has(z)))

  beforeAll(async () => {
    resetHits()
    capture = replay(CAPTURE_1)
    failing = new Set(capture.zones.filter((_, i) => i % 2 === 0))
    // The Gale Warning's zone is among them.
    failing.add('/zones/forecast/PZZ565')
    serveZones(server, capture.zones, failing)
    first = await safetyRun(db, NOW)
  })

  it('keeps the alerts short of outlines pending, stores what it has, and names the warning left without an outline', () => {
    const zoneBased = capture.alerts.filter((a) => a.geometry === null)
    const waiting = waitingOf(zoneBased)
    const noneAtAll = zoneBased.filter((a) => a.zones.every((z) => failing.has(z)))
    expect(waiting.length).toBeGreaterThan(30)
    expect(first.storm).toMatchObject({
      source: 'live',
      outlined_from_zones: zoneBased.length - noneAtAll.length,
      without_geometry: noneAtAll.length,
      pending_alerts: {waiting: waiting.length, unplaceable: 0},
      warnings_without_geometry: [{event: 'Gale Warning', alerts: 1}],
      zone_outlines: {named: capture.zones.length, failed: failing.size, fetched: capture.zones.length - failing.size, requests: capture.zones.length},
    })
    expect(first.job.errors_count).toBe(failing.size)
    expect(first.result.stderr).toMatch(
      /WARNING Gale Warning for Coastal Waters from Point Pinos to Point Piedras Blancas California out to 10 nm \(urn:oid:\S+\) has no outline yet: none of its 1 zone outlines \(PZZ565\): failed: HTTP 500; kept and retried next run/,
    )
    expect(first.result.stderr).toMatch(new RegExp(`INFO ${waiting.length - 1} marine alerts other than warnings wait for zone outlines`))
    expect(count(db, `SELECT count(*) FROM pending_storm_alerts WHERE state = 'pending'`)).toBe(waiting.length)
    // Alerts with some outlines are stored with those, and say which zones are missing.
    const partial = waiting.filter((a) => !noneAtAll.includes(a))
    const rows = new Map(stormZones(db).map((r) => [r.external_id, r]))
    for (const a of partial) {
      expect(metadataOf(rows.get(a.id) as ZoneRow).zones_missing).toEqual(a.zones.filter((z) => failing.has(z)))
    }
    for (const a of noneAtAll) expect(rows.has(a.id)).toBe(false)
  })

  it('providers status shows the zone provider used, with its failures and the warning waiting; health is degraded naming it', async () => {
    const status = await runInProcess(['providers', 'status', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(NOW)}})
    const zones = (JSON.parse(status.stdout).providers as Array<Record<string, unknown>>).find((p) => p.provider === 'nws-zones') as Record<string, any>
    expect(zones).toMatchObject({last_success_at: iso(NOW), last_error_at: iso(NOW), cache_entries: capture.zones.length - failing.size})
    expect(zones.usage.used).toBe(capture.zones.length)
    expect(zones.last_error).toBe(`${failing.size} of ${capture.zones.length} zone outline requests failed (${[...failing].sort()[0].slice(-6)}: failed: HTTP 500)`)
    expect(zones.details).toMatchObject({alerts_waiting: waitingOf(capture.alerts).length, alerts_unplaceable: 0})
    expect(zones.details.warnings_without_outline).toEqual([expect.objectContaining({event: 'Gale Warning', state: 'pending', zones_missing: 1, zones_named: 1})])
    const table = await runInProcess(['providers', 'status', '--db', db], {env: {HARBORMASTER_NOW: iso(NOW)}})
    expect(table.stdout).toMatch(/nws-zones\s+partly failing/)
    expect(table.stdout).toMatch(/Gale Warning \(urn:oid:\S+\): none of its 1 zone outlines \(PZZ565\): failed: HTTP 500/)

    const health = await runInProcess(['health', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(NOW)}})
    const report = JSON.parse(health.stdout)
    expect(report.overall_status).not.toBe('healthy')
    expect(report.components.storm_alerts).toMatchObject({status: 'degraded', warnings_without_outline: 1})
    expect(report.components.storm_alerts.reason).toMatch(
      /^1 marine warning\(s\) without an outline: Gale Warning for Coastal Waters from Point Pinos .* \(urn:oid:\S+\): none of its 1 zone outlines \(PZZ565\): failed: HTTP 500$/,
    )
  })

  it('next run, with NWS itself down and the zone server recovered, completes the pending alerts from the database', async () => {
    serveZones(server, capture.zones)
    server.script(ALERTS, [{status: 500}])
    withDb(db, (d) => d.prepare(`DELETE FROM api_cache WHERE key LIKE 'nws:/alerts%'`).run())
    const second = await safetyRun(db, NOW + 60_000)
    expect(second.storm.source).toBe('fallback')
    expect(second.storm.pending_alerts).toMatchObject({waiting: 0, completed: waitingOf(capture.alerts).length})
    expect(second.storm.warnings_without_geometry).toEqual([])
    // Each failed zone asked once more; the outlines had before came from the cache.
    for (const path of capture.zones) expect(hitsOf(path), path).toBe(failing.has(path) ? 2 : 1)
    expect(second.storm.zone_outlines).toMatchObject({fetched: failing.size, requests: failing.size, failed: 0})

    const rows = new Map(stormZones(db).map((r) => [r.external_id, r]))
    for (const a of capture.alerts) {
      const row = rows.get(a.id) as ZoneRow
      expect(row, a.id).toMatchObject({active: 1, source: 'live'})
      if (a.geometry === null) expect(metadataOf(row).zones_missing, a.id).toEqual([])
    }
    expect(count(db, `SELECT count(*) FROM pending_storm_alerts WHERE state = 'completed'`)).toBe(waitingOf(capture.alerts).length)

    const health = JSON.parse((await runInProcess(['health', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(NOW + 60_000)}})).stdout)
    expect(health.components.storm_alerts).toMatchObject({status: 'healthy', alerts_waiting: 0, warnings_without_outline: 0})

    // NWS back: nothing waits, and no zone is asked again.
    server.script(ALERTS, [{ok: capture.capture}])
    const third = await safetyRun(db, NOW + 120_000)
    expect(third.storm).toMatchObject({source: 'live', pending_alerts: {waiting: 0}, zone_outlines: {requests: 0}})
    for (const path of capture.zones) expect(hitsOf(path), path).toBe(failing.has(path) ? 2 : 1)
  })
})

describe('pending alerts that end or are withdrawn while waiting', () => {
  it('expire once their end has passed, and are withdrawn when NWS no longer lists them', async () => {
    resetHits()
    const capture = replay(CAPTURE_1)
    serveZones(server, capture.zones, new Set(capture.zones))
    const zoneBased = capture.alerts.filter((a) => a.geometry === null)

    const ending = freshDb()
    expect((await safetyRun(ending, NOW)).storm.pending_alerts.waiting).toBe(zoneBased.length)
    const pastEveryEnd = Math.max(...capture.alerts.map((a) => endOf(a) as number)) + 60_000
    const ended = await safetyRun(ending, pastEveryEnd)
    expect(ended.storm.pending_alerts).toMatchObject({waiting: 0, expired: zoneBased.length})
    expect(ended.storm.zone_outlines).toMatchObject({named: 0, requests: 0})
    expect(count(ending, `SELECT count(*) FROM pending_storm_alerts WHERE state = 'expired'`)).toBe(zoneBased.length)

    const withdrawn = freshDb()
    await safetyRun(withdrawn, NOW)
    server.script(ALERTS, [{json: {type: 'FeatureCollection', features: []}}])
    // Past the alerts' cache time, so NWS is asked again.
    const empty = await safetyRun(withdrawn, NOW + 20 * 60_000)
    expect(empty.storm.pending_alerts).toMatchObject({waiting: 0, withdrawn: zoneBased.length})
    expect(count(withdrawn, `SELECT count(*) FROM pending_storm_alerts WHERE state = 'withdrawn'`)).toBe(zoneBased.length)
  })
})

describe('the zone fetch budget', () => {
  it('counts only network requests: a run stops asking at the budget, the next run asks the rest, never a zone twice', async () => {
    resetHits()
    const capture = replay(CAPTURE_1)
    serveZones(server, capture.zones)
    const db = freshDb()
    const env = {HARBORMASTER_NWS_ZONE_FETCH_BUDGET: '20'}
    const asked = () => zoneHits().reduce((s, [, h]) => s + h.length, 0)

    const first = await safetyRun(db, NOW, env)
    expect(asked()).toBe(20)
    expect(first.storm.zone_outlines).toMatchObject({named: capture.zones.length, fetched: 20, requests: 20, budget: 20, deferred: capture.zones.length - 20})
    expect(first.storm.pending_alerts.waiting).toBeGreaterThan(0)
    expect(first.result.stderr).toMatch(/not asked: this run's budget of 20 zone requests is spent/)

    // The outlines fetched are cached and cost nothing: each later run asks up to 20 more, until all are had.
    for (let run = 1; asked() < capture.zones.length && run < 10; run++) {
      const before = asked()
      const next = await safetyRun(db, NOW + run * 60_000, env)
      expect(asked() - before).toBe(Math.min(20, capture.zones.length - before))
      expect(next.storm.zone_outlines.from_cache).toBe(before)
    }
    for (const path of capture.zones) expect(hitsOf(path), path).toBe(1)
    const done = await safetyRun(db, NOW + 3_600_000, env)
    expect(done.storm).toMatchObject({pending_alerts: {waiting: 0}, outlined_from_zones: 72, zone_outlines: {requests: 0}})
  })
})
