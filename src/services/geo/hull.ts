// Buffered convex hulls of point sets on the sphere, drawn in an azimuthal equidistant frame around the
// points' centre (distances from the centre are true, so a hull a few hundred km across keeps its buffer).
import {type Ring, type ZoneGeometry, splitAtAntimeridian} from './geometry.js'

const EARTH_RADIUS_KM = 6371.0088
const toRad = Math.PI / 180

export interface LonLat {
  lon: number
  lat: number
}

/** Mean of unit vectors: a centre that stays right across the antimeridian. */
export function sphericalCentre(points: LonLat[]): LonLat {
  let x = 0
  let y = 0
  let z = 0
  for (const p of points) {
    const la = p.lat * toRad
    const lo = p.lon * toRad
    x += Math.cos(la) * Math.cos(lo)
    y += Math.cos(la) * Math.sin(lo)
    z += Math.sin(la)
  }
  return {lon: Math.atan2(y, x) / toRad, lat: Math.atan2(z, Math.hypot(x, y)) / toRad}
}

/** Azimuthal equidistant projection around a centre, in km, and back. */
export class EquidistantFrame {
  private readonly sinLat0: number
  private readonly cosLat0: number
  private readonly lon0: number

  constructor(readonly centre: LonLat) {
    this.sinLat0 = Math.sin(centre.lat * toRad)
    this.cosLat0 = Math.cos(centre.lat * toRad)
    this.lon0 = centre.lon * toRad
  }

  forward(p: LonLat): [number, number] {
    const lat = p.lat * toRad
    const dLon = p.lon * toRad - this.lon0
    const cosC = this.sinLat0 * Math.sin(lat) + this.cosLat0 * Math.cos(lat) * Math.cos(dLon)
    const c = Math.acos(Math.max(-1, Math.min(1, cosC)))
    const k = c < 1e-12 ? 1 : c / Math.sin(c)
    return [
      EARTH_RADIUS_KM * k * Math.cos(lat) * Math.sin(dLon),
      EARTH_RADIUS_KM * k * (this.cosLat0 * Math.sin(lat) - this.sinLat0 * Math.cos(lat) * Math.cos(dLon)),
    ]
  }

  /** Back to longitude and latitude; longitudes stay continuous around the centre (may pass ±180). */
  inverse(x: number, y: number): [number, number] {
    const rho = Math.hypot(x, y)
    if (rho < 1e-9) return [this.centre.lon, this.centre.lat]
    const c = rho / EARTH_RADIUS_KM
    const lat = Math.asin(Math.max(-1, Math.min(1, Math.cos(c) * this.sinLat0 + (y * Math.sin(c) * this.cosLat0) / rho)))
    const lon = this.lon0 + Math.atan2(x * Math.sin(c), rho * this.cosLat0 * Math.cos(c) - y * this.sinLat0 * Math.sin(c))
    return [lon / toRad, lat / toRad]
  }
}

/** Andrew's monotone chain; returns the hull counter-clockwise, without repeating the first point. */
export function convexHull(points: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1])
  if (sorted.length < 3) return sorted
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
  const lower: Array<[number, number]> = []
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop()
    lower.push(p)
  }
  const upper: Array<[number, number]> = []
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i]
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop()
    upper.push(p)
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)]
}

/**
 * The convex hull of the points grown by `bufferKm` on every side (the hull of circles around them,
 * which is exactly the buffer of a convex hull), as one lon/lat polygon with edges no longer than
 * `maxEdgeKm`, split at the antimeridian when it crosses it.
 *
 * With `maxGapKm`, several: a hull that would hold a spot farther than that from every point (a chain of
 * points curving round a bay, two groups far apart) is split in two around its two farthest points,
 * again and again, so the hulls hug the points: no spot of the result lies farther than
 * `maxGapKm + bufferKm` from a point (checked on a grid of `maxGapKm / 4`).
 */
export function bufferedHulls(
  points: LonLat[],
  bufferKm: number,
  options: {circleSegments?: number; maxEdgeKm?: number; maxGapKm?: number} = {},
): ZoneGeometry[] {
  const frame = new EquidistantFrame(sphericalCentre(points))
  const projected = points.map((p) => frame.forward(p))
  const groups = options.maxGapKm ? splitUntilTight(projected, options.maxGapKm) : [projected]
  return groups.map((group) => hullGeometry(group, frame, bufferKm, options.circleSegments ?? 32, options.maxEdgeKm ?? 25))
}

