// Piracy risk areas from the shipped NGA ASAM export: the type filter on real records, severity by type
// and recency, areas that hug their incidents and stay off land, and the 2020–2022 holdout.
import {readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadConfig} from '../../src/services/config.js'
import {type PiracyIncident, loadShippedIncidents} from '../../src/services/datasets/piracy.js'
import {bboxOf, haversineKm, pointInGeometry, polygonsOf} from '../../src/services/geo/geometry.js'
import {landOutline} from '../../src/services/geo/land.js'
import {piracyHoldout} from '../../src/services/piracy/holdout.js'
import {classifyIncident, TYPE_WEIGHT} from '../../src/services/piracy/incident-types.js'
import {buildRiskAreas, incidentWeight, type TypedIncident} from '../../src/services/piracy/risk-areas.js'
import {buildPiracyZones, classifyIncidents, type PiracyZoneBuild, riskAreaSettings, severityOfScore, shippedPiracyZones} from '../../src/services/piracy/zones.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {tempDir} from '../helpers/cli.js'

const load = loadShippedIncidents()
const record = (reference: string): PiracyIncident => {
  const found = load.incidents.find((i) => i.reference === reference)
  if (!found) throw new Error(`no ASAM record ${reference}`)
  return found
}
const settings = riskAreaSettings(loadConfig({env: {}}))
const DAY = 86_400_000

describe('the type filter on real ASAM records', () => {
  it('excludes war and naval activity off Odesa and in the Red Sea, whatever the hostility field says', () => {
    // Crews evacuated at Odesa, a ship sunk by a mine off Odesa, a rocket 50 NM off Odesa.
    for (const ref of ['2022-100', '2022-79', '2022-76']) {
      expect(record(ref).lat).toBeGreaterThan(45)
      expect(classifyIncident(record(ref)), ref).toEqual({piracy: false, reason: 'military_or_state_action'})
    }
    // Missiles fired at USS MASON, filed with hostility "Pirates".
    expect(record('2016-237').hostility).toBe('Pirates')
    expect(classifyIncident(record('2016-237'))).toEqual({piracy: false, reason: 'military_or_state_action'})
    // Tankers detained by the IRGC at Bandar Abbas.
    expect(classifyIncident(record('2022-147'))).toEqual({piracy: false, reason: 'military_or_state_action'})
  })

  it('excludes the protests on tankers bound for Rotterdam and Antwerp', () => {
    expect(record('2022-99').description).toMatch(/port of Rotterdam/)
    expect(record('2022-98').description).toMatch(/port of Antwerp/)
    expect(classifyIncident(record('2022-99'))).toEqual({piracy: false, reason: 'protest'})
    expect(classifyIncident(record('2022-98'))).toEqual({piracy: false, reason: 'protest'})
  })

  it('reads the type of attack from the description, most severe first', () => {
    expect(classifyIncident(record('2022-29'))).toEqual({piracy: true, type: 'hijacking'}) // B OCEAN off Abidjan
    expect(classifyIncident(record('2021-18'))).toEqual({piracy: true, type: 'kidnapping'}) // MOZART, crew taken off Sao Tome
    expect(classifyIncident(record('2017-42'))).toEqual({piracy: true, type: 'kidnapping'}) // GIANG HAI, Sulu Sea
    expect(classifyIncident(record('2022-148'))).toEqual({piracy: true, type: 'boarding'}) // robbers in the Singapore Strait, no hostility given
    expect(classifyIncident(record('2021-293'))).toEqual({piracy: true, type: 'attempted_boarding'}) // "attempted to board ... aborted"
    expect(classifyIncident(record('2022-142'))).toEqual({piracy: true, type: 'suspicious_approach'}) // skiff off Perim Island
  })

  it('does not take a foiled act for the act ("evaded the hijacking attempt", "nothing was stolen")', () => {
    const evaded = load.incidents.filter((i) => /evaded the hijack(ing)? attempt/i.test(i.description ?? ''))
    expect(evaded.length).toBeGreaterThan(3)
    for (const i of evaded) expect(classifyIncident(i), i.reference).not.toEqual({piracy: true, type: 'hijacking'})
  })

  it('counts every record of the export: piracy by type, the rest by reason', () => {
    const classified = classifyIncidents(load.incidents)
    const byType = Object.values(classified.byType).reduce((a, b) => a + b, 0)
    const excluded = Object.values(classified.excludedByReason).reduce((a, b) => a + b, 0)
    expect(byType + excluded).toBe(load.incidents.length)
    expect(classified.excludedByReason.military_or_state_action).toBeGreaterThanOrEqual(30)
    expect(classified.excludedByReason.protest).toBeGreaterThanOrEqual(6)
    // The filter takes out a few per cent, not the bulk: ASAM is mostly piracy and armed robbery.
    expect(excluded / load.incidents.length).toBeLessThan(0.08)
    expect(classified.byType.hijacking).toBeGreaterThan(100)
  })
})

