// Areas on the WGS84 ellipsoid (GeographicLib): of zones, of their union, and of the land inside them.
import geodesic from 'geographiclib-geodesic'
import * as polygonClipping from 'polyclip-ts'

import {type Ring, type ZoneGeometry, polygonsOf} from './geometry.js'
import type {LandOutline} from './land.js'

const {Geodesic} = geodesic

/** Area of one ring in km², whatever its winding. Edges are taken as geodesics. */
export function ringAreaKm2(ring: Ring): number {
  const polygon = Geodesic.WGS84.Polygon(false)
  // The closing vertex repeats the first; GeographicLib closes rings itself.
  const n = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.length - 1 : ring.length
  for (let i = 0; i < n; i++) polygon.AddPoint(ring[i][1], ring[i][0])
  return Math.abs(polygon.Compute(false, true).area ?? 0) / 1e6
}

/** Area of polygons with holes in km² (outer rings minus holes; polygons assumed not to overlap). */
export function polygonsAreaKm2(polygons: Ring[][]): number {
  let total = 0
  for (const polygon of polygons) {
    total += ringAreaKm2(polygon[0])
    for (let h = 1; h < polygon.length; h++) total -= ringAreaKm2(polygon[h])
  }
  return total
}

/** Area covered by any of the geometries, counting overlaps once. */
export function unionAreaKm2(geometries: ZoneGeometry[]): {areaKm2: number; union: Ring[][]} {
  if (geometries.length === 0) return {areaKm2: 0, union: []}
  const [first, ...rest] = geometries.map((g) => polygonsOf(g))
  const union = polygonClipping.union(first, ...rest) as Ring[][]
  return {areaKm2: polygonsAreaKm2(union), union}
}

/** Area of land inside non-overlapping polygons, in km², by the given outline. */
export function landAreaKm2(polygons: Ring[][], land: LandOutline): number {
  let total = 0
  for (const polygon of polygons) {
    let minLon = Infinity
    let minLat = Infinity
    let maxLon = -Infinity
    let maxLat = -Infinity
    for (const [x, y] of polygon[0]) {
      minLon = Math.min(minLon, x)
      maxLon = Math.max(maxLon, x)
      minLat = Math.min(minLat, y)
      maxLat = Math.max(maxLat, y)
    }
    const pieces = land.landWithin({minLon, minLat, maxLon, maxLat})
    if (pieces.length === 0) continue
    total += polygonsAreaKm2(polygonClipping.intersection([polygon], pieces) as Ring[][])
  }
  return total
}
