// Stored ports, zones and events as the world map's layers, with the labels the map shows: one reading for
// the report and the web page.
import type {SafetyEvent} from '../db/events.js'
import type {CongestionLevel, SafetyZone} from '../db/schema.js'
import {asZoneGeometry} from '../geo/geometry.js'
import {ZONE_STYLES} from './palette.js'
import type {MapEvent, MapPort, MapZone} from './world-map.js'

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

/** A port's name and the first code it has. */
export function portLabel(p: {id: number; name: string; unlocode: string | null; wpiNumber: string | null; country: string | null}): string {
  return `${p.name} (${p.unlocode ?? p.wpiNumber ?? p.country ?? p.id})`
}

export function portOnMap(p: {id: number; name: string; unlocode: string | null; wpiNumber: string | null; country: string | null; lon: number; lat: number}, level: CongestionLevel): MapPort {
  return {lon: p.lon, lat: p.lat, level, label: portLabel(p)}
}

/** A zone with a geometry the map can draw; null for one without. */
export function zoneOnMap(z: SafetyZone): MapZone | null {
  const geometry = asZoneGeometry(z.geometry)
  if (!geometry) return null
  return {kind: z.kind, geometry, label: `${ZONE_STYLES[z.kind].word}: ${z.name ?? z.externalId} (${z.severity}, ${z.source})`}
}

/** An event with a position; null for one without. */
export function eventOnMap(e: SafetyEvent): MapEvent | null {
  if (e.lat === null || e.lon === null) return null
  return {lon: e.lon, lat: e.lat, type: e.type, label: `${e.title} (${e.severity}, ${utc(e.createdAt)} UTC)`}
}
