// The report's world map: Natural Earth land (world-atlas, 1:50m) in the Natural Earth projection (d3-geo),
// open safety zones, ports by congestion level and the period's events, with a legend in words, as one SVG;
// and that SVG as a PNG rendered by resvg, with no browser.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import {geoArea, geoGraticule, geoNaturalEarth1, geoPath, type GeoPermissibleObjects, type GeoProjection} from 'd3-geo'
import {feature} from 'topojson-client'

import type {CongestionLevel, EventType, ZoneKind} from '../db/schema.js'
import type {Ring, ZoneGeometry} from '../geo/geometry.js'
import {COASTLINE, EVENT_STYLES, GRATICULE, LAND, PORT_STYLES, SEA, ZONE_FILL_OPACITY, ZONE_STYLES} from './palette.js'

/** 1:50m: coasts stay sharp at this width (1:110m loses straits and islands), and it projects in tens of ms. */
export const LAND_SCALE = '50m'
export const MAP_WIDTH = 1600
const PAD = 10
const LEGEND_HEIGHT = 96
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
const SPHERE = {type: 'Sphere'} as const

export interface MapPort {
  lon: number
  lat: number
  level: CongestionLevel
  /** Name and code, shown on hover. */
  label: string
}

export interface MapZone {
  kind: ZoneKind
  label: string
  geometry: ZoneGeometry
}

export interface MapEvent {
  lon: number
  lat: number
  type: EventType
  label: string
}

export interface MapLayers {
  title: string
  ports: MapPort[]
  zones: MapZone[]
  events: MapEvent[]
}

export interface MapFrame {
  projection: GeoProjection
  width: number
  /** The map without the legend strip below it. */
  mapHeight: number
  height: number
}

let frame: MapFrame | undefined

/** The projection every map is drawn in: the whole sphere fitted to the map's width. */
export function mapFrame(): MapFrame {
  if (frame) return frame
  const projection = geoNaturalEarth1().fitWidth(MAP_WIDTH - 2 * PAD, SPHERE)
  const [[x0, y0], [, y1]] = geoPath(projection).bounds(SPHERE)
  const [tx, ty] = projection.translate()
  projection.translate([tx + PAD - x0, ty + PAD - y0])
  const mapHeight = Math.ceil(y1 - y0 + 2 * PAD)
  frame = {projection, width: MAP_WIDTH, mapHeight, height: mapHeight + LEGEND_HEIGHT}
  return frame
}

export function landDescription(): string {
  const require = createRequire(import.meta.url)
  const version = (JSON.parse(readFileSync(require.resolve('world-atlas/package.json'), 'utf8')) as {version: string}).version
  return `world-atlas ${version} land-${LAND_SCALE} (Natural Earth 1:50m)`
}

let landPath: string | undefined

/** The land as one SVG path in the map's projection, made once per process (the projection never changes). */
function projectedLand(): string {
  if (landPath !== undefined) return landPath
  const require = createRequire(import.meta.url)
  type Topology = Parameters<typeof feature>[0] & {objects: {land: Parameters<typeof feature>[1]}}
  const topology = JSON.parse(readFileSync(require.resolve(`world-atlas/land-${LAND_SCALE}.json`), 'utf8')) as Topology
  const land = feature(topology, topology.objects.land) as unknown as GeoPermissibleObjects
  landPath = geoPath(mapFrame().projection).digits(1)(land) ?? ''
  return landPath
}

/**
 * Stored zones follow RFC 7946 (outer rings counter-clockwise in longitude and latitude); d3-geo reads rings
 * on the sphere, where that winding means everything but the zone. A polygon covering more than half the
 * sphere is read the wrong way round, so its rings are reversed.
 */