describe('severity from incident types and recency', () => {
  // Real incidents from one place (the Singapore Strait), retyped and redated to isolate type and age.
  const strait = classifyIncidents(load.incidents).piracy.filter((i) => haversineKm(i.lat, i.lon, 1.2, 103.8) < 40).slice(0, 12)
  const at = Date.parse('2022-06-01T00:00:00Z')
  const score = (type: TypedIncident['type'], ageDays: number) =>
    strait.reduce((sum, i) => sum + incidentWeight({...i, type, occurredAt: at - ageDays * DAY}, at, settings.halfLifeDays), 0)

  it('ranks hijacking and kidnapping above armed robbery above attempts and approaches', () => {
    expect(TYPE_WEIGHT.hijacking).toBe(TYPE_WEIGHT.kidnapping)
    expect(score('hijacking', 30)).toBeGreaterThan(score('boarding', 30))
    expect(score('boarding', 30)).toBeGreaterThan(score('attempted_boarding', 30))
    expect(score('attempted_boarding', 30)).toBeGreaterThan(score('suspicious_approach', 30))
  })

  it('decays with age by the half-life, never to a cliff', () => {
    expect(score('boarding', settings.halfLifeDays)).toBeCloseTo(score('boarding', 0) / 2, 6)
    expect(score('boarding', 400)).toBeLessThan(score('boarding', 30))
    expect(score('boarding', 3650)).toBeGreaterThan(0)
  })

  it('maps scores to severities in order', () => {
    const order = ['low', 'medium', 'high', 'critical']
    let last = 0
    for (const s of [0, 1, 5, 8, 10, 20, 30, 50, 500]) {
      const rank = order.indexOf(severityOfScore(s))
      expect(rank).toBeGreaterThanOrEqual(last)
      last = rank
    }
    expect(severityOfScore(500)).toBe('critical')
    expect(severityOfScore(0.5)).toBe('low')
  })
})

