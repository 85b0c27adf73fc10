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

/**
 * Grid buckets of 0.05° (about 5.5 km): each bucket lists the ports and cells whose reach overlaps it, so
 * a position is compared only with those (and a position at sea, in no bucket, with nothing). Measured
 * 3-4x faster than two KDBush range queries per position at 200,000 vessels.
 */
const GRID_DEG = 0.05
const GRID_LON = Math.round(360 / GRID_DEG)
const GRID_LAT = Math.round(180 / GRID_DEG)

const gridLat = (lat: number) => Math.min(GRID_LAT - 1, Math.max(0, Math.floor((lat + 90) / GRID_DEG)))
const gridLon = (lon: number) => (((Math.floor((lon + 180) / GRID_DEG) % GRID_LON) + GRID_LON) % GRID_LON)

/** Adds item `k` to every bucket within `km` of the point (a little wider: great circles bow poleward). */
function register(buckets: Map<number, number[]>, k: number, lat: number, lon: number, km: number): void {
  const dLat = (km / KM_PER_DEGREE) * 1.1
  const cos = Math.cos((Math.min(90, Math.abs(lat) + dLat) * Math.PI) / 180)
  const dLon = cos > 1e-6 ? Math.min(180, dLat / cos) : 180
  const lonCells = Math.min(GRID_LON, Math.floor((lon + dLon + 180) / GRID_DEG) - Math.floor((lon - dLon + 180) / GRID_DEG) + 1)
  const firstLon = gridLon(lon - dLon)
  for (let i = gridLat(lat - dLat); i <= gridLat(lat + dLat); i++) {
    for (let j = 0; j < lonCells; j++) {
      const key = i * GRID_LON + ((firstLon + j) % GRID_LON)
      const list = buckets.get(key)
      if (list) list.push(k)
      else buckets.set(key, [k])
    }
  }
}

const toRad = Math.PI / 180

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
  index.finish()
  return index
}

export class PortAreas {
  private readonly portIndex: KDBush
  private readonly cellIndex: KDBush
  private readonly cellByToken: Map<string, AreaCell>
  private readonly portBuckets = new Map<number, number[]>()
  private readonly cellBuckets = new Map<number, number[]>()

  constructor(
    readonly ports: AreaPort[],
    readonly cells: AreaCell[],
  ) {
    this.portIndex = buildIndex(ports)
    this.cellIndex = buildIndex(cells)
    this.cellByToken = new Map(cells.map((c) => [c.cell, c]))
    ports.forEach((p, k) => register(this.portBuckets, k, p.lat, p.lon, p.radiusKm))
    cells.forEach((c, k) => register(this.cellBuckets, k, c.lat, c.lon, CELL_REACH_KM))
  }

  /** The port whose area holds the position, or null. */
  locate(lat: number, lon: number): PortHit | null {
    const key = gridLat(lat) * GRID_LON + gridLon(lon)
    const nearCells = this.cellBuckets.get(key)
    const nearPorts = this.portBuckets.get(key)
    if (!nearCells && !nearPorts) return null
    // The flat test may err by a fraction of a per cent over a few km: a margin keeps it from rejecting
    // what the exact distance would accept.
    const cos = Math.cos(lat * toRad)
    let cellK = -1
    let cellKm = Infinity
    if (nearCells) {
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
    }
    if (cellK >= 0) {
      // Near cells: the position's own cell, when it is a port cell, settles it.
      const token = cellToken(lat, lon)
      const own = this.cellByToken.get(token)
      if (own) return {portId: own.portId, place: own.kind, cell: token, distanceKm: haversineKm(lat, lon, own.lat, own.lon)}
    }
    let portK = -1
    let portKm = Infinity
    if (nearPorts) {
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
