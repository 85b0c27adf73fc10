// Safety zones and events as `zones list`, `events list`, `vessels show` and check-events give them, and
// as GeoJSON for maps.
import {z} from 'zod'

import {EVENT_TYPES, SEVERITIES, ZONE_KINDS} from '../services/db/schema.js'
import {count, dataSource, utcTime} from './common.js'
import {webhookDelivery} from './job-summaries.js'

const metadata = z.record(z.string(), z.unknown()).nullable()

export const ZONE_STATUSES = ['upcoming', 'in_force', 'ended'] as const

export const zoneRow = z.object({
  id: count,
  external_id: z.string().describe('the NWS alert id for storm zones, piracy:<id> and congestion:port:<id> otherwise'),
  kind: z.enum(ZONE_KINDS),
  name: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(ZONE_STATUSES),
  source: dataSource,
  observed_at: utcTime.nullable(),
  valid_from: utcTime.nullable(),
  valid_to: utcTime.nullable(),
  port_id: count.nullable(),
  metadata: metadata.describe('by kind: storm (event, nws_severity, area, ...), piracy (place, incidents, data_as_of, ...), congestion (level, vessels_waiting, baseline_waiting)'),
})
export type ZoneRow = z.infer<typeof zoneRow>
export const zoneList = z.object({zones: z.array(zoneRow)})

export const eventRow = z.object({
  id: count,
  type: z.enum(EVENT_TYPES),
  severity: z.enum(SEVERITIES),
  status: z.enum(['open', 'resolved']),
  title: z.string(),
  mmsi: z.number().int().nullable(),
  vessel_name: z.string().nullable().describe("the vessel's name as its static reports give it"),
  port: z.string().nullable().describe('UN/LOCODE, else the port name'),
  zone_external_id: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  source: dataSource,
  observed_at: utcTime.nullable(),
  created_at: utcTime.nullable(),
  last_seen_at: utcTime.nullable(),
  resolved_at: utcTime.nullable(),
  metadata,
})
export type EventRow = z.infer<typeof eventRow>
export const eventList = z.object({events: z.array(eventRow)})

/** A GeoJSON FeatureCollection (RFC 7946) whose features carry `properties` of the given shape. */
export function featureCollection<P extends z.ZodType>(properties: P) {
  const position = z.array(z.number()).min(2).max(3).describe('[longitude, latitude]')
  const geometry = z.union([
    z.object({type: z.literal('Point'), coordinates: position}),
    z.object({type: z.literal('Polygon'), coordinates: z.array(z.array(position))}),
    z.object({type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(position)))}),
  ])
  return z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({type: z.literal('Feature'), id: count, geometry: geometry.nullable(), properties})),
  })
}

export const zonesGeoJson = featureCollection(zoneRow)
export type ZonesGeoJson = z.infer<typeof zonesGeoJson>
export const eventsGeoJson = featureCollection(eventRow)
export type EventsGeoJson = z.infer<typeof eventsGeoJson>

export const eventLine = z.object({
  id: count.optional().describe('absent in a dry run: nothing was written'),
  type: z.enum(EVENT_TYPES),
  severity: z.enum(SEVERITIES).optional(),
  title: z.string(),
  source: dataSource.optional(),
  dedupe_key: z.string(),
})
export type EventLine = z.infer<typeof eventLine>

/** check-events --json: what was (or, with --dry-run, would be) created and resolved. */
export const eventCheckResult = z.object({
  dry_run: z.boolean(),
  status: z.enum(['success', 'failed', 'skipped', 'timeout', 'cancelled', 'dry_run']),
  events_created: count,
  events_resolved: count,
  notifications_created: count,
  created: z.array(eventLine),
  resolved: z.array(eventLine),
  vessels_checked: count,
  zones_checked: count,
  webhooks: webhookDelivery.optional(),
  reason: z.string().optional().describe('why the run did not succeed (the lease holder, a pause, the error)'),
})
export type EventCheckResult = z.infer<typeof eventCheckResult>
