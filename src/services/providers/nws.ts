// Marine weather alerts from the NWS API (`/alerts/active`, GeoJSON), validated with zod, and the shipped
// capture of that API used as the last fallback for storms.
import {readFileSync} from 'node:fs'

import {z} from 'zod'

import {shippedFiles} from '../datasets/paths.js'
import {type ZoneGeometry, asZoneGeometry} from '../geo/geometry.js'
import {isFresh, readCache} from '../cache/api-cache.js'
import {isCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {errorMessage} from '../errors.js'
import {isMarineEvent, marineEvent} from '../safety/storm-severity.js'
import {callProvider, fetchThroughCache, ProviderUnavailable, type Served} from './fetch.js'

const nwsTime = z.string().nullish()

const alertSchema = z.object({
  id: z.string().optional(),
  type: z.literal('Feature'),
  geometry: z.unknown().nullable(),
  properties: z.object({
    id: z.string(),
    event: z.string(),
    headline: z.string().nullish(),
    areaDesc: z.string().nullish(),
    severity: z.string().nullish(),
    certainty: z.string().nullish(),
    status: z.string().nullish(),
    messageType: z.string().nullish(),
    sent: nwsTime,
    effective: nwsTime,
    onset: nwsTime,
    expires: nwsTime,
    ends: nwsTime,
    affectedZones: z.array(z.string()).nullish(),
  }),
})

const collectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(z.unknown()),
  updated: z.string().nullish(),
})

export interface MarineAlert {
  /** The NWS alert id (`properties.id`). */
  externalId: string
  /** As the marine event table spells it. */
  event: string
  headline: string | null
  area: string | null
  /** NWS's own severity and certainty (Extreme/Severe/Moderate/Minor, Observed/Likely/Possible/Unlikely). */
  nwsSeverity: string | null
  certainty: string | null
  geometry: ZoneGeometry | null
  affectedZones: string[]
  /** Set when the geometry was joined from the outlines of the zones the alert names (paths of those had and missing). */
  outline?: {zones: string[]; missing: string[]}
  sent: number | null
  validFrom: number | null
  validTo: number | null
}

export interface AlertParse {
  alerts: MarineAlert[]
  /** Alerts of the feed that are not marine (heat, air quality, floods inland...). */
  notMarine: number
  rejected: Array<{id: string; reason: string}>
}

/**
 * Reads an NWS time. The live API sends ISO 8601 with an offset; the shipped capture comes from a test
 * proxy that writes `date:now -44 seconds`, resolved against the capture's reference time when one is given.
 */
export function parseNwsTime(value: string | null | undefined, reference?: number): number | null | string {
  if (value === null || value === undefined) return null
  const relative = /^date:now\s*([+-])\s*(\d+)\s*(second|minute|hour|day)s?$/.exec(value.trim())
  if (relative) {
    if (reference === undefined) return `relative time ${JSON.stringify(value)} outside a capture`
    const unit = {second: 1e3, minute: 60e3, hour: 3600e3, day: 86_400e3}[relative[3] as 'second']
    return reference + (relative[1] === '-' ? -1 : 1) * Number(relative[2]) * unit
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    return `unreadable time ${JSON.stringify(value)}`
  }
  return Date.parse(value)
}

/** Validates an `/alerts/active` payload and keeps the marine alerts. */
export function parseAlerts(payload: unknown, reference?: number): AlertParse {
  const collection = collectionSchema.safeParse(payload)
  if (!collection.success) {
    throw new Error(`not an NWS alerts FeatureCollection: ${collection.error.issues[0]?.message ?? 'wrong shape'}`)
  }
  const out: AlertParse = {alerts: [], notMarine: 0, rejected: []}
  for (const raw of collection.data.features) {
    const parsed = alertSchema.safeParse(raw)
    if (!parsed.success) {
      const id = (raw as {properties?: {id?: unknown}})?.properties?.id
      out.rejected.push({id: typeof id === 'string' ? id : '(no id)', reason: `wrong shape: ${parsed.error.issues[0]?.message}`})
      continue
    }
    const p = parsed.data.properties
    if (!isMarineEvent(p.event)) {
      out.notMarine++
      continue
    }
    const times: Record<string, number | null> = {}
    let problem: string | null = null
    for (const key of ['sent', 'effective', 'onset', 'expires', 'ends'] as const) {
      const t = parseNwsTime(p[key], reference)
      if (typeof t === 'string') {
        problem = `${key}: ${t}`
        break
      }
      times[key] = t
    }
    let geometry: ZoneGeometry | null = null
    if (problem === null && parsed.data.geometry !== null && parsed.data.geometry !== undefined) {
      geometry = asZoneGeometry(parsed.data.geometry)
      if (!geometry) problem = 'geometry is not a valid Polygon or MultiPolygon'
    }
    if (problem !== null) {
      out.rejected.push({id: p.id, reason: problem})
      continue
    }
    out.alerts.push({
      externalId: p.id,
      event: marineEvent(p.event)?.event ?? p.event,
      headline: p.headline ?? null,
      area: p.areaDesc ?? null,
      nwsSeverity: p.severity ?? null,
      certainty: p.certainty ?? null,
      geometry,
      affectedZones: p.affectedZones ?? [],
      sent: times.sent,
      // onset may come after expires is set; the alert applies from its onset (or effective) time.
      validFrom: times.onset ?? times.effective ?? times.sent,
      // ends is when the hazard ends; expires only when this message does.
      validTo: times.ends ?? times.expires,
    })
  }
  return out
}

