// NWS zone outlines for replaying alert captures. The project holds the real outline of one zone only
// (test/fixtures/weather/nws-zone-PKZ413.json); every other zone gets a SYNTHETIC outline: a square of
// 0.5° at a place of its own on a grid over the open Pacific, in the shape api.weather.gov answers
// `GET /zones/forecast/{id}` with, and named "SYNTHETIC test outline" in its properties. The squares are
// not where the zones are; they only give each zone an outline no other zone overlaps.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from './cli.js'
import type {FaultServer} from './fault-server.js'
import {isMarineEvent} from '../../src/services/safety/storm-severity.js'

export const REAL_ZONES: Record<string, string> = {
  '/zones/forecast/PKZ413': readFileSync(join(ROOT, 'test', 'fixtures', 'weather', 'nws-zone-PKZ413.json'), 'utf8'),
}

const ZONE_URL = /^https:\/\/api\.weather\.gov(\/zones\/(forecast|offshore|coastal|marine|public|county|fire)\/[A-Z]{2,3}\d{3})$/

export interface CaptureAlert {
  id: string
  event: string
  geometry: unknown
  zones: string[]
  /** References that are not NWS zone URLs (upstream's test alerts carry `https://every-alert/zone`). */
  otherRefs: string[]
  properties: Record<string, unknown>
}

/** The marine alerts of a capture, with the paths of the NWS zones each names. */
export function marineAlertsOf(captureText: string): CaptureAlert[] {
  const capture = JSON.parse(captureText) as {features: Array<{geometry: unknown; properties: Record<string, unknown> & {id: string; event: string; affectedZones?: string[]}}>}
  return capture.features
    .filter((f) => isMarineEvent(f.properties.event))
    .map((f) => {
      const refs = f.properties.affectedZones ?? []
      const zones = [...new Set(refs.map((r) => ZONE_URL.exec(r)?.[1]).filter((p): p is string => p !== undefined))]
      return {id: f.properties.id, event: f.properties.event, geometry: f.geometry, zones, otherRefs: refs.filter((r) => !ZONE_URL.test(r)), properties: f.properties}
    })
}

/** Every zone path the geometry-less marine alerts of a capture name, sorted. */
export function zonesNamed(alerts: CaptureAlert[]): string[] {
  return [...new Set(alerts.filter((a) => a.geometry === null).flatMap((a) => a.zones))].sort()
}

/** The SYNTHETIC outline of the `index`th zone: a 0.5° square on a 1° grid, 20 columns wide, from 160°W 30°S. */
export function syntheticSquare(index: number): {lon: number; lat: number; ring: number[][]} {
  const lon = -160 + (index % 20)
  const lat = -30 + Math.floor(index / 20)
  return {lon: lon + 0.25, lat: lat + 0.25, ring: [[lon, lat], [lon + 0.5, lat], [lon + 0.5, lat + 0.5], [lon, lat + 0.5], [lon, lat]]}
}

export function syntheticZone(path: string, index: number): string {
  const id = path.slice(path.lastIndexOf('/') + 1)
  return JSON.stringify({
    id: `https://api.weather.gov${path}`,
    type: 'Feature',
    geometry: {type: 'Polygon', coordinates: [syntheticSquare(index).ring]},
    properties: {'@id': `https://api.weather.gov${path}`, '@type': 'wx:Zone', id, type: 'offshore', name: `SYNTHETIC test outline for ${id}`},
  })
}

/**
 * Scripts the fault server to answer each zone path with its outline (real where the project has one), or
 * with HTTP 500 for the paths in `failing`. A path's outline depends on its place in `paths` only.
 */
export function serveZones(server: FaultServer, paths: string[], failing: ReadonlySet<string> = new Set()): void {
  paths.forEach((path, i) => server.script(path, [failing.has(path) ? {status: 500} : {ok: REAL_ZONES[path] ?? syntheticZone(path, i)}]))
}
