// Which port's limits a position lies in: a KDBush index over port positions, queried with the box the
// largest port radius spans around the position (wrapping at the antimeridian), exact distance after.
import KDBush from 'kdbush'

import {haversineKm} from '../geo/geometry.js'

export interface IndexedPort {
  lat: number
  lon: number
  radiusKm: number
}

const KM_PER_DEGREE = 111.195

export class PortIndex<P extends IndexedPort> {
  private readonly index: KDBush
  private readonly maxRadiusKm: number

  constructor(readonly ports: P[]) {
    this.index = new KDBush(Math.max(1, ports.length))
    for (const p of ports) this.index.add(p.lon, p.lat)
    this.index.finish()
    this.maxRadiusKm = ports.reduce((max, p) => Math.max(max, p.radiusKm), 0)
  }

  /** The nearest port whose own limits contain the position (limits overlap in busy estuaries), or null. */
  portAt(lat: number, lon: number): {port: P; distanceKm: number} | null {
    if (this.ports.length === 0) return null
    // A little wider than the radius: a great circle between two points bows poleward of their parallels,
    // and the port may lie nearer the pole than the position.
    const dLat = (this.maxRadiusKm / KM_PER_DEGREE) * 1.1
    const cos = Math.cos((Math.min(90, Math.abs(lat) + dLat) * Math.PI) / 180)
    const dLon = cos > 1e-6 ? Math.min(180, dLat / cos) : 180
    let best = -1
    let bestKm = Infinity
    const consider = (ids: number[]) => {
      for (const k of ids) {
        const p = this.ports[k]
        const km = haversineKm(lat, lon, p.lat, p.lon)
        // Ports listed at the same position: the first in the list wins, whatever order the index returns.
        if (km <= p.radiusKm && (km < bestKm || (km === bestKm && k < best))) {
          best = k
          bestKm = km
        }
      }
    }
    const minLat = lat - dLat
    const maxLat = lat + dLat
    consider(this.index.range(Math.max(-180, lon - dLon), minLat, Math.min(180, lon + dLon), maxLat))
    if (lon - dLon < -180) consider(this.index.range(lon - dLon + 360, minLat, 180, maxLat))
    if (lon + dLon > 180) consider(this.index.range(-180, minLat, lon + dLon - 360, maxLat))
    return best >= 0 ? {port: this.ports[best], distanceKm: bestKm} : null
  }
}
