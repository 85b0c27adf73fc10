// Sea state at the busiest ports from Open-Meteo's marine API (no key): current wave height per port,
// turned into a storm risk and stored with its source; several ports per request, through the cache.
import type {PortWeatherSummary} from '../../schemas/job-summaries.js'
import {z} from 'zod'

import {isCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {busiestPorts, insertPortWeather, newestPortWeatherAt, type PortWeatherReading, type StormRisk} from '../db/port-weather.js'
import type {DataSource} from '../db/schema.js'
import {write} from '../db/transaction.js'
import {errorMessage} from '../errors.js'
import {reportCondition} from '../log/conditions.js'
import {callProvider, fetchThroughCache} from './fetch.js'

const PORTS_PER_REQUEST = 50

const location = z.object({
  latitude: z.number(),
  longitude: z.number(),
  current: z
    .object({
      time: z.number().int(),
      wave_height: z.number().nullable(),
      wave_period: z.number().nullable().optional(),
    })
    .optional(),
})
/** One location answers with an object, several with a list of them (Open-Meteo's documented format). */
const reply = z.union([z.array(location), location])

export type {StormRisk}

/** Significant wave height to a risk for port operations (Douglas sea state: 4 rough, 5 very rough, 6 high). */
export function stormRiskOf(waveHeightM: number | null): StormRisk {
  if (waveHeightM === null || waveHeightM < 0) return 'unknown'
  if (waveHeightM >= 6) return 'severe'
  if (waveHeightM >= 4) return 'high'
  if (waveHeightM >= 2.5) return 'moderate'
  return 'low'
}

export type {PortWeatherSummary} from '../../schemas/job-summaries.js'

export async function refreshPortWeather(ctx: Context): Promise<PortWeatherSummary> {
  const targets = await busiestPorts(ctx.db, ctx.config.portWeatherPorts)
  const risk: Record<StormRisk, number> = {low: 0, moderate: 0, high: 0, severe: 0, unknown: 0}
  const summary: PortWeatherSummary = {ports: targets.length, updated: 0, source: 'no_data', observed_at: null, risk}
  if (targets.length === 0) return summary
  const now = ctx.clock.now()
  const rows: PortWeatherReading[] = []
  const sources = new Set<DataSource>()
  let newest = 0
  for (let i = 0; i < targets.length; i += PORTS_PER_REQUEST) {
    const chunk = targets.slice(i, i + PORTS_PER_REQUEST)
    const url = new URL(ctx.config.openMeteoUrl)
    url.searchParams.set('latitude', chunk.map((p) => p.lat.toFixed(4)).join(','))
    url.searchParams.set('longitude', chunk.map((p) => p.lon.toFixed(4)).join(','))
    url.searchParams.set('current', 'wave_height,wave_period')
    url.searchParams.set('timeformat', 'unixtime')
    try {
      const served = await fetchThroughCache(ctx, {
        provider: 'open-meteo',
        key: `open-meteo:marine:${chunk.map((p) => p.id).join(',')}`,
        url: url.toString(),
        parse: (body) => {
          const parsed = reply.parse(body)
          const list = Array.isArray(parsed) ? parsed : [parsed]
          if (list.length !== chunk.length) throw new Error(`Open-Meteo answered ${list.length} locations for ${chunk.length}`)
          return list
        },
      })
      sources.add(served.source)
      served.data.forEach((loc, k) => {
        const observedAt = loc.current ? loc.current.time * 1000 : served.fetchedAt
        newest = Math.max(newest, observedAt)
        const wave = loc.current?.wave_height ?? null
        const level = stormRiskOf(wave)
        risk[level]++
        rows.push({
          portId: chunk[k].id,
          observedAt,
          waveHeightM: wave,
          wavePeriodS: loc.current?.wave_period ?? null,
          stormRisk: level,
          source: served.source,
          createdAt: now,
        })
      })
    } catch (error) {
      if (isCancelled(error)) throw error
      // One chunk unavailable means the service is: the rest are not asked this run.
      summary.fallback_reason = errorMessage(error)
      break
    }
  }
  if (rows.length > 0) {
    await write(ctx.db, () => insertPortWeather(ctx.db, rows))
  }
  summary.updated = rows.length
  if (rows.length > 0) {
    await reportCondition(ctx, 'open-meteo', null)
    summary.source = sources.has('cached') ? 'cached' : 'live'
    summary.observed_at = new Date(newest).toISOString()
    return summary
  }
  // Nothing new: what the database holds from earlier runs stays (fallback); there is no shipped sea state.
  const held = await newestPortWeatherAt(ctx.db)
  if (held !== null) {
    summary.source = 'fallback'
    summary.observed_at = new Date(held).toISOString()
  }
  await reportCondition(ctx, 'open-meteo', {
    state: held !== null ? 'fallback' : 'no_data',
    message: `Open-Meteo marine unavailable; port sea state ${held !== null ? 'stays as last stored (fallback)' : 'has no data'}`,
    fields: {reason: summary.fallback_reason},
  })
  return summary
}

/** Where the probe asks when no port is stored: the North Sea off the Dutch coast, always at sea. */
const PROBE_POINT = {lat: 53.5, lon: 4.5}

/**
 * The health-check probe: the current wave height at one point (the busiest port, else a point at sea), live,
 * one attempt, counted against the quota; throws what went wrong.
 */
export async function probeOpenMeteo(ctx: Context): Promise<string> {
  const [port] = await busiestPorts(ctx.db, 1)
  const point = port ?? PROBE_POINT
  const url = new URL(ctx.config.openMeteoUrl)
  url.searchParams.set('latitude', point.lat.toFixed(4))
  url.searchParams.set('longitude', point.lon.toFixed(4))
  url.searchParams.set('current', 'wave_height')
  url.searchParams.set('timeformat', 'unixtime')
  const {body} = await callProvider(ctx, 'open-meteo', url.toString(), undefined, {retries: 0})
  const answer = location.safeParse(body)
  if (!answer.success) throw new Error('Open-Meteo answered without a location')
  const wave = answer.data.current?.wave_height
  return wave === undefined || wave === null ? 'no wave height at the point' : `wave height ${wave} m`
}
