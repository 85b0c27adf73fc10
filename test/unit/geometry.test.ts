// Zone geometry on real shapes (NWS warning polygons; piracy risk areas are tested in piracy-zones.test.ts):
// inside, outside, on the edge, and across the antimeridian; cross-checked against turf.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import {describe, expect, it} from 'vitest'

import {bboxOf, circleGeometry, haversineKm, pointInGeometry, type ZoneGeometry} from '../../src/services/geo/geometry.js'
import {parseAlerts} from '../../src/services/providers/nws.js'
import {ROOT} from '../helpers/cli.js'
import {withTimesAround} from '../helpers/nws-server.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const nwsPolygons = (): ZoneGeometry[] => {
  const raw = JSON.parse(withTimesAround(readFileSync(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), 'utf8'), NOW)) as {
    features: Array<{geometry: ZoneGeometry | null}>
  }
  return raw.features.filter((f) => f.geometry).map((f) => f.geometry as ZoneGeometry)
}

describe('point in zone', () => {
  it('agrees with turf on every NWS polygon of the capture for points inside, outside and near the edges', () => {
    let seed = 7
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
    }
    const polygons = nwsPolygons()
    expect(polygons.length).toBe(71)
    let inside = 0
    let checked = 0
    for (const polygon of polygons) {
      const box = bboxOf(polygon)
      for (let i = 0; i < 200; i++) {
        // Points over the box and a margin around it: many near the edges.
        const lon = box.minLon - 0.05 + random() * (box.maxLon - box.minLon + 0.1)
        const lat = box.minLat - 0.05 + random() * (box.maxLat - box.minLat + 0.1)
        const ours = pointInGeometry(polygon, lon, lat)
        expect(ours, `${lon},${lat}`).toBe(booleanPointInPolygon([lon, lat], polygon))
        if (ours) inside++
        checked++
      }
    }
    expect(inside).toBeGreaterThan(checked / 10)
  })

  it('counts a point on an edge or a vertex as inside', () => {
    const polygon = nwsPolygons()[0]
    const ring = polygon.type === 'Polygon' ? polygon.coordinates[0] : polygon.coordinates[0][0]
    const [a, b] = ring
    expect(pointInGeometry(polygon, a[0], a[1])).toBe(true)
    expect(pointInGeometry(polygon, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2)).toBe(true)
  })

  it('splits a zone that crosses the antimeridian and finds points on both sides of it', () => {
    // A 150 km circle around 179.5°E, off Fiji.
    const zone = circleGeometry(-17, 179.5, 150)
    expect(zone.type).toBe('MultiPolygon')
    for (const p of zone.type === 'MultiPolygon' ? zone.coordinates.flat(2) : []) expect(Math.abs(p[0])).toBeLessThanOrEqual(180)
    expect(pointInGeometry(zone, 179.9, -17)).toBe(true)
    expect(pointInGeometry(zone, -179.9, -17)).toBe(true)
    expect(pointInGeometry(zone, -179.5, -17)).toBe(true) // 1° east of the centre, across the line: 106 km
    expect(pointInGeometry(zone, -178, -17)).toBe(false)
    expect(pointInGeometry(zone, 178, -17)).toBe(false)
    // Every point within 140 km of the centre is inside, whichever side of the line.
    for (let bearing = 0; bearing < 360; bearing += 15) {
      const lat = -17 + (140 / 111.2) * Math.cos((bearing * Math.PI) / 180)
      let lon = 179.5 + (140 / (111.2 * Math.cos((17 * Math.PI) / 180))) * Math.sin((bearing * Math.PI) / 180)
      if (lon > 180) lon -= 360
      expect(haversineKm(-17, 179.5, lat, lon)).toBeLessThan(145)
      expect(pointInGeometry(zone, lon, lat), `bearing ${bearing}`).toBe(true)
    }
  })
})

describe('NWS times', () => {
  it('reads the capture relative to its reference moment, and refuses relative times from a live feed', () => {
    const text = readFileSync(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), 'utf8')
    const shipped = parseAlerts(JSON.parse(text), Date.parse('2025-07-15T20:00:44Z'))
    expect(shipped.rejected).toEqual([])
    const live = parseAlerts(JSON.parse(text))
    expect(live.alerts).toHaveLength(0)
    expect(live.rejected[0].reason).toMatch(/relative time "date:now/)
  })
})
