// Buffered hulls on real incident positions: the buffer holds on every side at its true distance, and a
// chain of islands is split into hulls that stay near their points.
import {describe, expect, it} from 'vitest'

import {loadShippedIncidents} from '../../src/services/datasets/piracy.js'
import {haversineKm, pointInGeometry, type ZoneGeometry} from '../../src/services/geo/geometry.js'
import {bufferedHulls} from '../../src/services/geo/hull.js'

const {incidents} = loadShippedIncidents()
// The Windward and Leeward Islands: yacht robberies from Grenada to Antigua, a curved chain of ~600 km.
const islands = incidents.filter((i) => i.lon > -62.5 && i.lon < -60.5 && i.lat > 11.8 && i.lat < 17.5)
const inAny = (hulls: ZoneGeometry[], lon: number, lat: number) => hulls.some((h) => pointInGeometry(h, lon, lat))

function offset(lat: number, lon: number, km: number, bearingDeg: number): [number, number] {
  const d = km / 6371.0088
  const b = (bearingDeg * Math.PI) / 180
  const p1 = (lat * Math.PI) / 180
  const l1 = (lon * Math.PI) / 180
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b))
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2))
  return [(l2 * 180) / Math.PI, (p2 * 180) / Math.PI]
}

describe('buffered hulls', () => {
  it('holds every point grown by the buffer, and not much more', () => {
    expect(islands.length).toBeGreaterThan(50)
    const [hull] = bufferedHulls(islands, 20)
    for (const i of islands) {
      for (let bearing = 0; bearing < 360; bearing += 45) {
        const [lon, lat] = offset(i.lat, i.lon, 19.5, bearing)
        expect(pointInGeometry(hull, lon, lat), `${i.reference} at ${bearing}°`).toBe(true)
      }
    }
    // 25 km beyond the westernmost incident (nothing of the hull reaches there).
    const west = islands.reduce((a, b) => (a.lon < b.lon ? a : b))
    const [lon, lat] = offset(west.lat, west.lon, 25, 270)
    expect(pointInGeometry(hull, lon, lat)).toBe(false)
  })

  it('splits a curved chain until no spot lies farther than the gap allowed from a point', () => {
    const whole = bufferedHulls(islands, 10)
    const split = bufferedHulls(islands, 10, {maxGapKm: 40})
    expect(whole).toHaveLength(1)
    expect(split.length).toBeGreaterThan(1)
    let farthestWhole = 0
    let farthestSplit = 0
    for (let lon = -63.5; lon <= -59.5; lon += 0.05) {
      for (let lat = 11; lat <= 18.5; lat += 0.05) {
        const nearest = Math.min(...islands.map((i) => haversineKm(lat, lon, i.lat, i.lon)))
        if (inAny(whole, lon, lat)) farthestWhole = Math.max(farthestWhole, nearest)
        if (inAny(split, lon, lat)) farthestSplit = Math.max(farthestSplit, nearest)
      }
    }
    expect(farthestWhole).toBeGreaterThan(60)
    expect(farthestSplit).toBeLessThanOrEqual(40 + 10 + 10)
  })
})
