// What the web page's map shows, read through the services the CLI uses: the ports `ports congestion` lists
// (those with congestion data), the zones in force, the recent events, each drawn as a link to its details,
// and the details of the one asked for.
import type {Context} from '../context.js'
import {type ListedEvent, listEvents} from '../db/events.js'
import {congestionVersion} from '../db/port-congestion.js'
import {read} from '../db/query.js'
import type {SafetyZone} from '../db/schema.js'
import {listZones, zoneById} from '../db/zones.js'
import {type PortCongestionEntry, congestionReport} from '../ports/congestion-report.js'
import {eventOnMap, portLabel, zoneOnMap} from '../report/map-layers.js'
import type {MapEvent, MapLayers, MapLink, MapZone} from '../report/world-map.js'

/** Events created this long ago or since are the map's recent events. */
export const RECENT_EVENTS_HOURS = 24
/** The newest recent events drawn on the map; the table pages through all of them. */
export const EVENT_MARKERS_MAX = 500
/** Rows of the ports and events tables under the map. */
export const PORTS_LISTED = 20
export const EVENTS_LISTED = 20
export const ZONES_LISTED = 25

export type MapItemKind = 'port' | 'zone' | 'event'
export interface MapSelection {
  kind: MapItemKind
  id: number
}

export type MapDetails =
  | {kind: 'port'; port: PortCongestionEntry}
  | {kind: 'zone'; zone: SafetyZone; inForce: boolean}
  | {kind: 'event'; event: ListedEvent}
  | {kind: 'missing'; selection: MapSelection}

export interface MapPageData {
  now: number
  since: number
  /** Ports with congestion data, worst first (as `ports congestion` lists them). */
  ports: PortCongestionEntry[]
  zones: SafetyZone[]
  /** The recent events drawn (newest first, at most EVENT_MARKERS_MAX); `eventsWithoutPosition` of them are not on the map. */
  events: ListedEvent[]
  eventsWithoutPosition: number
  layers: MapLayers
  details: MapDetails | null
}

/** Where an item's details are: the map page with the item chosen, scrolled to the details panel. */
export function detailsHref(kind: MapItemKind, id: number): string {
  return `/map?${kind}=${id}#details`
}

/** The marker's element id on the page. */
export const markerId = (kind: MapItemKind, id: number) => `${kind}-${id}`

/** The chosen item from the page's query (`?port=12`, `?zone=3`, `?event=40`); null when none or not a whole number. */
export function selectionOf(query: Record<string, unknown>): MapSelection | null {
  for (const kind of ['port', 'zone', 'event'] as const) {
    const value = query[kind]
    if (typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value)) return {kind, id: Number(value)}
  }
  return null
}

type CongestionEntries = PortCongestionEntry[]
/** Every port's latest snapshot changes only when the ports job stores new ones (or ports change): kept until then. */
const congestionKept = new WeakMap<Context['db'], {version: string; ports: CongestionEntries}>()

/** What `ports congestion` lists, without reading every port's latest snapshot again while nothing changed. */
export async function portsWithCongestion(ctx: Context): Promise<CongestionEntries> {
  const version = await congestionVersion(ctx.db)
  const kept = congestionKept.get(ctx.db)
  if (kept?.version === version) return kept.ports
  const ports = (await congestionReport(ctx, {})).ports
  congestionKept.set(ctx.db, {version, ports})
  return ports
}

export async function mapPageData(ctx: Context, selection: MapSelection | null): Promise<MapPageData> {
  const now = ctx.clock.now()
  const since = now - RECENT_EVENTS_HOURS * 3_600_000
  const ports = await portsWithCongestion(ctx)
  const rows = await read(ctx.db, async () => ({
    zones: await listZones(ctx.db, {inForceAt: now}),
    events: await listEvents(ctx.db, {since, limit: EVENT_MARKERS_MAX}),
  }))
  const link = (kind: MapItemKind, id: number): MapLink => ({
    href: detailsHref(kind, id),
    id: markerId(kind, id),
    current: selection?.kind === kind && selection.id === id,
  })

  const mapZones: MapZone[] = []
  for (const z of rows.zones) {
    const zone = zoneOnMap(z)
    if (zone) mapZones.push({...zone, link: link('zone', z.id), key: `${z.id}:${z.updatedAt}`})
  }
  const mapEvents: MapEvent[] = []
  for (const e of rows.events) {
    const event = eventOnMap(e)
    if (event) mapEvents.push({...event, link: link('event', e.id)})
  }
  const layers: MapLayers = {
    title: 'Ports by congestion level, zones in force and the events of the last day',
    ports: ports.map((p) => ({
      lon: p.lon,
      lat: p.lat,
      level: p.level,
      label: portLabel({id: p.port_id, name: p.name, unlocode: p.unlocode, wpiNumber: p.wpi_number, country: p.country}),
      link: link('port', p.port_id),
    })),
    zones: mapZones,
    events: mapEvents,
  }
  return {
    now,
    since,
    ports,
    zones: rows.zones,
    events: rows.events,
    eventsWithoutPosition: rows.events.length - mapEvents.length,
    layers,
    details: selection ? await detailsOf(ctx, selection, {ports, zones: rows.zones, events: rows.events}, now) : null,
  }
}

/** The chosen item, from what the page read already when it is there, else from the database (an older event, an ended zone). */
async function detailsOf(ctx: Context, selection: MapSelection, known: {ports: CongestionEntries; zones: SafetyZone[]; events: ListedEvent[]}, now: number): Promise<MapDetails> {
  const missing: MapDetails = {kind: 'missing', selection}
  switch (selection.kind) {
    case 'port': {
      const port = known.ports.find((p) => p.port_id === selection.id)
      return port ? {kind: 'port', port} : missing
    }
    case 'zone': {
      const inForce = known.zones.find((z) => z.id === selection.id)
      if (inForce) return {kind: 'zone', zone: inForce, inForce: true}
      const zone = await zoneById(ctx.db, selection.id)
      return zone ? {kind: 'zone', zone, inForce: zone.active && (zone.validFrom === null || zone.validFrom <= now) && (zone.validTo === null || zone.validTo > now)} : missing
    }
    case 'event': {
      const event = known.events.find((e) => e.id === selection.id) ?? (await listEvents(ctx.db, {id: selection.id, limit: 1}))[0]
      return event ? {kind: 'event', event} : missing
    }
  }
}

/** A page of the recent events table, newest first, from a keyset cursor (`before`: "createdAt.id"). */
export async function recentEventsPage(ctx: Context, before: string | undefined): Promise<{events: ListedEvent[]; next: string | null}> {
  const since = ctx.clock.now() - RECENT_EVENTS_HOURS * 3_600_000
  const match = before ? /^(\d{1,16})\.(\d{1,16})$/.exec(before) : null
  const cursor = match ? {createdAt: Number(match[1]), id: Number(match[2])} : undefined
  const rows = await listEvents(ctx.db, {since, before: cursor, limit: EVENTS_LISTED + 1})
  const events = rows.slice(0, EVENTS_LISTED)
  const last = events.at(-1)
  return {events, next: rows.length > EVENTS_LISTED && last ? `${last.createdAt}.${last.id}` : null}
}
