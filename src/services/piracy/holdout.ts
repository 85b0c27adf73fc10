// How well risk areas predict: zones built from the incidents before a date, measured against the
// piracy incidents from that date on (share held), with the area of their union and its share of land.
import type {PiracyLoad} from '../datasets/piracy.js'
import {landAreaKm2, unionAreaKm2} from '../geo/area.js'
import {pointInGeometry, type ZoneGeometry} from '../geo/geometry.js'
import type {LandOutline} from '../geo/land.js'
import type {RiskAreaSettings} from './risk-areas.js'
import {buildPiracyZones, classifyIncidents} from './zones.js'

export interface ZoneFigures {
  zones: number
  /** Incidents inside at least one zone. */
  held: number
  incidents: number
  heldShare: number
  /** Area of the zones' union (geodesic, WGS84). */
  areaKm2: number
  landKm2: number
  landShare: number
}

/** Share of the incidents held by the zones, the area of the zones' union and the land in it. */
export function measureZones(geometries: ZoneGeometry[], incidents: Array<{lon: number; lat: number}>, land: LandOutline): ZoneFigures {
  const held = incidents.filter((i) => geometries.some((g) => pointInGeometry(g, i.lon, i.lat))).length
  const {areaKm2, union} = unionAreaKm2(geometries)
  const landKm2 = landAreaKm2(union, land)
  return {
    zones: geometries.length,
    held,
    incidents: incidents.length,
    heldShare: incidents.length === 0 ? 0 : held / incidents.length,
    areaKm2,
    landKm2,
    landShare: areaKm2 === 0 ? 0 : landKm2 / areaKm2,
  }
}

/** The records before `splitAt` and the piracy incidents from it on (the type filter applied to the latter). */
export function splitAt(load: PiracyLoad, at: number): {before: PiracyLoad; after: Array<{reference: string; lon: number; lat: number; occurredAt: number}>} {
  const before = {...load, incidents: load.incidents.filter((i) => i.occurredAt < at)}
  const after = classifyIncidents(load.incidents.filter((i) => i.occurredAt >= at)).piracy
  return {before, after}
}

/** Zones built from the records before `at`, measured against the piracy incidents from `at` on. */
export function piracyHoldout(load: PiracyLoad, at: number, settings: RiskAreaSettings, land: LandOutline): ZoneFigures & {bufferKm: number} {
  const {before, after} = splitAt(load, at)
  const build = buildPiracyZones(before, settings, land, {source: 'emergency', origin: 'fallback'})
  return {...measureZones(build.drafts.map((d) => d.geometry), after, land), bufferKm: build.summary.buffer_km}
}
