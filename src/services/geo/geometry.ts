// Plane geometry on longitude/latitude for zones: bounding boxes, point-in-polygon, circles, and the
// antimeridian (polygons are split there, as RFC 7946 asks, so every longitude stays in [-180, 180]).

export type Ring = Array<[number, number]>
export type Polygon = {type: 'Polygon'; coordinates: Ring[]}
export type MultiPolygon = {type: 'MultiPolygon'; coordinates: Ring[][]}
export type ZoneGeometry = Polygon | MultiPolygon

export interface BBox {
  minLon: number
  minLat: number
  maxLon: number
  maxLat: number
}

const EARTH_RADIUS_KM = 6371.0088
const toRad = Math.PI / 180

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * toRad
  const dLon = (lon2 - lon1) * toRad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)))
}

export function polygonsOf(geometry: ZoneGeometry): Ring[][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
}

export function bboxOf(geometry: ZoneGeometry): BBox {
  let minLon = Infinity
  let minLat = Infinity
  let maxLon = -Infinity
  let maxLat = -Infinity
  for (const polygon of polygonsOf(geometry)) {
    for (const [lon, lat] of polygon[0]) {
      if (lon < minLon) minLon = lon
      if (lon > maxLon) maxLon = lon
      if (lat < minLat) minLat = lat
      if (lat > maxLat) maxLat = lat
    }
  }
  return {minLon, minLat, maxLon, maxLat}
}

/** Even-odd ray casting over one ring; points on an edge count as inside. */
function inRing(ring: Ring, lon: number, lat: number): boolean | 'edge' {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    // On the segment (collinear and within its box)?
    const cross = (xj - xi) * (lat - yi) - (yj - yi) * (lon - xi)
    if (
      Math.abs(cross) < 1e-12 &&
      lon >= Math.min(xi, xj) - 1e-12 &&
      lon <= Math.max(xi, xj) + 1e-12 &&
      lat >= Math.min(yi, yj) - 1e-12 &&
      lat <= Math.max(yi, yj) + 1e-12
    ) {
      return 'edge'
    }
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** True when the point is inside the polygon or multipolygon (holes excluded, edges included). */
export function pointInGeometry(geometry: ZoneGeometry, lon: number, lat: number): boolean {
  for (const polygon of polygonsOf(geometry)) {
    const outer = inRing(polygon[0], lon, lat)
    if (outer === false) continue
    if (outer === 'edge') return true
    let inHole = false
    for (let h = 1; h < polygon.length; h++) {
      if (inRing(polygon[h], lon, lat) === true) {
        inHole = true
        break
      }
    }
    if (!inHole) return true
  }
  return false
}


/**
 * A circle of `radiusKm` around a point as a polygon of `segments` vertices (geodesic destination points),
 * split at the antimeridian when it crosses it.
 */
export function circleGeometry(lat: number, lon: number, radiusKm: number, segments = 48): ZoneGeometry {
  const ring: Ring = []
  const angular = radiusKm / EARTH_RADIUS_KM
  const phi1 = lat * toRad
  const lambda1 = lon * toRad
  for (let i = 0; i <= segments; i++) {
    const bearing = ((i % segments) / segments) * 2 * Math.PI
    const phi2 = Math.asin(Math.sin(phi1) * Math.cos(angular) + Math.cos(phi1) * Math.sin(angular) * Math.cos(bearing))
    const lambda2 =
      lambda1 +
      Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(phi1), Math.cos(angular) - Math.sin(phi1) * Math.sin(phi2))
    // Unwrapped: continuous around the centre's longitude, possibly beyond ±180.
    ring.push([round6(lambda2 / toRad), round6(Math.max(-90, Math.min(90, phi2 / toRad)))])
  }
  return splitAtAntimeridian(ring)
}

/** Splits a ring whose longitudes run continuously past ±180 into parts that each stay within [-180, 180]. */
export function splitAtAntimeridian(ring: Ring): ZoneGeometry {
  const lons = ring.map(([x]) => x)
  const min = Math.min(...lons)
  const max = Math.max(...lons)
  if (min >= -180 && max <= 180) return {type: 'Polygon', coordinates: [ring]}
  const edge = max > 180 ? 180 : -180
  const shift = edge === 180 ? -360 : 360
  const inner = clipHalfPlane(ring, edge, edge === 180 ? 'below' : 'above')
  const outer = clipHalfPlane(ring, edge, edge === 180 ? 'above' : 'below').map(([x, y]) => [round6(x + shift), y] as [number, number])
  const parts = [inner, outer].filter((r) => r.length >= 4)
  return parts.length === 1 ? {type: 'Polygon', coordinates: [parts[0]]} : {type: 'MultiPolygon', coordinates: parts.map((r) => [r])}
}

/** Sutherland-Hodgman against the vertical line x = edge, keeping the side named. */
function clipHalfPlane(ring: Ring, edge: number, keep: 'below' | 'above'): Ring {
  const inside = (x: number) => (keep === 'below' ? x <= edge : x >= edge)
  const out: Ring = []
  const points = ring.slice(0, -1)
  for (let i = 0; i < points.length; i++) {
    const current = points[i]
    const previous = points[(i + points.length - 1) % points.length]
    const cIn = inside(current[0])
    const pIn = inside(previous[0])
    if (cIn !== pIn) {
      const t = (edge - previous[0]) / (current[0] - previous[0])
      out.push([edge, round6(previous[1] + t * (current[1] - previous[1]))])
    }
    if (cIn) out.push(current)
  }
  if (out.length > 0) out.push(out[0])
  return out
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6
}

/** Checks that a parsed GeoJSON value is a Polygon or MultiPolygon with numeric, closed rings. */
export function asZoneGeometry(value: unknown): ZoneGeometry | null {
  if (typeof value !== 'object' || value === null) return null
  const g = value as {type?: unknown; coordinates?: unknown}
  const validRing = (ring: unknown): ring is Ring =>
    Array.isArray(ring) &&
    ring.length >= 4 &&
    ring.every(
      (p) =>
        Array.isArray(p) &&
        p.length >= 2 &&
        typeof p[0] === 'number' &&
        typeof p[1] === 'number' &&
        Math.abs(p[0]) <= 180 &&
        Math.abs(p[1]) <= 90,
    )
  const validPolygon = (poly: unknown): poly is Ring[] => Array.isArray(poly) && poly.length > 0 && poly.every(validRing)
  if (g.type === 'Polygon' && validPolygon(g.coordinates)) return {type: 'Polygon', coordinates: g.coordinates}
  if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates) && g.coordinates.length > 0 && g.coordinates.every(validPolygon)) {
    return {type: 'MultiPolygon', coordinates: g.coordinates as Ring[][]}
  }
  return null
}
