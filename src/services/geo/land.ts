// The world's land outline (Natural Earth land, shipped by the world-atlas package): is a position on
// land, how far is the shore, and what part of an area is water.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import Flatbush from 'flatbush'
import * as polygonClipping from 'polyclip-ts'
import {feature} from 'topojson-client'

import {type BBox, haversineKm, type Ring, type ZoneGeometry, polygonsOf, splitAtAntimeridian} from './geometry.js'

/** Natural Earth scales world-atlas ships: 1:10m (409k vertices), 1:50m (61k), 1:110m (5k). */
export type LandScale = '10m' | '50m' | '110m'

export interface LandOutline {
  readonly scale: LandScale
  /** The package and scale the outline comes from, for cache keys and provenance. */
  readonly version: string
  isOnLand(lon: number, lat: number): boolean
  /**
   * Great-circle distance in km from the position to the nearest coastline (land or sea side alike),
   * or Infinity when no coast lies within `maxKm`.
   */
  distanceToShoreKm(lon: number, lat: number, maxKm?: number): number
  /** The land inside a box, as polygons cut to the box (for clipping and measuring). */
  landWithin(box: BBox): Ring[][]
  /** The part of an area that is water, or null when it is all land. */
  clipToWater(geometry: ZoneGeometry): ZoneGeometry | null
}

const KM_PER_DEGREE = 111.195
const CELL_DEGREES = 0.25
const COLS = 360 / CELL_DEGREES
const ROWS = 180 / CELL_DEGREES
const UNKNOWN = -1

const outlines = new Map<LandScale, LandOutline>()

/** The outline at a scale, loaded once per process (the 1:10m outline takes about a second). */
export function landOutline(scale: LandScale = '10m'): LandOutline {
  let outline = outlines.get(scale)
  if (!outline) {
    outline = loadOutline(scale)
    outlines.set(scale, outline)
  }
  return outline
}

type Topology = Parameters<typeof feature>[0]

/** Which outline `landOutline(scale)` reads, without reading it: for cache keys and provenance. */
export function landOutlineVersion(scale: LandScale = '10m'): string {
  const require = createRequire(import.meta.url)
  const version = (JSON.parse(readFileSync(require.resolve('world-atlas/package.json'), 'utf8')) as {version: string}).version
  return `world-atlas ${version} land-${scale}`
}

function loadOutline(scale: LandScale): LandOutline {
  const require = createRequire(import.meta.url)
  const path = require.resolve(`world-atlas/land-${scale}.json`)
  const topology = JSON.parse(readFileSync(path, 'utf8')) as Topology & {objects: {land: Parameters<typeof feature>[1]}}
  const land = feature(topology, topology.objects.land) as unknown as {features: Array<{geometry: ZoneGeometry}>}
  const polygons: Ring[][] = land.features.flatMap((f) => polygonsOf(f.geometry)).flatMap(withinAntimeridian)
  return new IndexedLand(scale, landOutlineVersion(scale), polygons)
}

/**
 * The outline writes the antimeridian as -180 where +180 is meant (Eurasia, Fiji), lets Wrangel
 * Island's ring cross it, and closes Antarctica with one edge across the whole map. Unwrapping each
 * ring's longitudes and cutting it at ±180 (closing a ring that circles a pole along the pole) gives
 * polygons that even-odd ray casting and clipping read right.
 */
function withinAntimeridian(polygon: Ring[]): Ring[][] {
  if (!polygon.some((ring) => ring.some(([x]) => Math.abs(x) === 180))) return [polygon]
  const [outer, ...holes] = polygon
  // Start from a vertex off the antimeridian, so the unwrapped ring stays where the map has it.
  const start = outer.findIndex(([x]) => Math.abs(x) !== 180)
  const unwrapped: Ring = []
  for (let i = 0; i < outer.length - 1; i++) {
    const [x, y] = outer[(start + i) % (outer.length - 1)]
    const previous = unwrapped.length > 0 ? unwrapped[unwrapped.length - 1][0] : x
    unwrapped.push([x + 360 * Math.round((previous - x) / 360), y])
  }
  unwrapped.push(unwrapped[0])
  // A ring circling a pole comes back 360° from where it started: close it along the pole.
  const first = unwrapped[0]
  const last = unwrapped[unwrapped.length - 2]
  const back = [first[0] + 360 * Math.round((last[0] - first[0]) / 360), first[1]] as [number, number]
  if (back[0] !== first[0]) {
    const pole = outer.reduce((sum, [, y]) => sum + y, 0) < 0 ? -90 : 90
    unwrapped.splice(unwrapped.length - 1, 1, back, [back[0], pole], [first[0], pole], first)
  }
  const parts = polygonsOf(splitAtAntimeridian(unwrapped))
  // The one polygon here with a hole (the Caspian) never touches the antimeridian.
  return holes.length > 0 && parts.length === 1 ? [[parts[0][0], ...holes]] : parts
}