/** Active alerts, through the cache (live, else a cached answer); throws ProviderUnavailable when neither. */
export async function fetchActiveAlerts(ctx: Context): Promise<Served<AlertParse>> {
  const path = '/alerts/active?status=actual'
  return fetchThroughCache(ctx, {
    provider: 'nws',
    key: `nws:${path}`,
    url: `${ctx.config.nwsUrl.replace(/\/+$/, '')}${path}`,
    parse: (body) => parseAlerts(body),
  })
}

/**
 * The health-check probe: one active alert (`limit=1`), live, one attempt, counted against the quota; throws
 * what went wrong. Says how many features the answer held.
 */
export async function probeNws(ctx: Context): Promise<string> {
  const url = `${ctx.config.nwsUrl.replace(/\/+$/, '')}/alerts/active?status=actual&limit=1`
  const {body} = await callProvider(ctx, 'nws', url, undefined, {retries: 0})
  const collection = collectionSchema.safeParse(body)
  if (!collection.success) throw new Error('not an NWS alerts FeatureCollection')
  return `${collection.data.features.length} alert${collection.data.features.length === 1 ? '' : 's'}`
}

const zoneSchema = z.object({type: z.literal('Feature'), geometry: z.unknown(), properties: z.object({id: z.string()}).loose()})
const ZONE_PATH = /^\/zones\/(forecast|offshore|coastal|marine|public|county|fire)\/[A-Z]{2,3}\d{3}$/

/** The path of an NWS zone an alert names (`affectedZones`), e.g. `/zones/forecast/PKZ413`; null when the reference is not one. */
export function zonePath(zoneUrl: string): string | null {
  try {
    const path = new URL(zoneUrl).pathname
    return ZONE_PATH.test(path) ? path : null
  } catch {
    return null
  }
}

const zoneKey = (path: string) => `nws-zones:${path}`

function parseZone(body: unknown): ZoneGeometry {
  const zone = zoneSchema.parse(body)
  const geometry = asZoneGeometry(zone.geometry)
  if (!geometry) throw new Error(`zone ${zone.properties.id} has no polygon outline`)
  return geometry
}

/** A zone's outline as the cache holds it, with whether it is still within its time to live; no call. */
export async function cachedZoneOutline(ctx: Context, path: string): Promise<{geometry: ZoneGeometry; fresh: boolean} | null> {
  const entry = await readCache(ctx.db, zoneKey(path))
  if (!entry) return null
  try {
    return {geometry: parseZone(JSON.parse(entry.payload)), fresh: isFresh(entry, ctx.clock.now())}
  } catch {
    return null
  }
}

export type ZoneOutlineResult =
  | {geometry: ZoneGeometry; source: 'live' | 'cached'; requests: number; reason?: string}
  | {geometry: null; requests: number; reason: string}

/**
 * A zone's outline from the configured NWS base URL (the zone URL's path is asked of it), cached for a week;
 * when the call fails, a stale cached outline still serves. `requests` counts the calls made (retries too).
 */
export async function fetchZoneOutline(ctx: Context, path: string): Promise<ZoneOutlineResult> {
  try {
    const served = await fetchThroughCache(ctx, {
      provider: 'nws-zones',
      key: zoneKey(path),
      url: `${ctx.config.nwsUrl.replace(/\/+$/, '')}${path}`,
      // One outcome per run is recorded for the whole set of outlines, not one per zone.
      track: false,
      parse: parseZone,
    })
    return {geometry: served.data, source: served.source, requests: served.attempts, reason: served.problem}
  } catch (error) {
    if (isCancelled(error)) throw error
    if (error instanceof ProviderUnavailable) return {geometry: null, requests: error.attempts, reason: error.problem}
    return {geometry: null, requests: 0, reason: errorMessage(error)}
  }
}

/** Joins the outlines of several zones into one geometry. */
export function joinOutlines(outlines: ZoneGeometry[]): ZoneGeometry | null {
  if (outlines.length === 0) return null
  if (outlines.length === 1) return outlines[0]
  return {type: 'MultiPolygon', coordinates: outlines.flatMap((g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates))}
}

/**
 * The shipped capture: api.weather.gov `/alerts/active` as upstream's test proxy replays it, with times
 * written relative to the moment it was taken. Headlines ("issued July 15 at 12:58PM MST", sent 164 s
 * before) fix that moment at 2025-07-15T20:00:44Z; see data/PROVENANCE.md.
 */
export const SHIPPED_ALERTS_REFERENCE = Date.parse('2025-07-15T20:00:44Z')

export function loadShippedAlerts(path: string = shippedFiles.nwsAlerts): AlertParse {
  return parseAlerts(JSON.parse(readFileSync(path, 'utf8')), SHIPPED_ALERTS_REFERENCE)
}
