// Which port's area a position lies in, and whether there at anchorage or at the berths. A port's area is
// its WPI position (berths, within the reach its harbour size gives) plus its cells (Global Fishing Watch's
// named anchorages and cells learned from stops). Where areas overlap, the nearest cell or berth position
// wins, not the nearest port centre; a position inside a port's own cell belongs to that port outright.
import * as geokdbush from 'geokdbush'
import KDBush from 'kdbush'

import {haversineKm} from '../geo/geometry.js'
import {cellToken} from '../geo/s2.js'
import type {AreaCellKind, Origin} from '../db/schema.js'

export interface AreaPort {
  id: number
  lat: number
  lon: number
  /** Reach of the berths around the WPI position. */
  radiusKm: number
}

export interface AreaCell {
  portId: number
  cell: string
  lat: number
  lon: number
  kind: AreaCellKind
  origin?: Origin
}

export type Place = 'anchorage' | 'berth'

export interface PortHit {
  portId: number
  /** anchorage: in or nearest to an anchorage cell; berth: at a berth cell or nearest to the berths around the WPI position. */
  place: Place
  /** The port cell the position lies in, if any. */
  cell: string | null
  distanceKm: number
}

/** A position this close to one of a port's cells is in the port's area (a level-14 cell is about 0.5 km across). */
export const CELL_REACH_KM = 2
const KM_PER_DEGREE = 111.195
const EARTH_RADIUS_KM = 6371.0088
const toRad = Math.PI / 180

/**
 * The indexed points within `km` of the position: a KDBush range query over the longitude/latitude box
 * that holds that spherical cap (two boxes across the antimeridian), so the caller's exact test sees only
 * the few points near it. geokdbush's `around` answers the same question sorted by distance, but measured
 * 35x slower at 200,000 positions (a priority queue and great-circle bounds per node), which the nearest
 * of a handful of candidates does not need.
 */
function candidatesWithin(index: KDBush, lat: number, lon: number, km: number): number[] {
  // A margin over the exact bounds: rounding must never cut off what the exact distance would accept.
  const angle = (km * 1.01) / EARTH_RADIUS_KM
  const dLat = angle / toRad
  const minLat = lat - dLat
  const maxLat = lat + dLat
  const s = Math.sin(angle) / Math.cos(lat * toRad)
  // The cap's widest longitude span (bounding coordinates on a sphere); a cap over a pole spans them all.
  const dLon = maxLat >= 90 || minLat <= -90 || !(s < 1) ? 180 : Math.asin(s) / toRad
  if (dLon >= 180) return index.range(-180, minLat, 180, maxLat)
  const west = lon - dLon
  const east = lon + dLon
  const ids = index.range(Math.max(-180, west), minLat, Math.min(180, east), maxLat)
  if (west < -180) for (const id of index.range(west + 360, minLat, 180, maxLat)) ids.push(id)
  if (east > 180) for (const id of index.range(-180, minLat, east - 360, maxLat)) ids.push(id)
  return ids
}

/** Squared distance in km on a local flat projection: a cheap test before the exact one. */
function roughKm2(lat: number, lon: number, cos: number, lat2: number, lon2: number): number {
  const y = (lat2 - lat) * KM_PER_DEGREE
  let dLon = Math.abs(lon2 - lon)
  if (dLon > 180) dLon = 360 - dLon
  const x = dLon * KM_PER_DEGREE * cos
  return x * x + y * y
}

function buildIndex(points: Array<{lat: number; lon: number}>): KDBush {
  const index = new KDBush(Math.max(1, points.length))
  for (const p of points) index.add(p.lon, p.lat)
  // KDBush holds at least one point; with none (a database without ports yet) a placeholder nobody asks
  // about, since lookups skip an index whose list is empty.
  if (points.length === 0) index.add(0, 0)
  index.finish()
  return index
}

export interface CellDistance {
  cell: AreaCell
  distanceKm: number
}

/** nearestCell answers searches up to this far from its grid. */
export const CELL_GRID_REACH_KM = 5
/** Grid bins of this many degrees (about 5.5 km of latitude). */
const GRID_DEGREES = 0.05
const GRID_ROWS = Math.round(180 / GRID_DEGREES)
const GRID_COLUMNS = Math.round(360 / GRID_DEGREES)

/**
 * Which bins of a world grid lie within CELL_GRID_REACH_KM of some cell: one bit per bin (3 MB for the
 * world), so a position in a clear bin is known to be far from every cell with one array read.
 */