class IndexedLand implements LandOutline {
  /** x1, y1, x2, y2 of every edge of the outline. */
  private readonly edges: Float64Array
  /** 1 for edges that are no coast: the cuts along the antimeridian and the poles. */
  private readonly cut: Uint8Array
  private readonly edgeIndex: Flatbush
  private readonly polygonIndex: Flatbush
  /** 1 where a coastline edge touches the grid cell: only there does the answer vary inside the cell. */
  private readonly coastal = new Uint8Array(COLS * ROWS)
  /** Land (1) or water (0) for cells no coastline touches, learnt on first use. */
  private readonly cellState = new Int8Array(COLS * ROWS).fill(UNKNOWN)

  constructor(
    readonly scale: LandScale,
    readonly version: string,
    private readonly polygons: Ring[][],
  ) {
    let count = 0
    for (const polygon of polygons) for (const ring of polygon) count += ring.length - 1
    this.edges = new Float64Array(count * 4)
    this.cut = new Uint8Array(count)
    this.edgeIndex = new Flatbush(count)
    this.polygonIndex = new Flatbush(polygons.length)
    let e = 0
    for (const polygon of polygons) {
      let minX = Infinity
      let minY = Infinity
      let maxX = -Infinity
      let maxY = -Infinity
      for (const ring of polygon) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const [x1, y1] = ring[i]
          const [x2, y2] = ring[i + 1]
          this.edges[e * 4] = x1
          this.edges[e * 4 + 1] = y1
          this.edges[e * 4 + 2] = x2
          this.edges[e * 4 + 3] = y2
          if ((Math.abs(x1) === 180 && x1 === x2) || (Math.abs(y1) === 90 && y1 === y2)) this.cut[e] = 1
          const ex0 = Math.min(x1, x2)
          const ey0 = Math.min(y1, y2)
          const ex1 = Math.max(x1, x2)
          const ey1 = Math.max(y1, y2)
          this.edgeIndex.add(ex0, ey0, ex1, ey1)
          this.markCoastal(ex0, ey0, ex1, ey1)
          if (ex0 < minX) minX = ex0
          if (ey0 < minY) minY = ey0
          if (ex1 > maxX) maxX = ex1
          if (ey1 > maxY) maxY = ey1
          e++
        }
      }
      this.polygonIndex.add(minX, minY, maxX, maxY)
    }
    this.edgeIndex.finish()
    this.polygonIndex.finish()
  }

  isOnLand(lon: number, lat: number): boolean {
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || lat < -90 || lat > 90) throw new RangeError(`not a position: ${lon}, ${lat}`)
    const x = normaliseLon(lon)
    const row = Math.min(ROWS - 1, Math.floor((lat + 90) / CELL_DEGREES))
    const col = Math.min(COLS - 1, Math.floor((x + 180) / CELL_DEGREES))
    return this.stateFrom(x, lat, row, col) === 1
  }

  /**
   * Even-odd ray casting eastward, cut short: cells no coastline touches have one state throughout,
   * so the ray only needs to reach the next such cell whose state is known. Cells passed on the way
   * learn their state, so a region is cast through once.
   */
  private stateFrom(x: number, lat: number, row: number, col: number): number {
    const base = row * COLS
    if (!this.coastal[base + col] && this.cellState[base + col] !== UNKNOWN) return this.cellState[base + col]
    const visited: Array<[cell: number, parityBefore: number]> = []
    let parity = 0
    let from = x
    let c = col
    if (!this.coastal[base + c]) visited.push([base + c, 0])
    let result: number
    for (;;) {
      let next = c + 1
      while (next < COLS && this.coastal[base + next]) next++
      const to = next < COLS ? -180 + next * CELL_DEGREES : Infinity
      parity ^= this.crossings(from, to, lat) & 1
      if (next >= COLS) {
        result = parity
        break
      }
      const known = this.cellState[base + next]
      if (known !== UNKNOWN) {
        result = parity ^ known
        break
      }
      visited.push([base + next, parity])
      from = to
      c = next
    }
    for (const [cell, before] of visited) this.cellState[cell] = result ^ before
    return result
  }

  /** Coastline edges crossed by the horizontal ray from `from` (exclusive) to `to` (inclusive) at `lat`. */
  private crossings(from: number, to: number, lat: number): number {
    const edges = this.edges
    let count = 0
    this.edgeIndex.search(from, lat, Math.min(to, 180), lat, (i) => {
      const y1 = edges[i * 4 + 1]
      const y2 = edges[i * 4 + 3]
      if (y1 > lat === y2 > lat) return false
      const x1 = edges[i * 4]
      const x2 = edges[i * 4 + 2]
      const ix = x1 + ((lat - y1) * (x2 - x1)) / (y2 - y1)
      if (ix > from && ix <= to) count++
      return false
    })
    return count
  }

  private markCoastal(minX: number, minY: number, maxX: number, maxY: number): void {
    const c0 = Math.max(0, Math.floor((minX + 180) / CELL_DEGREES))
    const c1 = Math.min(COLS - 1, Math.floor((maxX + 180) / CELL_DEGREES))
    const r0 = Math.max(0, Math.floor((minY + 90) / CELL_DEGREES))
    const r1 = Math.min(ROWS - 1, Math.floor((maxY + 90) / CELL_DEGREES))
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) this.coastal[r * COLS + c] = 1
  }

  distanceToShoreKm(lon: number, lat: number, maxKm = 2000): number {
    const x = normaliseLon(lon)
    // Nearest edges by flat degrees first: a good bound, then every edge that bound could still hide.
    let best = Infinity
    for (const i of this.edgeIndex.neighbors(x, lat, 8, Infinity, (k) => this.cut[k] === 0)) best = Math.min(best, this.edgeKm(i, x, lat))
    const reach = Math.min(best, maxKm)
    const dLat = reach / KM_PER_DEGREE
    const cosMin = Math.cos((Math.min(89.9, Math.abs(lat) + dLat) * Math.PI) / 180)
    const dLon = Math.min(180, reach / (KM_PER_DEGREE * cosMin))
    const boxes: Array<[number, number]> = [[x - dLon, x + dLon]]
    if (x - dLon < -180) boxes.push([x - dLon + 360, 180])
    if (x + dLon > 180) boxes.push([-180, x + dLon - 360])
    for (const [x0, x1] of boxes) {
      for (const i of this.edgeIndex.search(Math.max(-180, x0), lat - dLat, Math.min(180, x1), lat + dLat)) {
        if (this.cut[i] === 0) best = Math.min(best, this.edgeKm(i, x, lat))
      }
    }
    return best <= maxKm ? best : Infinity
  }

  /**
   * Great-circle distance from a position to one edge: the edge's nearest point is found in a local
   * equidistant frame centred on the position, the distance to it measured on the sphere.
   */
  private edgeKm(i: number, lon: number, lat: number): number {
    const k = Math.cos((lat * Math.PI) / 180) * KM_PER_DEGREE
    const x1 = this.edges[i * 4]
    const y1 = this.edges[i * 4 + 1]
    const dLon = wrapDelta(this.edges[i * 4 + 2] - x1)
    const dLat = this.edges[i * 4 + 3] - y1
    const ax = wrapDelta(x1 - lon) * k
    const ay = (y1 - lat) * KM_PER_DEGREE
    const dx = dLon * k
    const dy = dLat * KM_PER_DEGREE
    const len = dx * dx + dy * dy
    const t = len === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len))
    return haversineKm(lat, lon, y1 + t * dLat, x1 + t * dLon)
  }

  landWithin(box: BBox): Ring[][] {
    const out: Ring[][] = []
    for (const p of this.polygonIndex.search(box.minLon, box.minLat, box.maxLon, box.maxLat)) {
      const [outer, ...holes] = this.polygons[p]
      const clipped = clipRingToBox(outer, box)
      // No outer ring left: the box misses this land (or sits inside one of its holes).
      if (clipped.length < 4) continue
      out.push([clipped, ...holes.map((ring) => clipRingToBox(ring, box)).filter((ring) => ring.length >= 4)])
    }
    return out
  }

  clipToWater(geometry: ZoneGeometry): ZoneGeometry | null {
    const parts: Ring[][] = []
    for (const polygon of polygonsOf(geometry)) {
      const box = ringsBox(polygon)
      const land = this.landWithin({minLon: box.minLon - 0.01, minLat: box.minLat - 0.01, maxLon: box.maxLon + 0.01, maxLat: box.maxLat + 0.01})
      const water = land.length === 0 ? [polygon] : (polygonClipping.difference(polygon, land) as Ring[][])
      parts.push(...water)
    }
    if (parts.length === 0) return null
    return parts.length === 1 ? {type: 'Polygon', coordinates: parts[0]} : {type: 'MultiPolygon', coordinates: parts}
  }
}

