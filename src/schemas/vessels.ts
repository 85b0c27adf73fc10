// `vessels show`: one vessel's identity, latest accepted position and recent events; `vessels list`: vessels
// with their latest position; `vessels track`: one vessel's reports in time order, as rows or GeoJSON.
import {z} from 'zod'

import {SHIP_TYPE_CLASSES} from '../services/ais/ship-types.js'
import {IDENTITY_FIELDS} from '../services/db/model.js'
import {count, dataSource, utcTime} from './common.js'
import {eventRow} from './safety.js'

/** A vessel's profile (profile-refresh), as `vessels show` prints it. */
export const vesselProfile = z.object({
  status: z
    .enum(['stored', 'live'])
    .describe('stored: computed by the last profile-refresh run (see age_seconds); live: no profile was stored yet, computed for this answer'),
  computed_at: utcTime,
  age_seconds: count.describe('how old the profile is: newer positions, calls and events show at the next refresh'),
  window_since: utcTime.describe('the start of the 30 days the activity and events are counted over'),
  identity_history: z
    .array(z.object({field: z.enum(IDENTITY_FIELDS), value: z.string(), first_seen_at: utcTime, last_seen_at: utcTime}))
    .describe("every IMO number, name, call sign and AIS ship type its static reports gave, each vessel's oldest first"),
  usual_ports: z
    .array(z.object({port_id: z.number().int(), port: z.string(), unlocode: z.string().nullable(), country: z.string().nullable(), calls: count, last_arrived_at: utcTime}))
    .describe('the ports it called at most (calls of 3 h or more), most calls first'),
  last_port_call: z
    .object({
      port_id: z.number().int(),
      port: z.string(),
      unlocode: z.string().nullable(),
      country: z.string().nullable(),
      arrived_at: utcTime,
      departed_at: utcTime.nullable(),
      in_port: z.boolean().describe('the visit went on when the profile was computed'),
    })
    .nullable()
    .describe('its latest call, or the visit it was on'),
  activity_30d: z.object({
    positions: count,
    distance_nm: z.number().nonnegative().describe('between successive fixes, estimated fixes left out'),
    days_heard: count.describe('UTC days with at least one report'),
    first_heard_at: utcTime.nullable(),
    last_heard_at: utcTime.nullable(),
  }),
  events_30d: z.object({total: count, by_type: z.record(z.string(), count)}).describe('its events observed in the 30 days, by type'),
})
export type VesselProfile = z.infer<typeof vesselProfile>

export const vesselDetails = z.object({
  mmsi: z.number().int(),
  imo: z.number().int().nullable(),
  name: z.string().nullable(),
  callsign: z.string().nullable(),
  ship_type: z.number().int().nullable(),
  ship_type_text: z.string().nullable(),
  device: z.string().nullable().describe('AIS-SART, MOB-AIS or EPIRB-AIS for distress transmitters'),
  flag: z.string().nullable().describe('the country of its MMSI (MID)'),
  length_m: z.number().nullable(),
  beam_m: z.number().nullable(),
  draught_m: z.number().nullable(),
  destination: z.string().nullable(),
  position: z
    .object({
      lat: z.number(),
      lon: z.number(),
      sog: z.number().nullable(),
      cog: z.number().nullable(),
      heading: z.number().int().nullable(),
      nav_status: z.number().int().nullable(),
      utc_second: z.number().int().nullable(),
      observed_at: utcTime.nullable(),
      source: dataSource.nullable(),
    })
    .nullable(),
  positions_24h: count.describe("reports in the 24 h before its latest (the profile's figure)"),
  events: z.array(eventRow),
  profile: vesselProfile,
})
export type VesselDetails = z.infer<typeof vesselDetails>

const lonLatBox = z.tuple([z.number(), z.number(), z.number(), z.number()]).describe('minLon, minLat, maxLon, maxLat (minLon > maxLon: across the antimeridian)')

export const listedVessel = z.object({
  mmsi: z.number().int(),
  name: z.string().nullable(),
  imo: z.number().int().nullable(),
  callsign: z.string().nullable(),
  ship_type: z.number().int().nullable(),
  ship_type_class: z.enum(SHIP_TYPE_CLASSES),
  ship_type_text: z.string().nullable(),
  flag: z.string().nullable().describe('the country of its MMSI (MID)'),
  destination: z.string().nullable(),
  lat: z.number(),
  lon: z.number(),
  sog: z.number().nullable().describe('knots'),
  cog: z.number().nullable(),
  heading: z.number().int().nullable(),
  nav_status: z.number().int().nullable(),
  observed_at: utcTime,
  source: dataSource.nullable(),
  place: z.enum(['anchorage', 'berth']).nullable().describe('with --in-port: at berth or at anchorage, by its navigational status (moored, at anchor), else by the part of the port area the position lies in'),
})
export type ListedVessel = z.infer<typeof listedVessel>

export const vesselList = z.object({
  vessels: z.array(listedVessel).describe('newest position first'),
  returned: count,
  more: z.boolean().describe('more vessels matched than --limit let through'),
  bbox: lonLatBox.nullable(),
  port: z.object({id: count, unlocode: z.string().nullable(), name: z.string()}).nullable(),
  types: z.array(z.enum(SHIP_TYPE_CLASSES)).nullable(),
  since: utcTime.nullable().describe('only vessels whose latest position is this recent'),
})
export type VesselList = z.infer<typeof vesselList>

export const trackReport = z.object({
  observed_at: utcTime,
  lat: z.number(),
  lon: z.number(),
  sog: z.number().nullable().describe('knots'),
  cog: z.number().nullable(),
  nav_status: z.number().int().nullable(),
  utc_second: z.number().int().nullable(),
  source: dataSource,
  held: z.boolean().describe('held back by the track rule (a jump no ship could make): not part of the track line'),
})
export type TrackReportRow = z.infer<typeof trackReport>

export const vesselTrack = z.object({
  mmsi: z.number().int(),
  name: z.string().nullable(),
  since: utcTime,
  until: utcTime,
  latest_at: utcTime.nullable().describe("the vessel's latest accepted position, whatever the window"),
  reports: z.array(trackReport).describe('oldest first'),
  returned: count,
  truncated: z.boolean().describe('more reports lay in the window: the newest were kept'),
})
export type VesselTrack = z.infer<typeof vesselTrack>

const position = z.tuple([z.number(), z.number()]).describe('[longitude, latitude]')
const trackLine = z.union([
  z.object({type: z.literal('LineString'), coordinates: z.array(position).min(2)}),
  z.object({type: z.literal('MultiLineString'), coordinates: z.array(z.array(position).min(2)).describe('cut at the antimeridian (RFC 7946)')}),
])

export const trackGeoJson = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.union([
      z.object({
        type: z.literal('Feature'),
        id: z.literal('track'),
        geometry: trackLine.nullable().describe('the accepted reports in time order; null with fewer than two'),
        properties: z.object({kind: z.literal('track'), mmsi: z.number().int(), name: z.string().nullable(), since: utcTime, until: utcTime, reports: count}),
      }),
      z.object({
        type: z.literal('Feature'),
        id: count,
        geometry: z.object({type: z.literal('Point'), coordinates: position}),
        properties: trackReport.extend({kind: z.literal('report'), mmsi: z.number().int()}),
      }),
    ]),
  ),
})
export type TrackGeoJson = z.infer<typeof trackGeoJson>
