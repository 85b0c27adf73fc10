// `ports congestion`: each port's latest congestion snapshot, with where its numbers came from.
import {z} from 'zod'

import {CONGESTION_LEVELS, TRENDS} from '../services/db/schema.js'
import {count, dataSource, utcTime} from './common.js'
import {featureCollection} from './safety.js'

export const portCongestionEntry = z.object({
  port_id: count,
  name: z.string(),
  unlocode: z.string().nullable(),
  wpi_number: z.string().nullable(),
  country: z.string().nullable(),
  lat: z.number(),
  lon: z.number(),
  level: z.enum(CONGESTION_LEVELS),
  waiting: count.nullable().describe('merchant ships (AIS types 60-89) stopped in an anchorage for an hour or more'),
  at_berth: count.nullable().describe("merchant ships stopped at the port's berths"),
  waiting_unknown_type: count.nullable(),
  at_berth_unknown_type: count.nullable(),
  in_port: count.nullable().describe("every vessel in the port's area, moving or not"),
  baseline: z.number().nonnegative().nullable().describe('median of the daily medians of waiting over the 28 days before the current episode'),
  baseline_days: count,
  median_wait_hours: z.number().nonnegative().nullable(),
  waits_counted: count.nullable(),
  trend: z.enum(TRENDS),
  episode_started_at: utcTime.nullable(),
  source: dataSource,
  observed_at: utcTime.nullable(),
})
export type PortCongestionEntry = z.infer<typeof portCongestionEntry>

export const portCongestionReport = z.object({
  count,
  ports: z.array(portCongestionEntry),
  metadata: z.object({source: dataSource, observed_at: utcTime.nullable()}),
})
export type PortCongestionReport = z.infer<typeof portCongestionReport>

export const congestionGeoJson = featureCollection(portCongestionEntry)
export type CongestionGeoJson = z.infer<typeof congestionGeoJson>

/** `ports calls`: port visits by Global Fishing Watch's method, calls (3 h or more) and port stops. */
export const portCallEntry = z.object({
  id: count,
  mmsi: count,
  vessel_name: z.string().nullable(),
  ship_type: count.nullable().describe('AIS ship type (70-79 cargo, 80-89 tanker)'),
  port_id: count,
  port_name: z.string(),
  unlocode: z.string().nullable(),
  country: z.string().nullable(),
  kind: z.enum(['call', 'port_stop', 'visit']).describe('call: 3 h or more in port; port_stop: a visit that ended sooner; visit: under 3 h so far and going on'),
  open: z.boolean().describe('the vessel is still in port (departed_at null)'),
  arrived_at: utcTime.describe("first report within 3 km of one of the port's anchorage cells"),
  departed_at: utcTime.nullable().describe('first report beyond 4 km of every cell; null while in port'),
  last_at: utcTime.describe('the last report of the visit in port'),
  berthed_at: utcTime.nullable().describe('when the vessel first stopped at a berth; null if it has not'),
  hours_in_port: z.number().nonnegative().describe('arrival to departure, or to the last report while in port'),
  waiting_hours: z.number().nonnegative().describe('time stopped at anchorage before berthing'),
  at_berth_hours: z.number().nonnegative().describe('time stopped at berth'),
  stops: count,
  gaps: count.describe('silences over 4 h inside the port, which the visit went on through'),
  entry_lat: z.number(),
  entry_lon: z.number(),
  source: dataSource,
})
export type PortCallEntry = z.infer<typeof portCallEntry>

export const portCallsReport = z.object({
  count,
  since: utcTime,
  calls_only: z.boolean(),
  ports: z.array(z.object({port_id: count, name: z.string(), unlocode: z.string().nullable()})).describe('the ports asked for; empty for every port'),
  calls: z.array(portCallEntry).describe('newest arrival first'),
  metadata: z.object({source: dataSource}),
})
export type PortCallsReport = z.infer<typeof portCallsReport>