function ringsBox(polygon: Ring[]): BBox {
  let minLon = Infinity
  let minLat = Infinity
  let maxLon = -Infinity
  let maxLat = -Infinity
  for (const [x, y] of polygon[0]) {
    if (x < minLon) minLon = x
    if (x > maxLon) maxLon = x
    if (y < minLat) minLat = y
    if (y > maxLat) maxLat = y
  }
  return {minLon, minLat, maxLon, maxLat}
}

/**
 * Sutherland–Hodgman against a box: linear in the ring's length, so the 1:10m continents can be cut to
 * a zone's surroundings before the exact (and costlier) boolean operation. Concave rings may come out
 * with zero-width runs along the box's sides; the boolean operation reads them as nothing.
 */
export function clipRingToBox(ring: Ring, box: BBox): Ring {
  const n = ring.length - 1
  let xs = new Float64Array(n)
  let ys = new Float64Array(n)
  let inside = true
  for (let i = 0; i < n; i++) {
    const x = ring[i][0]
    const y = ring[i][1]
    xs[i] = x
    ys[i] = y
    if (x < box.minLon || x > box.maxLon || y < box.minLat || y > box.maxLat) inside = false
  }
  if (inside) return ring
  let count = n
  // Each side: (axis, bound, keep below?)
  const sides: Array<[0 | 1, number, boolean]> = [
    [0, box.minLon, false],
    [0, box.maxLon, true],
    [1, box.minLat, false],
    [1, box.maxLat, true],
  ]
  for (const [axis, bound, below] of sides) {
    if (count === 0) break
    const outX = new Float64Array(count * 2)
    const outY = new Float64Array(count * 2)
    let m = 0
    let px = xs[count - 1]
    let py = ys[count - 1]
    let pv = axis === 0 ? px : py
    let pIn = below ? pv <= bound : pv >= bound
    for (let i = 0; i < count; i++) {
      const cx = xs[i]
      const cy = ys[i]
      const cv = axis === 0 ? cx : cy
      const cIn = below ? cv <= bound : cv >= bound
      if (cIn !== pIn) {
        const t = (bound - pv) / (cv - pv)
        outX[m] = axis === 0 ? bound : px + t * (cx - px)
        outY[m] = axis === 0 ? py + t * (cy - py) : bound
        m++
      }
      if (cIn) {
        outX[m] = cx
        outY[m] = cy
        m++
      }
      px = cx
      py = cy
      pv = cv
      pIn = cIn
    }
    xs = outX
    ys = outY
    count = m
  }
  if (count < 3) return []
  const out: Ring = new Array(count + 1)
  for (let i = 0; i < count; i++) out[i] = [xs[i], ys[i]]
  out[count] = out[0]
  return out
}

function normaliseLon(lon: number): number {
  return lon >= -180 && lon <= 180 ? lon : ((((lon + 180) % 360) + 360) % 360) - 180
}

function wrapDelta(d: number): number {
  return d > 180 ? d - 360 : d < -180 ? d + 360 : d
}