class CellGrid {
  private readonly bits = new Uint32Array(Math.ceil((GRID_ROWS * GRID_COLUMNS) / 32))

  constructor(cells: readonly AreaCell[]) {
    // A margin over the reach: rounding must never leave a bin clear that a cell reaches.
    const dLat = (CELL_GRID_REACH_KM * 1.05) / KM_PER_DEGREE
    for (const c of cells) {
      const south = Math.max(-90, c.lat - dLat)
      const north = Math.min(90, c.lat + dLat)
      const cos = Math.cos(Math.max(Math.abs(south), Math.abs(north)) * toRad)
      const dLon = cos < 0.01 ? 180 : dLat / cos
      const firstRow = rowOf(south)
      const lastRow = rowOf(north)
      if (dLon >= 180) {
        for (let row = firstRow; row <= lastRow; row++) for (let col = 0; col < GRID_COLUMNS; col++) this.set(row, col)
        continue
      }
      const firstCol = Math.floor((c.lon - dLon + 180) / GRID_DEGREES)
      const lastCol = Math.floor((c.lon + dLon + 180) / GRID_DEGREES)
      for (let row = firstRow; row <= lastRow; row++) {
        // Columns wrap across the antimeridian.
        for (let col = firstCol; col <= lastCol; col++) this.set(row, ((col % GRID_COLUMNS) + GRID_COLUMNS) % GRID_COLUMNS)
      }
    }
  }

  private set(row: number, col: number): void {
    const bit = row * GRID_COLUMNS + col
    this.bits[bit >>> 5] |= 1 << (bit & 31)
  }

  /** Whether a cell may lie within CELL_GRID_REACH_KM of the position. */
  near(lat: number, lon: number): boolean {
    const col = Math.floor((lon + 180) / GRID_DEGREES)
    const bit = rowOf(lat) * GRID_COLUMNS + (((col % GRID_COLUMNS) + GRID_COLUMNS) % GRID_COLUMNS)
    return (this.bits[bit >>> 5] & (1 << (bit & 31))) !== 0
  }
}

function rowOf(lat: number): number {
  return Math.min(GRID_ROWS - 1, Math.max(0, Math.floor((lat + 90) / GRID_DEGREES)))
}

export class PortAreas {
  private readonly portIndex: KDBush
  private readonly cellIndex: KDBush
  private readonly cellByToken: Map<string, AreaCell>
  /** The widest berth reach of any port: the range the port index is searched over. */
  private readonly maxPortReachKm: number
  /** Built on the first nearestCell. */
  private cellGrid: CellGrid | undefined

  constructor(
    readonly ports: AreaPort[],
    readonly cells: AreaCell[],
  ) {
    this.portIndex = buildIndex(ports)
    this.cellIndex = buildIndex(cells)
    this.cellByToken = new Map(cells.map((c) => [c.cell, c]))
    this.maxPortReachKm = ports.reduce((max, p) => Math.max(max, p.radiusKm), 0)
  }

  /** The port whose area holds the position, or null. */
  locate(lat: number, lon: number): PortHit | null {
    const nearCells = this.cells.length > 0 ? candidatesWithin(this.cellIndex, lat, lon, CELL_REACH_KM) : []
    const nearPorts = this.ports.length > 0 ? candidatesWithin(this.portIndex, lat, lon, this.maxPortReachKm) : []
    if (nearCells.length === 0 && nearPorts.length === 0) return null
    // The flat test may err by a fraction of a per cent over a few km: a margin keeps it from rejecting
    // what the exact distance would accept.
    const cos = Math.cos(lat * toRad)
    let cellK = -1
    let cellKm = Infinity
    const reach2 = (CELL_REACH_KM * 1.01) ** 2
    for (const k of nearCells) {
      const c = this.cells[k]
      if (roughKm2(lat, lon, cos, c.lat, c.lon) > reach2) continue
      const km = haversineKm(lat, lon, c.lat, c.lon)
      if (km <= CELL_REACH_KM && (km < cellKm || (km === cellKm && k < cellK))) {
        cellK = k
        cellKm = km
      }
    }
    if (cellK >= 0) {
      // Near cells: the position's own cell, when it is a port cell, settles it.
      const token = cellToken(lat, lon)
      const own = this.cellByToken.get(token)
      if (own) return {portId: own.portId, place: own.kind, cell: token, distanceKm: haversineKm(lat, lon, own.lat, own.lon)}
    }
    let portK = -1
    let portKm = Infinity
    for (const k of nearPorts) {
      const p = this.ports[k]
      if (roughKm2(lat, lon, cos, p.lat, p.lon) > (p.radiusKm * 1.01) ** 2) continue
      const km = haversineKm(lat, lon, p.lat, p.lon)
      // Ports listed at the same position: the first in the list wins.
      if (km <= p.radiusKm && (km < portKm || (km === portKm && k < portK))) {
        portK = k
        portKm = km
      }
    }
    if (cellK >= 0 && cellKm <= portKm) {
      const c = this.cells[cellK]
      return {portId: c.portId, place: c.kind, cell: null, distanceKm: cellKm}
    }
    if (portK >= 0) return {portId: this.ports[portK].id, place: 'berth', cell: null, distanceKm: portKm}
    return null
  }

