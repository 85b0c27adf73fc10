// GET /api/ports/congestion/: the latest congestion of every port (or the shipped ports with no data before
// the ports job has run), filtered and paged, with its source; kept per data version and sent with an ETag.
import {z} from 'zod'

import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {loadShippedPorts} from '../datasets/ports.js'
import {congestionVersion} from '../db/port-congestion.js'
import {CONGESTION_LEVELS, DATA_SOURCES, TRENDS} from '../db/schema.js'
import {latestCongestion} from '../ports/congestion.js'
import {worstSource} from '../provenance.js'
import {AnswerCache, replyFromCache} from './answers.js'
import {requireRole} from './auth.js'
import type {ResourceRoutes} from './plugin.js'
import {pageQuery, provenanceSchema, utcTime} from './schemas.js'

export const congestionQuerySchema = z.strictObject({
  /** UN/LOCODE, WPI number or name. */
  port: z.string().max(64).optional(),
  country: z.string().max(64).optional(),
  ...pageQuery,
})
export type CongestionQuery = z.infer<typeof congestionQuerySchema>


export const portCongestionSchema = z.object({
  /** Null for a shipped port not yet in the database. */
  port_id: z.number().int().nullable(),
  name: z.string(),
  unlocode: z.string().nullable(),
  country: z.string().nullable(),
  lat: z.number(),
  lon: z.number(),
  level: z.enum(CONGESTION_LEVELS),
  vessels_waiting: z.number().int().nullable(),
  vessels_at_berth: z.number().int().nullable(),
  vessels_in_port: z.number().int().nullable(),
  waiting_unknown_type: z.number().int().nullable(),
  at_berth_unknown_type: z.number().int().nullable(),
  baseline_waiting: z.number().nullable(),
  baseline_days: z.number().int(),
  median_wait_hours: z.number().nullable(),
  waits_counted: z.number().int().nullable(),
  trend: z.enum(TRENDS),
  episode_started_at: utcTime.nullable(),
  source: z.enum(DATA_SOURCES),
  observed_at: utcTime.nullable(),
})

export const congestionPageSchema = z.object({
  count: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  results: z.array(portCongestionSchema),
  metadata: provenanceSchema,
})
export type CongestionPage = z.infer<typeof congestionPageSchema>

type LatestRows = Awaited<ReturnType<typeof latestCongestion>>

/** Every port's latest snapshot changes only when the ports job stores new ones (or ports change): kept until then. */
const latestKept = new WeakMap<Context['db'], {version: string; rows: LatestRows}>()

async function latestWithPorts(ctx: Context): Promise<LatestRows> {
  const version = await congestionVersion(ctx.db)
  const kept = latestKept.get(ctx.db)
  if (kept?.version === version) return kept.rows
  const rows = await latestCongestion(ctx.db)
  latestKept.set(ctx.db, {version, rows})
  return rows
}

/** Latest congestion per port from the database; when it holds none, the shipped ports with no data. */
export async function congestionPage(ctx: Context, query: CongestionQuery): Promise<CongestionPage> {
  const {page, page_size: pageSize} = query
  const wanted = (p: {unlocode: string | null; wpiNumber: string | null; country: string | null; name: string}) =>
    (!query.port || p.unlocode === query.port.toUpperCase() || p.wpiNumber === query.port || p.name.toLowerCase() === query.port.toLowerCase()) &&
    (!query.country || (p.country ?? '').toLowerCase() === query.country.toLowerCase())
  const pageOf = <T>(rows: T[]) => rows.slice((page - 1) * pageSize, page * pageSize)

  const snapshots = await latestWithPorts(ctx)
  if (snapshots.length > 0) {
    const rows = snapshots.filter(wanted)
    const slice = pageOf(rows)
    const observed = slice.reduce((max, r) => Math.max(max, r.observedAt), 0)
    return {
      count: rows.length,
      page,
      page_size: pageSize,
      results: slice.map((r) => ({
        port_id: r.portId,
        name: r.name,
        unlocode: r.unlocode ?? null,
        country: r.country ?? null,
        lat: r.lat,
        lon: r.lon,
        level: r.level,
        vessels_waiting: r.waiting,
        vessels_at_berth: r.atBerth,
        vessels_in_port: r.inPort,
        waiting_unknown_type: r.waitingUnknownType,
        at_berth_unknown_type: r.atBerthUnknownType,
        baseline_waiting: r.baseline,
        baseline_days: r.baselineSamples,
        median_wait_hours: r.medianWaitHours,
        waits_counted: r.waitsCounted,
        trend: r.trend,
        episode_started_at: iso(r.episodeStartedAt),
        source: r.source,
        observed_at: iso(r.observedAt),
      })),
      metadata: {source: slice.length > 0 ? worstSource(slice.map((r) => r.source)) : 'fallback', observed_at: observed ? iso(observed) : null},
    }
  }
  // Nothing computed yet: the shipped port list, every port without data.
  const shipped = loadShippedPorts().ports.filter(wanted)
  return {
    count: shipped.length,
    page,
    page_size: pageSize,
    results: pageOf(shipped).map((p) => ({
      port_id: null,
      name: p.name,
      unlocode: p.unlocode,
      country: p.country,
      lat: p.lat,
      lon: p.lon,
      level: 'no_data',
      vessels_waiting: null,
      vessels_at_berth: null,
      vessels_in_port: null,
      waiting_unknown_type: null,
      at_berth_unknown_type: null,
      baseline_waiting: null,
      baseline_days: 0,
      median_wait_hours: null,
      waits_counted: null,
      trend: 'unknown',
      episode_started_at: null,
      source: 'emergency',
      observed_at: null,
    })),
    metadata: {source: 'emergency', observed_at: null},
  }
}

export const portRoutes: ResourceRoutes = async (api, {ctx, mask}) => {
  const answers = new AnswerCache(ctx.db, {mask})
  api.get(
    '/api/ports/congestion/',
    {preHandler: requireRole(ctx, 'VIEWER'), schema: {querystring: congestionQuerySchema, response: {200: congestionPageSchema}}},
    async (req, reply) => {
      const q = req.query
      const key = JSON.stringify([q.port ?? null, q.country ?? null, q.page, q.page_size])
      return replyFromCache(answers, key, req, reply, async () => ({status: 200, payload: await congestionPage(ctx, q)}))
    },
  )
}
