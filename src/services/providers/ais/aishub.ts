// AISHub's JSON web service: `[header, records]` for a username, at most one request a minute. An error
// header, an empty reply or a throttled one is a failure to fall back from, never "zero vessels".
import {z} from 'zod'

import {type AisMessage, Rejection} from '../../ais/payload.js'
import type {Context} from '../../context.js'
import {callProvider, fetchThroughCache, ProviderUnavailable} from '../fetch.js'
import {type AisBatch, countRejection, emptyStats, liveBatch} from './batch.js'

export const AISHUB_MIN_INTERVAL_MS = 60_000

const header = z.object({ERROR: z.boolean(), ERROR_MESSAGE: z.string().optional(), RECORDS: z.number().int().optional()}).loose()

const record = z.object({
  MMSI: z.number().int(),
  TIME: z.string(),
  LONGITUDE: z.number(),
  LATITUDE: z.number(),
  COG: z.number(),
  SOG: z.number(),
  HEADING: z.number().int(),
  ROT: z.number().optional(),
  NAVSTAT: z.number().int().optional(),
  IMO: z.number().int().optional(),
  NAME: z.string().optional(),
  CALLSIGN: z.string().optional(),
  TYPE: z.number().int().optional(),
  A: z.number().optional(),
  B: z.number().optional(),
  C: z.number().optional(),
  D: z.number().optional(),
  DRAUGHT: z.number().optional(),
  DEST: z.string().optional(),
  ETA: z.string().optional(),
})

const trimmed = (s: string | undefined) => {
  const t = s?.trim()
  return t ? t : null
}

/** `2026-03-28 16:50:52 GMT` */
function parseAishubTime(value: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT$/.exec(value.trim())
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) : null
}

/** The header of a reply, or what is wrong with it (an error header is AISHub refusing the request). */
function replyHeader(payload: unknown): z.infer<typeof header> {
  if (!Array.isArray(payload) || payload.length === 0) throw new Error('AISHub reply is not [header, records]')
  const head = header.safeParse(payload[0])
  if (!head.success) throw new Error('AISHub reply has no valid header')
  if (head.data.ERROR) throw new Error(`AISHub refused the request: ${head.data.ERROR_MESSAGE ?? 'error without a message'}`)
  return head.data
}

/** Validates a reply; returns position and static messages per vessel, or throws what is wrong with it. */
export function parseAishubReply(payload: unknown, onReject: (rejection: Rejection) => void): AisMessage[] {
  replyHeader(payload)
  const records = (payload as unknown[])[1]
  if (!Array.isArray(records) || records.length === 0) throw new Error('AISHub replied with no vessel records')
  const out: AisMessage[] = []
  for (const raw of records) {
    const r = record.safeParse(raw)
    if (!r.success) {
      onReject(new Rejection('invalid AISHub record', `invalid AISHub record: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`))
      continue
    }
    const v = r.data
    const at = parseAishubTime(v.TIME)
    if (at === null) {
      onReject(new Rejection('unreadable AISHub time', `unreadable AISHub time ${JSON.stringify(v.TIME)}`))
      continue
    }
    out.push({
      msg_type: 1,
      repeat: 0,
      mmsi: v.MMSI,
      nav_status: v.NAVSTAT ?? null,
      rot: v.ROT === undefined || v.ROT === 128 || v.ROT === -128 ? null : v.ROT,
      sog: v.SOG >= 102.3 ? null : v.SOG,
      cog: v.COG >= 360 ? null : v.COG,
      heading: v.HEADING === 511 ? null : v.HEADING,
      lat: v.LATITUDE === 91 ? null : v.LATITUDE,
      lon: v.LONGITUDE === 181 ? null : v.LONGITUDE,
      received_at: at,
    })
    out.push({
      msg_type: 5,
      repeat: 0,
      mmsi: v.MMSI,
      imo: v.IMO || null,
      shipname: trimmed(v.NAME),
      callsign: trimmed(v.CALLSIGN),
      shiptype: v.TYPE || null,
      to_bow: v.A || null,
      to_stern: v.B || null,
      to_port: v.C || null,
      to_starboard: v.D || null,
      draught: v.DRAUGHT || null,
      destination: trimmed(v.DEST),
      received_at: at,
    })
  }
  return out
}

/** AISHub's web service URL for `username`: human-readable JSON, uncompressed. */
function aishubUrl(ctx: Context, username: string): URL {
  const url = new URL(ctx.config.aishubUrl)
  url.searchParams.set('username', username)
  url.searchParams.set('format', '1')
  url.searchParams.set('output', 'json')
  url.searchParams.set('compress', '0')
  return url
}

/**
 * One AISHub reply through the cache. AISHub allows one request a minute: answers are cached for at least
 * that long, so a second run within the minute is served from the cache without a call.
 */
export async function readAishub(ctx: Context, username: string): Promise<AisBatch> {
  const url = aishubUrl(ctx, username)
  const stats = emptyStats()
  const served = await fetchThroughCache(
    {...ctx, config: {...ctx.config, cacheTtlAisSeconds: Math.max(ctx.config.cacheTtlAisSeconds, AISHUB_MIN_INTERVAL_MS / 1000)}},
    {
      provider: 'aishub',
      key: 'aishub:latest',
      url: url.toString(),
      parse: (body) =>
        parseAishubReply(body, (rejection) => {
          countRejection(stats, rejection)
          ctx.logger.debug(rejection.reason)
        }),
    },
  ).catch((error: unknown) => {
    if (error instanceof ProviderUnavailable) throw new Error(error.reason)
    throw error
  })
  stats.lines = served.data.length / 2 + stats.rejected
  stats.messages = served.data.length
  const batch = liveBatch('aishub', served.data, stats, served.fetchedAt)
  return {...batch, source: served.source}
}

/** The probe's box: a tenth of a degree square in the Strait of Dover, busy at every hour, small to answer. */
const PROBE_BOX = {latmin: 51.0, latmax: 51.1, lonmin: 1.4, lonmax: 1.5}

/**
 * The health-check probe: the vessels in a small box, live, one attempt, counted against the quota; an error
 * header is a failure, an empty box is not. Throws what went wrong; says how many records came.
 */
export async function probeAishub(ctx: Context, username: string): Promise<string> {
  const url = aishubUrl(ctx, username)
  for (const [key, value] of Object.entries(PROBE_BOX)) url.searchParams.set(key, String(value))
  const {body} = await callProvider(ctx, 'aishub', url.toString(), undefined, {retries: 0})
  const head = replyHeader(body)
  const records = Array.isArray((body as unknown[])[1]) ? ((body as unknown[])[1] as unknown[]).length : (head.RECORDS ?? 0)
  return `${records} record${records === 1 ? '' : 's'} in the box`
}
