// Users (their roles, a token shown once) and what they watch.
import {z} from 'zod'

import {ROLES} from '../services/db/schema.js'
import {count, utcTime} from './common.js'

export const createdUser = z.object({
  id: count,
  name: z.string(),
  role: z.enum(ROLES),
  webhook_url: z.string().nullable(),
  token: z.string().describe('the API token: shown once, stored only as its hash'),
})
export type CreatedUser = z.infer<typeof createdUser>

export const userRow = z.object({id: count, name: z.string(), role: z.enum(ROLES), webhook_url: z.string().nullable(), created_at: utcTime})
export const userList = z.object({users: z.array(userRow)})
export const userRemoved = z.object({removed: z.string().describe('the user name')})

export const watch = z.object({
  id: count,
  user: z.string(),
  kind: z.enum(['vessel', 'port', 'area']),
  target: z.string().describe('what is watched, for people: MMSI 240205400, Piraievs (GRPIR), minLon,minLat,maxLon,maxLat'),
  mmsi: z.number().int().nullable(),
  port_id: count.nullable(),
  area: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable().describe('[minLon, minLat, maxLon, maxLat]'),
})
export type Watch = z.infer<typeof watch>
export const watchList = z.object({watches: z.array(watch)})
export const watchRemoved = z.object({removed: count})