function sphericalPolygons(geometry: ZoneGeometry): Array<{type: 'Polygon'; coordinates: Ring[]}> {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
  return polygons.map((rings) => {
    const polygon = {type: 'Polygon' as const, coordinates: rings}
    return geoArea(polygon) > 2 * Math.PI ? {type: 'Polygon' as const, coordinates: rings.map((ring) => [...ring].reverse())} : polygon
  })
}

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&${{'&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos'}[c]};`)
const round = (n: number) => Math.round(n * 10) / 10

export interface DrawnMap {
  svg: string
  width: number
  height: number
  portsDrawn: number
  zonesDrawn: number
  eventsDrawn: number
}

/** The map as a standalone SVG document (also inlined as is in the HTML page). */
export function drawWorldMap(layers: MapLayers): DrawnMap {
  const {projection, width, height, mapHeight} = mapFrame()
  const path = geoPath(projection).digits(1)
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="map-title" font-family="${FONT}">`,
    `<title id="map-title">${escapeXml(layers.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<path d="${path(SPHERE)}" fill="${SEA}"/>`,
    `<path d="${path(geoGraticule().step([30, 30])())}" fill="none" stroke="${GRATICULE}" stroke-width="0.6"/>`,
    `<path d="${projectedLand()}" fill="${LAND}" stroke="${COASTLINE}" stroke-width="0.5" stroke-linejoin="round"/>`,
  )

  let zonesDrawn = 0
  for (const kind of ['storm', 'piracy', 'congestion'] as const) {
    const zones = layers.zones.filter((z) => z.kind === kind)
    if (zones.length === 0) continue
    const {colour} = ZONE_STYLES[kind]
    out.push(`<g class="zones-${kind}" fill="${colour}" fill-opacity="${ZONE_FILL_OPACITY}" stroke="${colour}" stroke-width="1.2" stroke-linejoin="round">`)
    for (const zone of zones) {
      const d = sphericalPolygons(zone.geometry)
        .map((p) => path(p) ?? '')
        .join('')
      if (!d) continue
      zonesDrawn++
      out.push(`<path d="${d}"><title>${escapeXml(zone.label)}</title></path>`)
    }
    out.push('</g>')
  }

  let portsDrawn = 0
  for (const style of PORT_STYLES) {
    const ports = layers.ports.filter((p) => p.level === style.level)
    if (ports.length === 0) continue
    const ring = style.ring ? ` stroke="${style.ring}" stroke-width="1"` : ''
    out.push(`<g class="ports-${style.level}" fill="${style.fill}"${ring}>`)
    // Ports without data are the many: drawn without a hover label to keep the page light.
    const labelled = style.level !== 'no_data'
    for (const port of ports) {
      const xy = projection([port.lon, port.lat])
      if (!xy) continue
      portsDrawn++
      const circle = `<circle cx="${round(xy[0])}" cy="${round(xy[1])}" r="${style.radius}"`
      out.push(labelled ? `${circle}><title>${escapeXml(`${port.label}: ${style.word}`)}</title></circle>` : `${circle}/>`)
    }
    out.push('</g>')
  }

  let eventsDrawn = 0
  for (const [type, style] of Object.entries(EVENT_STYLES) as Array<[EventType, (typeof EVENT_STYLES)[EventType]]>) {
    const events = layers.events.filter((e) => e.type === type)
    if (events.length === 0) continue
    out.push(`<g class="events-${type}" fill="${style.colour}" stroke="#000000" stroke-width="0.8">`)
    for (const event of events) {
      const xy = projection([event.lon, event.lat])
      if (!xy) continue
      eventsDrawn++
      const [x, y] = [round(xy[0]), round(xy[1])]
      out.push(`<path d="M${x} ${y - 5.5}l5.5 5.5-5.5 5.5-5.5-5.5z"><title>${escapeXml(`${style.word}: ${event.label}`)}</title></path>`)
    }
    out.push('</g>')
  }

  out.push(`<path d="${path(SPHERE)}" fill="none" stroke="#7a8a99" stroke-width="1"/>`)
  out.push(legend(mapHeight, layers))
  out.push('</svg>')
  return {svg: out.join('\n'), width, height, portsDrawn, zonesDrawn, eventsDrawn}
}

/** The strip under the map: every symbol with its word. */
function legend(top: number, layers: MapLayers): string {
  const out: string[] = [`<g class="legend" font-size="13" fill="#222222">`]
  const rowY = (k: number) => top + 18 + k * 24
  out.push(`<text x="${PAD}" y="${rowY(0) + 4}" font-weight="bold">${escapeXml(layers.title)}</text>`)
  let x = PAD
  const label = (y: number, text: string) => {
    out.push(`<text x="${x}" y="${y + 4.5}">${escapeXml(text)}</text>`)
    x += Math.ceil(text.length * 7.4) + 22
  }
  // Row 1: ports by level, and the zone kinds.
  x = PAD
  let y = rowY(1)
  label(y, 'Ports by congestion:')
  for (const style of [...PORT_STYLES].reverse()) {
    const ring = style.ring ? ` stroke="${style.ring}" stroke-width="1"` : ''
    out.push(`<circle cx="${x + 7}" cy="${y}" r="${Math.max(style.radius, 3)}" fill="${style.fill}"${ring}/>`)
    x += 18
    label(y, style.word)
  }
  x += 16
  label(y, 'Zones:')
  for (const [kind, style] of Object.entries(ZONE_STYLES)) {
    out.push(`<rect class="legend-zone-${kind}" x="${x}" y="${y - 7}" width="18" height="14" fill="${style.colour}" fill-opacity="${ZONE_FILL_OPACITY}" stroke="${style.colour}" stroke-width="1.2"/>`)
    x += 24
    label(y, style.word)
  }
  // Row 2: event types.
  x = PAD
  y = rowY(2)
  label(y, 'Events:')
  for (const style of Object.values(EVENT_STYLES)) {
    out.push(`<path d="M${x + 6} ${y - 5.5}l5.5 5.5-5.5 5.5-5.5-5.5z" fill="${style.colour}" stroke="#000000" stroke-width="0.8"/>`)
    x += 18
    label(y, style.word)
  }
  out.push('</g>')
  return out.join('\n')
}

/** The SVG as a PNG, rendered by resvg (a native library shipped in the npm package: no browser, no network). */
export async function renderPng(svg: string): Promise<Buffer> {
  const {Resvg} = await import('@resvg/resvg-js')
  const resvg = new Resvg(svg, {fitTo: {mode: 'original'}, font: {loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans'}})
  return resvg.render().asPng()
}
