// The safety job: refresh storm zones (NWS live, else what the database holds, else the shipped capture),
// piracy risk areas (from the shipped incidents) and congestion areas (from the ports job), then detect
// events and notify watchers.
import {and, eq, gt, isNull, or} from 'drizzle-orm'

import {throwIfCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {safetyEvents, safetyZones, type DataSource} from '../db/schema.js'
import {loadShippedIncidents} from '../datasets/piracy.js'
import {errorMessage} from '../errors.js'
import {circleGeometry} from '../geo/geometry.js'
import {latestCongestion} from '../ports/congestion.js'
import {worstSource} from '../provenance.js'
import {fetchActiveAlerts, joinOutlines, loadShippedAlerts, SHIPPED_ALERTS_REFERENCE, zoneOutline} from '../providers/nws.js'
import {refreshPortWeather, type PortWeatherSummary} from '../providers/open-meteo.js'
import {applyDetection, planDetection} from './detect.js'
import {deliverWebhooks, type DeliveryResult} from './webhooks.js'
import {buildPiracyZones, storeZones, stormZonesFromAlerts, type ZoneDraft, type ZoneWrite} from './zones.js'

export interface ZoneRefresh extends ZoneWrite {
  source: DataSource
  observed_at: string | null
  fallback_reason?: string
  [extra: string]: unknown
}

export interface SafetyEventsSummary {
  total_events_created: number
  total_notifications_created: number
  success: boolean
  /** The least trustworthy source among the zones the events were detected against. */
  source: DataSource
  events_resolved: number
  events_open: number
  errors_count: number
  zones: {storm: ZoneRefresh; piracy: ZoneRefresh; congestion: ZoneRefresh}
  port_weather: PortWeatherSummary
  webhooks: DeliveryResult
}

/** At most this many zone outlines are fetched per run (each is cached for a week after). */
const ZONE_FETCHES_PER_RUN = 100

export async function refreshStormZones(ctx: Context): Promise<ZoneRefresh> {
  const log = ctx.logger.child({job: 'safety'})
  const now = ctx.clock.now()
  let served
  try {
    served = await fetchActiveAlerts(ctx)
  } catch (error) {
    throwIfCancelled(ctx.signal)
    return stormFallback(ctx, errorMessage(error))
  }
  const parsed = served.data
  // Alerts that name marine zones instead of giving a polygon take the zones' outlines.
  let fetches = 0
  let outlined = 0
  const alerts = []
  for (const alert of parsed.alerts) {
    if (!alert.geometry && alert.affectedZones.length > 0 && fetches < ZONE_FETCHES_PER_RUN) {
      const outlines = []
      for (const zoneUrl of alert.affectedZones) {
        if (fetches >= ZONE_FETCHES_PER_RUN) break
        fetches++
        const outline = await zoneOutline(ctx, zoneUrl)
        if (outline) outlines.push(outline)
      }
      const geometry = joinOutlines(outlines)
      if (geometry) outlined++
      alerts.push({...alert, geometry})
    } else {
      alerts.push(alert)
    }
  }
  throwIfCancelled(ctx.signal)
  const {drafts, withoutGeometry} = stormZonesFromAlerts(alerts, served.source, 'ingest', served.fetchedAt)
  const write = storeZones(ctx.db, 'storm', drafts, now, {origins: ['ingest']})
  if (parsed.rejected.length > 0) log.warn(`NWS alerts rejected: ${parsed.rejected.length}`, {first: parsed.rejected[0]})
  log.debug('NWS alerts read', {marine: parsed.alerts.length, not_marine: parsed.notMarine, outlined_from_zones: outlined, without_geometry: withoutGeometry})
  return {
    ...write,
    source: served.source,
    observed_at: new Date(served.fetchedAt).toISOString(),
    age_seconds: served.ageSeconds,
    attempts: served.attempts,
    retries: Math.max(0, served.attempts - 1),
    marine_alerts: parsed.alerts.length,
    outlined_from_zones: outlined,
    without_geometry: withoutGeometry,
    rejected: parsed.rejected.length,
    ...(served.reason ? {fallback_reason: served.reason} : {}),
  }
}

/** NWS unavailable and nothing cached: the zones the database holds from the last good answer, else the shipped capture. */
async function stormFallback(ctx: Context, reason: string): Promise<ZoneRefresh> {
  const log = ctx.logger.child({job: 'safety'})
  const now = ctx.clock.now()
  const attempts = Number(/after (\d+) attempts/.exec(reason)?.[1] ?? 1)
  const held = await ctx.db.orm
    .select({id: safetyZones.id, observedAt: safetyZones.observedAt})
    .from(safetyZones)
    .where(
      and(
        eq(safetyZones.kind, 'storm'),
        eq(safetyZones.origin, 'ingest'),
        eq(safetyZones.active, true),
        or(isNull(safetyZones.validTo), gt(safetyZones.validTo, now)),
      ),
    )
    .all()
  const shipped = loadShippedAlerts()
  const {drafts} = stormZonesFromAlerts(shipped.alerts, 'emergency', 'fallback', SHIPPED_ALERTS_REFERENCE)
  const write = storeZones(ctx.db, 'storm', drafts, now, {origins: ['fallback']})
  const meta = {fallback_reason: reason, attempts, retries: Math.max(0, attempts - 1)}
  if (held.length > 0) {
    log.warn(`NWS alerts unavailable; keeping ${held.length} storm zones from the last good answer (fallback)`, {reason})
    const newest = Math.max(...held.map((z) => z.observedAt))
    return {...write, source: 'fallback', observed_at: new Date(newest).toISOString(), held: held.length, ...meta}
  }
  log.warn('NWS alerts unavailable; storm zones come from the shipped capture of 2025-07-15 (emergency)', {reason})
  return {...write, source: 'emergency', observed_at: new Date(SHIPPED_ALERTS_REFERENCE).toISOString(), ...meta}
}

export function refreshPiracyZones(ctx: Context): ZoneRefresh {
  const {incidents, rejected} = loadShippedIncidents()
  if (rejected.length > 0) ctx.logger.debug(`piracy incidents rejected: ${rejected.length}`, {first: rejected[0]})
  const drafts = buildPiracyZones(incidents, {
    windowDays: ctx.config.piracyWindowDays,
    radiusKm: ctx.config.piracyRadiusKm,
    minIncidents: ctx.config.piracyMinIncidents,
    source: 'emergency',
    origin: 'fallback',
  })
  const write = storeZones(ctx.db, 'piracy', drafts, ctx.clock.now(), {origins: ['fallback']})
  const newest = incidents.reduce((max, i) => Math.max(max, i.occurredAt), 0)
  return {
    ...write,
    source: 'emergency',
    observed_at: newest ? new Date(newest).toISOString() : null,
    incidents: incidents.length,
    incidents_rejected: rejected.length,
    data_age_days: newest ? Math.floor((ctx.clock.now() - newest) / 86_400_000) : null,
  }
}

export async function refreshCongestionZones(ctx: Context): Promise<ZoneRefresh> {
  const now = ctx.clock.now()
  const congested = await latestCongestion(ctx.db, ['high', 'severe'])
  const drafts: ZoneDraft[] = congested.map((c) => ({
    kind: 'congestion',
    externalId: `congestion:port:${c.portId}`,
    name: `${c.name}: ${c.level} congestion`,
    severity: c.level === 'severe' ? 'critical' : 'high',
    geometry: circleGeometry(c.lat, c.lon, c.radiusKm, 32),
    validFrom: c.observedAt,
    validTo: null,
    active: true,
    portId: c.portId,
    source: c.source,
    observedAt: c.observedAt,
    origin: 'ingest',
    metadata: {level: c.level, vessels_waiting: c.waiting, baseline_waiting: c.baseline},
  }))
  const write = storeZones(ctx.db, 'congestion', drafts, now, {origins: ['ingest']})
  const newest = congested.reduce((max, c) => Math.max(max, c.observedAt), 0)
  return {...write, source: worstSource(congested.map((c) => c.source)), observed_at: newest ? new Date(newest).toISOString() : null}
}

export async function runSafetyJob(ctx: Context): Promise<SafetyEventsSummary> {
  // Each step is whole; a stop request (timeout, signal) ends the job between steps.
  const storm = await refreshStormZones(ctx)
  throwIfCancelled(ctx.signal)
  const portWeather = await refreshPortWeather(ctx)
  throwIfCancelled(ctx.signal)
  const piracy = refreshPiracyZones(ctx)
  const congestion = await refreshCongestionZones(ctx)
  const plan = await planDetection(ctx)
  throwIfCancelled(ctx.signal)
  const result = applyDetection(ctx, plan)
  const webhooks = await deliverWebhooks(ctx)
  const open = await ctx.db.orm.$count(safetyEvents, isNull(safetyEvents.resolvedAt))
  return {
    total_events_created: result.created.length,
    total_notifications_created: result.notifications,
    success: true,
    source: worstSource([storm.source, piracy.source, ...(congestion.created + congestion.updated + congestion.unchanged > 0 ? [congestion.source] : [])]),
    events_resolved: result.resolved,
    events_open: open,
    errors_count: 0,
    zones: {storm, piracy, congestion},
    port_weather: portWeather,
    webhooks,
  }
}