  /**
   * The cell nearest to the position within `maxKm` (of any port, any kind), or null. Positions far from
   * every cell (most of a world's reports: ships at sea) are answered from a coarse grid of where cells
   * are, without a search.
   */
  nearestCell(lat: number, lon: number, maxKm: number): CellDistance | null {
    if (this.cells.length === 0) return null
    if (maxKm <= CELL_GRID_REACH_KM && !(this.cellGrid ??= new CellGrid(this.cells)).near(lat, lon)) return null
    const candidates = candidatesWithin(this.cellIndex, lat, lon, maxKm)
    if (candidates.length === 0) return null
    const cos = Math.cos(lat * toRad)
    // The flat distance ranks the candidates; only those it cannot tell from the nearest (within its error,
    // a fraction of a per cent over a few km below 75 degrees of latitude; all of them nearer the poles)
    // are measured exactly. In a busy port a few km hold a hundred cells.
    let minRough2 = Infinity
    const rough2 = new Float64Array(candidates.length)
    for (let j = 0; j < candidates.length; j++) {
      const c = this.cells[candidates[j]]
      rough2[j] = roughKm2(lat, lon, cos, c.lat, c.lon)
      if (rough2[j] < minRough2) minRough2 = rough2[j]
    }
    const margin2 = Math.abs(lat) > 75 ? Infinity : (Math.sqrt(minRough2) * 1.02 + 0.001) ** 2
    const reach2 = (maxKm * 1.01) ** 2
    let best = -1
    let bestKm = Infinity
    for (let j = 0; j < candidates.length; j++) {
      if (rough2[j] > margin2 || rough2[j] > reach2) continue
      const k = candidates[j]
      const c = this.cells[k]
      const km = haversineKm(lat, lon, c.lat, c.lon)
      if (km <= maxKm && (km < bestKm || (km === bestKm && k < best))) {
        best = k
        bestKm = km
      }
    }
    return best < 0 ? null : {cell: this.cells[best], distanceKm: bestKm}
  }

  /** The port nearest to the position (its WPI position or any of its cells) within `maxKm`, or null. */
  nearestPort(lat: number, lon: number, maxKm: number): {portId: number; distanceKm: number} | null {
    let best: {portId: number; distanceKm: number} | null = null
    const port = geokdbush.around(this.portIndex, lon, lat, 1, maxKm) as number[]
    if (port.length > 0 && this.ports.length > 0) {
      const p = this.ports[port[0]]
      best = {portId: p.id, distanceKm: haversineKm(lat, lon, p.lat, p.lon)}
    }
    const cell = geokdbush.around(this.cellIndex, lon, lat, 1, maxKm) as number[]
    if (cell.length > 0 && this.cells.length > 0) {
      const c = this.cells[cell[0]]
      const km = haversineKm(lat, lon, c.lat, c.lon)
      if (!best || km < best.distanceKm) best = {portId: c.portId, distanceKm: km}
    }
    return best
  }
}

/** AIS navigational status: 1 at anchor, 5 moored. */
const AT_ANCHOR = 1
const MOORED = 5

/**
 * Where in a port a vessel lies, as the stop tracker settles it: its status first (moored is at berth, at
 * anchor is waiting), else the kind of the area that holds the position.
 */
export function placeInPort(hit: PortHit, navStatus: number | null): Place {
  if (navStatus === MOORED) return 'berth'
  if (navStatus === AT_ANCHOR) return 'anchorage'
  return hit.place
}
