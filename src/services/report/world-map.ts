// The world map of the report and the web page: Natural Earth land (world-atlas) in the Natural Earth projection
// (d3-geo), open safety zones, ports by congestion level and events, with a legend in words, as one SVG; on the
// page each marker and zone is a link to its details; and that SVG as a PNG rendered by resvg, with no browser.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import {geoArea, geoGraticule, geoNaturalEarth1, geoPath, type GeoPermissibleObjects, type GeoProjection} from 'd3-geo'
import {feature} from 'topojson-client'

import type {CongestionLevel, EventType, ZoneKind} from '../db/schema.js'
import type {Ring, ZoneGeometry} from '../geo/geometry.js'
import {COASTLINE, EVENT_STYLES, GRATICULE, LAND, PORT_STYLES, SEA, ZONE_FILL_OPACITY, ZONE_STYLES} from './palette.js'

/** Natural Earth's scales shipped in world-atlas: the land outline's detail. */
export type LandScale = '50m' | '110m'
/** 1:50m: coasts stay sharp at this width (1:110m loses straits and islands), and it projects in tens of ms. */
export const LAND_SCALE: LandScale = '50m'
export const MAP_WIDTH = 1600
const PAD = 10
const LEGEND_HEIGHT = 96
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
const SPHERE = {type: 'Sphere'} as const

/** Where a marker or zone leads on the web page (its details), and the element's id there. */
export interface MapLink {
  href: string
  id: string
  /** Marked as the one whose details are shown. */
  current?: boolean
}

export interface MapPort {
  lon: number
  lat: number
  level: CongestionLevel
  /** Name and code, shown on hover. */
  label: string
  link?: MapLink
}

export interface MapZone {
  kind: ZoneKind
  label: string
  geometry: ZoneGeometry
  link?: MapLink
  /** What identifies this geometry (a stored zone's id and update time): its projected outline is kept under it. */
  key?: string
}

/** Projected zone outlines by key: the page draws the same zones at every refresh. Emptied when it grows past the cap. */
const zonePaths = new Map<string, string>()
const ZONE_PATHS_KEPT = 5000

export interface MapEvent {
  lon: number
  lat: number
  type: EventType
  label: string
  link?: MapLink
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

export function landDescription(scale: LandScale = LAND_SCALE): string {
  const require = createRequire(import.meta.url)
  const version = (JSON.parse(readFileSync(require.resolve('world-atlas/package.json'), 'utf8')) as {version: string}).version
  return `world-atlas ${version} land-${scale} (Natural Earth 1:${scale})`
}

/** The map's unchanging layers (sphere, graticule, land) as SVG paths, per land scale. */
const backgrounds = new Map<LandScale, {sphere: string; graticule: string; land: string}>()

/** Made once per process and scale (the projection never changes): the page's server time stays in milliseconds. */
export function mapBackground(scale: LandScale = LAND_SCALE): {sphere: string; graticule: string; land: string} {
  const kept = backgrounds.get(scale)
  if (kept) return kept
  const require = createRequire(import.meta.url)
  type Topology = Parameters<typeof feature>[0] & {objects: {land: Parameters<typeof feature>[1]}}
  const topology = JSON.parse(readFileSync(require.resolve(`world-atlas/land-${scale}.json`), 'utf8')) as Topology
  const land = feature(topology, topology.objects.land) as unknown as GeoPermissibleObjects
  const path = geoPath(mapFrame().projection).digits(1)
  const made = {sphere: path(SPHERE) ?? '', graticule: path(geoGraticule().step([30, 30])()) ?? '', land: path(land) ?? ''}
  backgrounds.set(scale, made)
  return made
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

export interface DrawOptions {
  /** The land's detail: the report's 1:50m by default; the web page sends 1:110m (a tenth of the bytes). */
  land?: LandScale
  /** The legend strip under the map (the page writes its legend in HTML, readable on a phone). */
  legend?: boolean
  /** Markers this many times the report's size (the page's map is drawn smaller than 1600 px). */
  markerScale?: number
}

/**
 * A marker or zone: on the page a link (focusable, with its label for screen readers and its kind and level
 * as data attributes), in the report the shape with its hover title.
 */
function item(shape: string, label: string, link: MapLink | undefined, data: Record<string, string>): string {
  const title = `<title>${escapeXml(label)}</title>`
  if (!link) return shape.endsWith('/>') ? `${shape.slice(0, -2)}>${title}</${shape.slice(1, shape.indexOf(' '))}>` : shape
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${escapeXml(v)}"`)
    .join('')
  const current = link.current ? ' aria-current="true"' : ''
  return `<a href="${escapeXml(link.href)}" id="${escapeXml(link.id)}" class="marker"${attrs} aria-label="${escapeXml(label)}"${current}>${title}${shape}</a>`
}

/** The map as a standalone SVG document (also inlined as is in the report's HTML and the web page). */
export function drawWorldMap(layers: MapLayers, options: DrawOptions = {}): DrawnMap {
  const {projection, width, mapHeight} = mapFrame()
  const withLegend = options.legend ?? true
  const height = withLegend ? mapHeight + LEGEND_HEIGHT : mapHeight
  const scale = options.markerScale ?? 1
  const background = mapBackground(options.land ?? LAND_SCALE)
  const path = geoPath(projection).digits(1)
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="map-title" font-family="${FONT}">`,
    `<title id="map-title">${escapeXml(layers.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<path d="${background.sphere}" fill="${SEA}"/>`,
    `<path d="${background.graticule}" fill="none" stroke="${GRATICULE}" stroke-width="0.6"/>`,
    `<path d="${background.land}" fill="${LAND}" stroke="${COASTLINE}" stroke-width="0.5" stroke-linejoin="round"/>`,
  )

  let zonesDrawn = 0
  for (const kind of ['storm', 'piracy', 'congestion'] as const) {
    const zones = layers.zones.filter((z) => z.kind === kind)
    if (zones.length === 0) continue
    const {colour} = ZONE_STYLES[kind]
    out.push(`<g class="zones-${kind}" fill="${colour}" fill-opacity="${ZONE_FILL_OPACITY}" stroke="${colour}" stroke-width="1.2" stroke-linejoin="round">`)
    for (const zone of zones) {
      let d = zone.key === undefined ? undefined : zonePaths.get(zone.key)
      if (d === undefined) {
        d = sphericalPolygons(zone.geometry)
          .map((p) => path(p) ?? '')
          .join('')
        if (zone.key !== undefined) {
          if (zonePaths.size >= ZONE_PATHS_KEPT) zonePaths.clear()
          zonePaths.set(zone.key, d)
        }
      }
      if (!d) continue
      zonesDrawn++
      out.push(item(`<path d="${d}"/>`, zone.label, zone.link, {kind: 'zone', zone: kind}))
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
      const circle = `<circle cx="${round(xy[0])}" cy="${round(xy[1])}" r="${round(style.radius * scale)}"/>`
      out.push(labelled || port.link ? item(circle, `${port.label}: ${style.word}`, port.link, {kind: 'port', level: style.level}) : circle)
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
      const [x, y, r] = [round(xy[0]), round(xy[1]), round(5.5 * scale)]
      out.push(item(`<path d="M${x} ${round(y - r)}l${r} ${r}-${r} ${r}-${r}-${r}z"/>`, `${style.word}: ${event.label}`, event.link, {kind: 'event', event: type}))
    }
    out.push('</g>')
  }

  out.push(`<path d="${background.sphere}" fill="none" stroke="#7a8a99" stroke-width="1"/>`)
  if (withLegend) out.push(legend(mapHeight, layers))
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
