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

/** KDBush range query of a box `km` around a point, split at the antimeridian. */
function around(index: KDBush, lat: number, lon: number, km: number, visit: (id: number) => void): void {
  // A little wider: a great circle between two points bows poleward of their parallels.
  const dLat = (km / KM_PER_DEGREE) * 1.1
  const cos = Math.cos((Math.min(90, Math.abs(lat) + dLat) * Math.PI) / 180)
  const dLon = cos > 1e-6 ? Math.min(180, dLat / cos) : 180
  const minLat = lat - dLat
  const maxLat = lat + dLat
  for (const id of index.range(Math.max(-180, lon - dLon), minLat, Math.min(180, lon + dLon), maxLat)) visit(id)
  if (lon - dLon < -180) for (const id of index.range(lon - dLon + 360, minLat, 180, maxLat)) visit(id)
  if (lon + dLon > 180) for (const id of index.range(-180, minLat, lon + dLon - 360, maxLat)) visit(id)
}

function buildIndex(points: Array<{lat: number; lon: number}>): KDBush {
  const index = new KDBush(Math.max(1, points.length))
  for (const p of points) index.add(p.lon, p.lat)
  index.finish()
  return index
}

export class PortAreas {
  private readonly portIndex: KDBush
  private readonly cellIndex: KDBush
  private readonly cellByToken: Map<string, AreaCell>
  private readonly maxRadiusKm: number
  readonly cellCounts: Map<number, number>

  constructor(
    readonly ports: AreaPort[],
    readonly cells: AreaCell[],
  ) {
    this.portIndex = buildIndex(ports)
    this.cellIndex = buildIndex(cells)
    this.cellByToken = new Map(cells.map((c) => [c.cell, c]))
    this.maxRadiusKm = ports.reduce((max, p) => Math.max(max, p.radiusKm), 0)
    this.cellCounts = new Map()
    for (const c of cells) this.cellCounts.set(c.portId, (this.cellCounts.get(c.portId) ?? 0) + 1)
  }

  hasCell(token: string): boolean {
    return this.cellByToken.has(token)
  }

  /** The port whose area holds the position, or null. */
  locate(lat: number, lon: number): PortHit | null {
    let cellK = -1
    let cellKm = Infinity
    if (this.cells.length > 0) {
      around(this.cellIndex, lat, lon, CELL_REACH_KM, (k) => {
        const c = this.cells[k]
        const km = haversineKm(lat, lon, c.lat, c.lon)
        if (km <= CELL_REACH_KM && (km < cellKm || (km === cellKm && k < cellK))) {
          cellK = k
          cellKm = km
        }
      })
    }
    if (cellK >= 0) {
      // Near cells: the position's own cell, when it is a port cell, settles it.
      const token = cellToken(lat, lon)
      const own = this.cellByToken.get(token)
      if (own) return {portId: own.portId, place: own.kind, cell: token, distanceKm: haversineKm(lat, lon, own.lat, own.lon)}
    }
    let portK = -1
    let portKm = Infinity
    if (this.ports.length > 0) {
      around(this.portIndex, lat, lon, this.maxRadiusKm, (k) => {
        const p = this.ports[k]
        const km = haversineKm(lat, lon, p.lat, p.lon)
        // Ports listed at the same position: the first in the list wins, whatever order the index returns.
        if (km <= p.radiusKm && (km < portKm || (km === portKm && k < portK))) {
          portK = k
          portKm = km
        }
      })
    }
    if (cellK >= 0 && cellKm <= portKm) {
      const c = this.cells[cellK]
      return {portId: c.portId, place: c.kind, cell: null, distanceKm: cellKm}
    }
    if (portK >= 0) return {portId: this.ports[portK].id, place: 'berth', cell: null, distanceKm: portKm}
    return null
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
