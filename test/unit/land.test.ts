// The land outline (Natural Earth 1:10m via world-atlas): point on land checked against turf on the same
// polygons, known places on both sides of the antimeridian and at the poles, distance to shore against a
// brute force over every coastline vertex, and clipping areas to the water.
import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import {describe, expect, it} from 'vitest'

import {landAreaKm2, polygonsAreaKm2} from '../../src/services/geo/area.js'
import {circleGeometry, haversineKm, pointInGeometry, polygonsOf, type Ring} from '../../src/services/geo/geometry.js'
import {landOutline} from '../../src/services/geo/land.js'

const land = landOutline('10m')
const world = land.landWithin({minLon: -180, minLat: -90, maxLon: 180, maxLat: 90})

function mulberry(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

describe('is a position on land', () => {
  it('knows places on land and at sea, lakes in the outline included', () => {
    const cases: Array<[string, number, number, boolean]> = [
      ['Paris', 2.35, 48.85, true],
      ['Sahara', 10, 25, true],
      ['mid-Atlantic', -30, 40, false],
      ['Singapore island', 103.82, 1.35, true],
      ['Singapore Strait', 103.8, 1.15, false],
      ['Caspian Sea (a hole in Eurasia)', 51, 42, false],
      ['mid-Pacific', -150, 0, false],
    ]
    for (const [name, lon, lat, expected] of cases) expect(land.isOnLand(lon, lat), name).toBe(expected)
  })

  it('reads the antimeridian and the poles right (the outline writes +180 as -180 and closes Antarctica across the map)', () => {
    expect(land.isOnLand(-175, 66), 'Chukotka, west of the antimeridian').toBe(true)
    expect(land.isOnLand(175, 66), 'Chukotka, east of it').toBe(true)
    expect(land.isOnLand(179.99, 67.5), 'Russia at +180').toBe(true)
    expect(land.isOnLand(-179.5, 71.25), 'Wrangel Island, whose ring crosses the antimeridian').toBe(true)
    expect(land.isOnLand(179.9, 70.5), 'East Siberian Sea').toBe(false)
    expect(land.isOnLand(0, -89.5), 'near the South Pole').toBe(true)
    expect(land.isOnLand(100, -80), 'East Antarctica').toBe(true)
    expect(land.isOnLand(0, 89.5), 'near the North Pole (sea ice is not land)').toBe(false)
  })

  it('agrees with turf on the same polygons for 3,000 random positions', () => {
    const random = mulberry(7)
    const boxes = world.map((polygon) => {
      let minX = Infinity
      let minY = Infinity
      let maxX = -Infinity
      let maxY = -Infinity
      for (const [x, y] of polygon[0]) {
        minX = Math.min(minX, x)
        maxX = Math.max(maxX, x)
        minY = Math.min(minY, y)
        maxY = Math.max(maxY, y)
      }
      return [minX, minY, maxX, maxY]
    })
    let onLand = 0
    for (let i = 0; i < 3000; i++) {
      const lon = -180 + random() * 360
      const lat = -89 + random() * 178
      const turf = world.some(
        (polygon, k) =>
          lon >= boxes[k][0] && lon <= boxes[k][2] && lat >= boxes[k][1] && lat <= boxes[k][3] && booleanPointInPolygon([lon, lat], {type: 'Polygon', coordinates: polygon}),
      )
      expect(land.isOnLand(lon, lat), `${lon}, ${lat}`).toBe(turf)
      if (turf) onLand++
    }
    // About 29 % of the globe is land; uniform in latitude over-weights Antarctica a little.
    expect(onLand / 3000).toBeGreaterThan(0.25)
    expect(onLand / 3000).toBeLessThan(0.4)
  })
})

describe('distance to shore', () => {
  const vertices = world.flatMap((polygon) => polygon.flatMap((ring) => ring))

  it('matches a brute force over every coastline vertex (edges are a few km at 1:10m)', () => {
    const random = mulberry(11)
    let checked = 0
    while (checked < 60) {
      const lon = -180 + random() * 360
      const lat = -60 + random() * 130
      if (land.isOnLand(lon, lat)) continue
      const ours = land.distanceToShoreKm(lon, lat, 5000)
      let nearest = Infinity
      for (const [x, y] of vertices) {
        if (Math.abs(y - lat) * 111 > nearest) continue
        nearest = Math.min(nearest, haversineKm(lat, lon, y, x))
      }
      // Distance to an edge is at most the distance to its ends, and not much less at this scale.
      expect(ours, `${lon}, ${lat}`).toBeLessThanOrEqual(nearest * 1.003 + 0.01)
      expect(ours, `${lon}, ${lat}`).toBeGreaterThan(nearest - 8)
      checked++
    }
  })

  it('is about zero on the coast, and Infinity beyond the limit asked for', () => {
    const [x, y] = world[0][0][10]
    expect(land.distanceToShoreKm(x, y)).toBeLessThan(0.01)
    expect(land.distanceToShoreKm(-140, -45, 100)).toBe(Infinity)
    expect(land.distanceToShoreKm(103.8, 1.15)).toBeLessThan(20)
  })

  it('measures to the real coast, not to where the outline is cut at the antimeridian or the pole', () => {
    // Inland Chukotka either side of 180°: the same coast, some 75 km away.
    const east = land.distanceToShoreKm(179.99, 67)
    const west = land.distanceToShoreKm(-179.99, 67)
    expect(east).toBeGreaterThan(50)
    expect(Math.abs(east - west)).toBeLessThan(2)
    expect(land.distanceToShoreKm(0, -88)).toBeGreaterThan(300)
  })
})

describe('clipping to the water', () => {
  it('keeps exactly the water of a circle over the Singapore Strait', () => {
    const circle = circleGeometry(1.2, 103.8, 60)
    const water = land.clipToWater(circle)
    expect(water).not.toBeNull()
    const circleKm2 = polygonsAreaKm2(polygonsOf(circle))
    const waterKm2 = polygonsAreaKm2(polygonsOf(water!))
    const landKm2 = landAreaKm2(polygonsOf(circle) as Ring[][], land)
    expect(landKm2).toBeGreaterThan(0.2 * circleKm2)
    expect(waterKm2 + landKm2).toBeCloseTo(circleKm2, -1)
    // Inside the water part, only water (a coastal fringe of the sampling grid aside).
    for (let lon = 103.3; lon <= 104.3; lon += 0.02) {
      for (let lat = 0.7; lat <= 1.7; lat += 0.02) {
        if (pointInGeometry(water!, lon, lat)) expect(land.isOnLand(lon, lat) && land.distanceToShoreKm(lon, lat) > 0.3, `${lon}, ${lat}`).toBe(false)
      }
    }
  })

  it('clips a circle split at the antimeridian (Fiji), and gives null for an area that is all land', () => {
    const fiji = land.clipToWater(circleGeometry(-17, 179.5, 150))
    expect(fiji?.type).toBe('MultiPolygon')
    expect(land.clipToWater(circleGeometry(25, 10, 50))).toBeNull()
  })
})