function hullGeometry(points: Array<[number, number]>, frame: EquidistantFrame, bufferKm: number, segments: number, maxEdgeKm: number): ZoneGeometry {
  const core = convexHull(points)
  const grown: Array<[number, number]> = []
  for (const [x, y] of core) {
    for (let i = 0; i < segments; i++) {
      const a = (2 * Math.PI * i) / segments
      grown.push([x + bufferKm * Math.cos(a), y + bufferKm * Math.sin(a)])
    }
  }
  const hull = convexHull(grown)
  const ring: Ring = []
  for (let i = 0; i < hull.length; i++) {
    const [x1, y1] = hull[i]
    const [x2, y2] = hull[(i + 1) % hull.length]
    const steps = Math.max(1, Math.ceil(Math.hypot(x2 - x1, y2 - y1) / maxEdgeKm))
    for (let s = 0; s < steps; s++) ring.push(round6Pair(frame.inverse(x1 + ((x2 - x1) * s) / steps, y1 + ((y2 - y1) * s) / steps)))
  }
  ring.push(ring[0])
  return splitAtAntimeridian(ring)
}

/** Splits a point set until no spot of any part's hull is farther than `maxGapKm` from the part's points. */
function splitUntilTight(points: Array<[number, number]>, maxGapKm: number): Array<Array<[number, number]>> {
  const done: Array<Array<[number, number]>> = []
  const todo = [points]
  while (todo.length > 0) {
    const group = todo.pop() as Array<[number, number]>
    if (group.length <= 2 || largestGapKm(group, maxGapKm / 4) <= maxGapKm) {
      done.push(group)
      continue
    }
    const parts = splitInTwo(group)
    if (parts.some((part) => part.length === 0)) done.push(group)
    else todo.push(...parts)
  }
  return done
}

/** The farthest any spot of the points' convex hull lies from the nearest point, on a grid of `step` km. */
export function largestGapKm(points: Array<[number, number]>, step: number): number {
  const hull = convexHull(points)
  if (hull.length < 3) return 0
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (const [x, y] of hull) {
    minX = Math.min(minX, x)
    maxX = Math.max(maxX, x)
    minY = Math.min(minY, y)
    maxY = Math.max(maxY, y)
  }
  let worst = 0
  for (let x = minX; x <= maxX; x += step) {
    for (let y = minY; y <= maxY; y += step) {
      if (!insideConvex(hull, x, y)) continue
      let nearest = Infinity
      for (const [px, py] of points) {
        const d = (px - x) ** 2 + (py - y) ** 2
        if (d < nearest) nearest = d
        if (nearest <= worst * worst) break
      }
      worst = Math.max(worst, Math.sqrt(nearest))
    }
  }
  return worst
}

function insideConvex(hull: Array<[number, number]>, x: number, y: number): boolean {
  for (let i = 0; i < hull.length; i++) {
    const [x1, y1] = hull[i]
    const [x2, y2] = hull[(i + 1) % hull.length]
    if ((x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) < 0) return false
  }
  return true
}

/** Two-means seeded with the set's two farthest-apart points (deterministic). */
function splitInTwo(points: Array<[number, number]>): Array<Array<[number, number]>> {
  const hull = convexHull(points)
  let a = hull[0]
  let b = hull[0]
  let far = -1
  for (const p of hull) {
    for (const q of hull) {
      const d = (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2
      if (d > far) {
        far = d
        a = p
        b = q
      }
    }
  }
  let left: Array<[number, number]> = []
  let right: Array<[number, number]> = []
  for (let round = 0; round < 10; round++) {
    left = []
    right = []
    for (const p of points) ((p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2 <= (p[0] - b[0]) ** 2 + (p[1] - b[1]) ** 2 ? left : right).push(p)
    const mean = (g: Array<[number, number]>): [number, number] => [g.reduce((s, p) => s + p[0], 0) / g.length, g.reduce((s, p) => s + p[1], 0) / g.length]
    const na = mean(left)
    const nb = mean(right)
    if (na[0] === a[0] && na[1] === a[1] && nb[0] === b[0] && nb[1] === b[1]) break
    a = na
    b = nb
  }
  return [left, right]
}

function round6Pair([x, y]: [number, number]): [number, number] {
  return [Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6]
}