describe('risk areas from the whole export', () => {
  let build: PiracyZoneBuild
  beforeAll(() => {
    build = buildPiracyZones(load, settings, landOutline('10m'), {source: 'emergency', origin: 'fallback'})
  })

  const zoneAt = (lon: number, lat: number) => build.drafts.find((z) => pointInGeometry(z.geometry, lon, lat))

  it('makes several areas where incidents are far apart, each with its metadata', () => {
    expect(build.drafts.length).toBeGreaterThan(20)
    for (const z of build.drafts) {
      const m = z.metadata as Record<string, unknown>
      expect(z.kind).toBe('piracy')
      expect(z.source).toBe('emergency')
      expect(m.data_as_of).toBe('2022-06-01T00:00:00.000Z')
      expect(Date.parse(m.newest_incident_at as string)).toBeLessThanOrEqual(Date.parse('2022-06-01T00:00:00Z'))
      const counts = m.incidents_by_type as Record<string, number>
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(m.incidents)
    }
    expect(build.summary.zones).toBe(build.drafts.length)
  })

  it('keeps chronic areas whose last incidents are older than a year', () => {
    // Sulu–Celebes Sea kidnappings, Venezuela's anchorages, Vung Tau, Kakinada, the Somali coast.
    for (const [name, lon, lat] of [
      ['Sulu Sea', 119.5, 5.5],
      ['Puerto La Cruz', -64.6, 10.25],
      ['Vung Tau', 107.0, 10.3],
      ['Kakinada', 82.35, 17.0],
    ] as const) {
      expect(zoneAt(lon, lat), name).toBeDefined()
    }
    const somali = build.drafts.filter((z) => {
      const b = bboxOf(z.geometry)
      return b.minLon > 44 && b.maxLon < 56 && b.minLat > 0 && b.maxLat < 12
    })
    expect(somali.length).toBeGreaterThan(0)
  })

  it('has no area over Odesa, Rotterdam or Antwerp, and a critical one over the Singapore Strait', () => {
    expect(zoneAt(30.75, 46.49)).toBeUndefined()
    expect(zoneAt(3.98, 51.63)).toBeUndefined()
    expect(zoneAt(4.32, 51.32)).toBeUndefined()
    expect(zoneAt(103.8, 1.2)?.severity).toBe('critical')
  })

  it('ranks areas of recent hijackings and kidnappings above areas of old petty theft', () => {
    const gulfOfGuinea = zoneAt(5.07, 1.07) // MOZART
    const dar = build.drafts.find((z) => z.metadata?.place === 'TANZANIA') // Dar es Salaam anchorage, thefts until 2017
    expect(gulfOfGuinea?.severity).toBe('critical')
    expect(dar?.severity).toBe('low')
  })

  it('never reaches open ocean far from the incidents it is drawn around', () => {
    const classified = classifyIncidents(load.incidents).piracy
    // The hull check's grid (maxGap / 4 apart) can miss a gap by a little; the bound stays under 200 km.
    const bound = settings.maxGapKm + build.summary.buffer_km + 15
    expect(bound).toBeLessThan(200)
    for (const z of build.drafts) {
      const b = bboxOf(z.geometry)
      const near = classified.filter((i) => i.lon > b.minLon - 3 && i.lon < b.maxLon + 3 && i.lat > b.minLat - 3 && i.lat < b.maxLat + 3)
      for (let lon = b.minLon; lon <= b.maxLon; lon += 0.2) {
        for (let lat = b.minLat; lat <= b.maxLat; lat += 0.2) {
          if (!pointInGeometry(z.geometry, lon, lat)) continue
          const nearest = Math.min(...near.map((i) => haversineKm(lat, lon, i.lat, i.lon)))
          expect(nearest, `${z.name} at ${lon.toFixed(1)}, ${lat.toFixed(1)}`).toBeLessThan(bound)
        }
      }
    }
    // The middle of the Indian Ocean, where Somali pirates roamed in 2010, is in no area today.
    expect(zoneAt(62, 5)).toBeUndefined()
    expect(zoneAt(-30, 0)).toBeUndefined()
  })

  it('stays off land: points of the areas the outline calls land are only the discs around incidents it puts ashore', () => {
    const land = landOutline('10m')
    const classified = classifyIncidents(load.incidents).piracy
    let inside = 0
    let ashore = 0
    for (const z of build.drafts) {
      const b = bboxOf(z.geometry)
      for (let lon = b.minLon; lon <= b.maxLon; lon += 0.1) {
        for (let lat = b.minLat; lat <= b.maxLat; lat += 0.1) {
          if (!pointInGeometry(z.geometry, lon, lat)) continue
          inside++
          if (!land.isOnLand(lon, lat)) continue
          ashore++
          const tolerance = settings.positionToleranceKm + 0.5
          const near = classified.some((i) => haversineKm(lat, lon, i.lat, i.lon) <= tolerance)
          // Or right on the coast, where clipping and the test grid meet.
          expect(near || land.distanceToShoreKm(lon, lat) < 0.5, `${z.name} at ${lon.toFixed(2)}, ${lat.toFixed(2)}`).toBe(true)
        }
      }
    }
    expect(inside).toBeGreaterThan(10_000)
    expect(ashore / inside).toBeLessThan(0.01)
  })

  it('is deterministic: the same incidents give the same areas and ids', () => {
    const again = buildRiskAreas(
      classifyIncidents(load.incidents).piracy,
      settings,
      landOutline('10m'),
    )
    expect(again.areas.length).toBe(build.drafts.length)
    expect(again.areas.map((a) => polygonsOf(a.geometry).length)).toEqual(build.drafts.map((d) => polygonsOf(d.geometry).length))
  })
})

describe('the 2020–2022 holdout', () => {
  it('zones from the incidents up to 2019 hold at least 75 % of the later piracy incidents, in at most 2.0 million km², under 5 % land', () => {
    const figures = piracyHoldout(load, Date.parse('2020-01-01T00:00:00Z'), settings, landOutline('10m'))
    expect(figures.incidents).toBeGreaterThan(600)
    expect(figures.heldShare).toBeGreaterThanOrEqual(0.75)
    expect(figures.areaKm2).toBeLessThanOrEqual(2.0e6)
    expect(figures.landShare).toBeLessThan(0.05)
  })
})

describe('the cached build', () => {
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())

  it('builds once, reads the cache after, and rebuilds over a cache file it cannot read', () => {
    const ctx = {config: {...loadConfig({env: {}}), cacheDir: tmp.dir}, logger: silentLogger}
    const built = shippedPiracyZones(ctx)
    expect(built.builtFrom).toBe('data')
    const cached = shippedPiracyZones(ctx)
    expect(cached.builtFrom).toBe('cache')
    expect(cached.drafts).toEqual(built.drafts)
    expect(cached.summary).toEqual(built.summary)
    const [file] = readdirSync(tmp.dir)
    writeFileSync(join(tmp.dir, file), '{"key":"trunc')
    const rebuilt = shippedPiracyZones(ctx)
    expect(rebuilt.builtFrom).toBe('data')
    expect(rebuilt.drafts.map((d) => d.externalId)).toEqual(built.drafts.map((d) => d.externalId))
  })
})
