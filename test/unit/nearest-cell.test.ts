// The nearest port cell within reach (what port visits begin and end by), checked against measuring to every
// cell: Global Fishing Watch's shipped anchorages, positions near them and anywhere on Earth, across the
// antimeridian and near the poles, where the grid that answers most positions without a search could err.
import {describe, expect, it} from 'vitest'

import {loadShippedAnchorages} from '../../src/services/datasets/anchorages.js'
import {haversineKm} from '../../src/services/geo/geometry.js'
import {type AreaCell, PortAreas} from '../../src/services/ports/port-areas.js'

/** A repeatable sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function naive(cells: AreaCell[], lat: number, lon: number, maxKm: number): number | null {
  let best = Infinity
  // Only a latitude band is skipped (a degree of latitude is 111.2 km anywhere): every other cell is measured.
  const band = (maxKm + 1) / 111
  for (const c of cells) if (Math.abs(c.lat - lat) <= band) best = Math.min(best, haversineKm(lat, lon, c.lat, c.lon))
  return best <= maxKm ? best : null
}

function expectSame(areas: PortAreas, cells: AreaCell[], points: Array<[number, number]>, maxKm: number) {
  let within = 0
  for (const [lat, lon] of points) {
    const want = naive(cells, lat, lon, maxKm)
    const got = areas.nearestCell(lat, lon, maxKm)
    if (want === null) expect(got, `${lat},${lon}`).toBeNull()
    else {
      within++
      expect(got?.distanceKm, `${lat},${lon}`).toBeCloseTo(want, 9)
    }
  }
  return within
}

describe('nearestCell', () => {
  const shipped = loadShippedAnchorages().anchorages
  const cells: AreaCell[] = shipped.map((a, k) => ({portId: k, cell: `c${k}`, lat: a.lat, lon: a.lon, kind: 'anchorage'}))
  const areas = new PortAreas([], cells)

  it('finds what measuring to every shipped cell finds, near cells and anywhere', () => {
    const next = random(17)
    // Near cells: within 8 km of a random one, so that about half fall within 4 km of some cell.
    const near: Array<[number, number]> = Array.from({length: 1500}, () => {
      const c = cells[Math.floor(next() * cells.length)]
      return [c.lat + (next() - 0.5) * 0.15, c.lon + (next() - 0.5) * 0.15]
    })
    const anywhere: Array<[number, number]> = Array.from({length: 300}, () => [Math.asin(2 * next() - 1) / (Math.PI / 180), next() * 360 - 180])
    const within = expectSame(areas, cells, near, 4)
    expect(within).toBeGreaterThan(300)
    expect(within).toBeLessThan(1400)
    expectSame(areas, cells, anywhere, 4)
    // Beyond the grid's reach the search alone answers.
    expectSame(areas, cells, near.slice(0, 200), 12)
  })

  it('reaches across the antimeridian and near the poles', () => {
    const edge: AreaCell[] = [
      {portId: 1, cell: 'e1', lat: -17.5, lon: 179.99, kind: 'anchorage'},
      {portId: 2, cell: 'e2', lat: 65.9, lon: -179.995, kind: 'anchorage'},
      {portId: 3, cell: 'e3', lat: 89.97, lon: 10, kind: 'anchorage'},
      {portId: 4, cell: 'e4', lat: 78.2, lon: 15.6, kind: 'berth'},
    ]
    const edgeAreas = new PortAreas([], edge)
    const next = random(5)
    const points: Array<[number, number]> = []
    for (const c of edge) {
      for (let k = 0; k < 200; k++) {
        const lat = Math.max(-90, Math.min(90, c.lat + (next() - 0.5) * 0.08))
        let lon = c.lon + ((next() - 0.5) * 0.08) / Math.max(0.02, Math.cos((lat * Math.PI) / 180))
        if (lon > 180) lon -= 360
        if (lon < -180) lon += 360
        points.push([lat, lon])
      }
    }
    expect(expectSame(edgeAreas, edge, points, 4)).toBeGreaterThan(200)
    expect(edgeAreas.nearestCell(-17.5, -179.995, 4)).toMatchObject({cell: {portId: 1}})
    expect(new PortAreas([], []).nearestCell(0, 0, 4)).toBeNull()
  })
})
