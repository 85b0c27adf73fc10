// Tracks with a known truth: a vessel's voyage as legs (sailing straight at a speed, lying at a spot for a
// time), its reports on a fixed interval, and where it truly was at any moment in between.
import {haversineKm} from '../../src/services/geo/geometry.js'

export type LatLon = readonly [number, number]

export interface Leg {
  /** Sail from where the last leg ended to here... */
  to?: LatLon
  knots?: number
  /** ...or lie where the last leg ended for this long. */
  stayMs?: number
  /** Reported speed while lying (default 0). */
  sog?: number
  /** Navigational status reported on this leg (none when not given). */
  nav?: number
}

interface Segment {
  from: number
  to: number
  a: LatLon
  b: LatLon
  sog: number
  nav: number | undefined
}

export interface Voyage {
  start: number
  end: number
  /** When each leg began and ended. */
  legs: Array<{from: number; to: number}>
  /** Where the vessel was at `at`, and what it reported. */
  at(at: number): {lat: number; lon: number; sog: number; nav: number | undefined}
  /** Its reports every `everyMs` from the start (the first at the start), up to the end. */
  reports(everyMs: number): Array<{at: number; lat: number; lon: number; sog: number; nav: number | undefined}>
}

const KM_PER_NM = 1.852

export function voyage(start: number, from: LatLon, legs: Leg[]): Voyage {
  const segments: Segment[] = []
  let t = start
  let here = from
  for (const leg of legs) {
    if (leg.to) {
      const hours = haversineKm(here[0], here[1], leg.to[0], leg.to[1]) / KM_PER_NM / (leg.knots ?? 12)
      const ms = Math.round(hours * 3_600_000)
      segments.push({from: t, to: t + ms, a: here, b: leg.to, sog: leg.knots ?? 12, nav: leg.nav})
      t += ms
      here = leg.to
    } else {
      const ms = leg.stayMs ?? 0
      segments.push({from: t, to: t + ms, a: here, b: here, sog: leg.sog ?? 0, nav: leg.nav})
      t += ms
    }
  }
  const at = (time: number) => {
    const s = segments.find((g) => time <= g.to) ?? segments[segments.length - 1]
    const f = s.to === s.from ? 0 : Math.min(1, Math.max(0, (time - s.from) / (s.to - s.from)))
    return {lat: s.a[0] + (s.b[0] - s.a[0]) * f, lon: s.a[1] + (s.b[1] - s.a[1]) * f, sog: s.sog, nav: s.nav}
  }
  return {
    start,
    end: t,
    legs: segments.map((s) => ({from: s.from, to: s.to})),
    at,
    reports(everyMs) {
      const out = []
      for (let time = start; time <= t; time += everyMs) out.push({at: time, ...at(time)})
      return out
    },
  }
}

/** The distance in km from the position to the nearest of the points, measured to every one. */
export function nearestKm(points: ReadonlyArray<{lat: number; lon: number}>, lat: number, lon: number): number {
  let min = Infinity
  for (const p of points) min = Math.min(min, haversineKm(lat, lon, p.lat, p.lon))
  return min
}

/**
 * When the vessel truly came within `entryKm` of a point and when it next went `exitKm` or more from all of
 * them, found by following the voyage every 10 s and measuring to every point (no index, no grid).
 */
export function truthOfVisit(v: Voyage, points: ReadonlyArray<{lat: number; lon: number}>, entryKm: number, exitKm: number): {arrived: number; departed: number} {
  let arrived = Number.NaN
  for (let t = v.start; t <= v.end; t += 10_000) {
    const p = v.at(t)
    const km = nearestKm(points, p.lat, p.lon)
    if (Number.isNaN(arrived)) {
      if (km <= entryKm) arrived = t
    } else if (km >= exitKm) return {arrived, departed: t}
  }
  return {arrived, departed: Number.NaN}
}
