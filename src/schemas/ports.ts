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
