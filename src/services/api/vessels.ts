// GET /api/live-vessels/: the vessels in a box, from the live source when it answers on request (AISHub,
// through its cache), else the database, else the shipped sample; with the source and age of the data.
import {z} from 'zod'

import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {anyVesselPosition, vesselsBetweenLatitudes} from '../db/vessels.js'
import {errorMessage} from '../errors.js'
import {readAishub} from '../providers/ais/aishub.js'
import {readSampleCapture} from '../providers/ais/sample.js'
import {parseAisSource} from '../providers/ais/source-spec.js'
import {requireRole} from './auth.js'
import type {ResourceRoutes} from './plugin.js'
import {errorBody, errorBodySchema, provenanceSchema, utcTime} from './schemas.js'

const NUMBER = String.raw`-?\d+(\.\d+)?`

export const liveVesselsQuerySchema = z.strictObject({
  /** minLon,minLat,maxLon,maxLat; minLon above maxLon crosses the antimeridian. */
  bbox: z.string().regex(new RegExp(`^${NUMBER},${NUMBER},${NUMBER},${NUMBER}$`), 'bbox must be minLon,minLat,maxLon,maxLat'),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
})

export const liveVesselSchema = z.object({
  mmsi: z.number().int(),
  name: z.string().nullable(),
  lat: z.number(),
  lon: z.number(),
  sog: z.number().nullable(),
  cog: z.number().nullable(),
  heading: z.number().int().nullable(),
  observed_at: utcTime.nullable(),
  source: z.string(),
})
export type LiveVessel = z.infer<typeof liveVesselSchema>

export const liveVesselsSchema = z.object({count: z.number().int(), results: z.array(liveVesselSchema), metadata: provenanceSchema})
export type LiveVessels = z.infer<typeof liveVesselsSchema>

export interface BBox {
  minLon: number
  minLat: number
  maxLon: number
  maxLat: number
}

const inBox = (b: BBox, lon: number, lat: number) =>
  lat >= b.minLat && lat <= b.maxLat && (b.minLon <= b.maxLon ? lon >= b.minLon && lon <= b.maxLon : lon >= b.minLon || lon <= b.maxLon)

/**
 * Vessels in a box: from the live AIS source when it answers on request (AISHub, through its cache);
 * otherwise the database, labelled live while the stream jobs keep it within the AIS cache time, else
 * fallback; with no positions at all, the shipped sample (emergency).
 */
export async function liveVessels(ctx: Context, box: BBox, limit: number): Promise<LiveVessels> {
  const now = ctx.clock.now()
  const freshMs = ctx.config.cacheTtlAisSeconds * 1000
  const answer = (rows: LiveVessel[], source: LiveVessels['metadata']['source'], observedAt: number | null, reason?: string): LiveVessels => ({
    count: rows.length,
    results: rows.slice(0, limit),
    metadata: {source, observed_at: iso(observedAt), age_seconds: observedAt ? Math.round((now - observedAt) / 1000) : null, ...(reason ? {reason} : {})},
  })
  let reason: string | undefined
  if (parseAisSource(ctx.config.aisSource).kind === 'aishub' && ctx.config.aishubUsername) {
    try {
      const batch = await readAishub(ctx, ctx.config.aishubUsername)
      const latest = new Map<number, LiveVessel>()
      for (const m of batch.messages) {
        if (m.lat == null || m.lon == null || !inBox(box, m.lon, m.lat)) continue
        latest.set(m.mmsi, {mmsi: m.mmsi, name: null, lat: m.lat, lon: m.lon, sog: m.sog ?? null, cog: m.cog ?? null, heading: m.heading ?? null, observed_at: iso(m.received_at), source: batch.source})
      }
      return answer([...latest.values()], batch.source, batch.observedAt)
    } catch (error) {
      reason = errorMessage(error)
    }
  }
  if (await anyVesselPosition(ctx.db)) {
    const rows = (await vesselsBetweenLatitudes(ctx.db, box.minLat, box.maxLat)).filter((v) => inBox(box, v.lon as number, v.lat as number))
    const newest = rows[0]?.positionAt ?? null
    const live = rows.length > 0 && rows.every((r) => r.positionSource === 'live') && newest !== null && now - newest <= freshMs
    return answer(
      rows.map((v) => ({mmsi: v.mmsi, name: v.name, lat: v.lat as number, lon: v.lon as number, sog: v.sog, cog: v.cog, heading: v.heading, observed_at: iso(v.positionAt), source: v.positionSource ?? 'fallback'})),
      live ? 'live' : rows.some((r) => r.positionSource === 'emergency') ? 'emergency' : 'fallback',
      newest,
      reason,
    )
  }
  const sample = readSampleCapture()
  const latest = new Map<number, LiveVessel>()
  for (const m of sample.messages) {
    if (m.lat == null || m.lon == null || Math.abs(m.lat) > 90 || !inBox(box, m.lon, m.lat)) continue
    latest.set(m.mmsi, {mmsi: m.mmsi, name: null, lat: m.lat, lon: m.lon, sog: m.sog ?? null, cog: m.cog ?? null, heading: m.heading ?? null, observed_at: iso(sample.observedAtOf(m)), source: 'emergency'})
  }
  return answer([...latest.values()], 'emergency', sample.observedAt, reason ?? 'no positions stored yet')
}

export const vesselRoutes: ResourceRoutes = async (api, {ctx}) => {
  api.get(
    '/api/live-vessels/',
    {
      preHandler: requireRole(ctx, 'VIEWER'),
      schema: {querystring: liveVesselsQuerySchema, response: {200: liveVesselsSchema, 400: errorBodySchema}},
    },
    async (req, reply) => {
      const [minLon, minLat, maxLon, maxLat] = req.query.bbox.split(',').map(Number)
      if (Math.abs(minLon) > 180 || Math.abs(maxLon) > 180) return reply.code(400).send(errorBody('bbox longitudes must be within -180..180', {field: 'bbox'}))
      if (Math.abs(minLat) > 90 || Math.abs(maxLat) > 90 || minLat >= maxLat) {
        return reply.code(400).send(errorBody('bbox latitudes must be within -90..90 with minLat below maxLat', {field: 'bbox'}))
      }
      return liveVessels(ctx, {minLon, minLat, maxLon, maxLat}, req.query.limit)
    },
  )
}
