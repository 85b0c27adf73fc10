// `vessels show`: one vessel's identity, latest accepted position and recent events.
import {z} from 'zod'

import {count, dataSource, utcTime} from './common.js'
import {eventRow} from './safety.js'

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
  positions_24h: count.describe('reports in the 24 h before its latest'),
  events: z.array(eventRow),
})
export type VesselDetails = z.infer<typeof vesselDetails>
