// What operators list of the safety data: zones with their validity, events with where and when, as rows
// for tables and --json, and as GeoJSON for maps.
import type {EventRow, EventsGeoJson, ZoneRow, ZonesGeoJson} from '../../schemas/safety.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {listEvents, type ListedEvent} from '../db/events.js'
import type {EventType, SafetyZone, ZoneKind} from '../db/schema.js'
import {listZones} from '../db/zones.js'
import type {ZoneGeometry} from '../geo/geometry.js'

/** Where a zone stands at a given time: not begun yet, in force, or over (expired, replaced or withdrawn). */
export type ZoneStatus = ZoneRow['status']
export type {ZoneRow} from '../../schemas/safety.js'


export function zoneStatus(zone: Pick<SafetyZone, 'active' | 'validFrom' | 'validTo'>, now: number): ZoneStatus {
  if (!zone.active || (zone.validTo !== null && zone.validTo <= now)) return 'ended'
  if (zone.validFrom !== null && zone.validFrom > now) return 'upcoming'
  return 'in_force'
}

export interface ZoneQuery {
  kind?: ZoneKind
  /** Only zones in force now. */
  active?: boolean
}

export interface ZoneListing {
  zones: ZoneRow[]
  geometries: ZoneGeometry[]
}

export async function zoneListing(ctx: Context, query: ZoneQuery = {}): Promise<ZoneListing> {
  const now = ctx.clock.now()
  const zones = await listZones(ctx.db, {kinds: query.kind ? [query.kind] : undefined, inForceAt: query.active ? now : undefined})
  return {
    zones: zones.map((z) => ({
      id: z.id,
      external_id: z.externalId,
      kind: z.kind,
      name: z.name,
      severity: z.severity,
      status: zoneStatus(z, now),
      source: z.source,
      observed_at: iso(z.observedAt),
      valid_from: iso(z.validFrom),
      valid_to: iso(z.validTo),
      port_id: z.portId,
      metadata: z.metadata ?? null,
    })),
    geometries: zones.map((z) => z.geometry as ZoneGeometry),
  }
}

export type {EventRow as EventRowOut} from '../../schemas/safety.js'

export interface EventQuery {
  types?: EventType[]
  open?: boolean
  /** Created within this many milliseconds before now. */
  sinceMs?: number
  mmsi?: number
  limit?: number
}

export async function eventListing(ctx: Context, query: EventQuery = {}): Promise<EventRow[]> {
  const since = query.sinceMs === undefined ? undefined : ctx.clock.now() - query.sinceMs
  return (await listEvents(ctx.db, {types: query.types, open: query.open, since, mmsi: query.mmsi, limit: query.limit})).map(eventRow)
}

function eventRow(e: ListedEvent): EventRow {
  return {
    id: e.id,
    type: e.type,
    severity: e.severity,
    status: e.resolvedAt === null ? 'open' : 'resolved',
    title: e.title,
    mmsi: e.mmsi,
    vessel_name: e.vesselName?.trim() || null,
    port: e.portUnlocode ?? e.portName,
    zone_external_id: e.zoneExternalId,
    lat: e.lat,
    lon: e.lon,
    source: e.source,
    observed_at: iso(e.observedAt),
    created_at: iso(e.createdAt),
    last_seen_at: iso(e.lastSeenAt),
    resolved_at: iso(e.resolvedAt),
    metadata: e.metadata ?? null,
  }
}

export function zonesGeoJson(listing: ZoneListing): ZonesGeoJson {
  return {
    type: 'FeatureCollection',
    features: listing.zones.map((z, k) => ({type: 'Feature', id: z.id, geometry: listing.geometries[k], properties: {...z}})),
  }
}

/** Events as points (events without a position keep a null geometry, as GeoJSON allows). */
export function eventsGeoJson(events: EventRow[]): EventsGeoJson {
  return {
    type: 'FeatureCollection',
    features: events.map((e) => ({
      type: 'Feature',
      id: e.id,
      geometry: e.lat !== null && e.lon !== null ? {type: 'Point', coordinates: [e.lon, e.lat]} : null,
      properties: {...e},
    })),
  }
}
