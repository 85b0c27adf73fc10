// `ais decode --json`: one decoded AIS message per line (JSON Lines); "not available" values are null.
import {z} from 'zod'

import {utcTime} from './common.js'

const int = z.number().int()

export const decodedAisMessage = z.object({
  msg_type: int.min(1).max(27),
  repeat: int,
  mmsi: int,
  nav_status: int.nullable().optional(),
  rot: z.number().nullable().optional(),
  sog: z.number().nullable().optional(),
  accuracy: z.boolean().optional(),
  lon: z.number().nullable().optional(),
  lat: z.number().nullable().optional(),
  cog: z.number().nullable().optional(),
  heading: int.nullable().optional(),
  second: int.nullable().optional(),
  maneuver: int.optional(),
  raim: z.boolean().optional(),
  timestamp: utcTime.nullable().optional().describe('types 4 and 11: the UTC time the base station broadcast'),
  epfd: int.optional(),
  ais_version: int.optional(),
  imo: int.nullable().optional(),
  callsign: z.string().nullable().optional(),
  shipname: z.string().nullable().optional(),
  shiptype: int.nullable().optional(),
  to_bow: int.nullable().optional(),
  to_stern: int.nullable().optional(),
  to_port: int.nullable().optional(),
  to_starboard: int.nullable().optional(),
  draught: z.number().nullable().optional(),
  destination: z.string().nullable().optional(),
  eta: z
    .string()
    .regex(/^\d{2}-\d{2}T\d{2}:\d{2}Z$/)
    .nullable()
    .optional()
    .describe('type 5: MM-DDTHH:MMZ, UTC (AIS carries no year)'),
  dte: z.boolean().optional(),
  altitude: z.number().nullable().optional(),
  aid_type: int.optional(),
  name: z.string().nullable().optional(),
  off_position: z.boolean().optional(),
  virtual_aid: z.boolean().optional(),
  part_num: int.optional(),
  vendor_id: z.string().nullable().optional(),
  mothership_mmsi: int.nullable().optional(),
  gnss: z.boolean().optional(),
  channel: z.string().optional(),
  received_at: utcTime.nullable().optional().describe('receive time from a tag block (c:) or a leading timestamp'),
  decoded: z.literal(false).optional().describe('set for message types reported without decoding their body'),
})
export type DecodedAisMessage = z.infer<typeof decodedAisMessage>
