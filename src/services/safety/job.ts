// The safety job: refresh storm zones (NWS live, else what the database holds, else the shipped capture),
// piracy risk areas (from the shipped incidents) and congestion areas (from the ports job), then detect
// events and notify watchers.
import type {CongestionZonesRefresh, PiracyRefresh, SafetyJobSummary} from '../../schemas/job-summaries.js'

import {throwIfCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {countOpenEvents} from '../db/events.js'
import {circleGeometry} from '../geo/geometry.js'
import {shippedPiracyZones} from '../piracy/zones.js'
import {latestCongestion} from '../ports/congestion.js'
import {worstSource} from '../provenance.js'
import {refreshPortWeather} from '../providers/open-meteo.js'
import {applyDetection, planDetection} from './detect.js'
import {refreshStormZones} from './storms.js'
import {deliverWebhooks} from './webhooks.js'
import {storeZones, type ZoneDraft} from './zones.js'


export type {SafetyJobSummary} from '../../schemas/job-summaries.js'

/** Piracy risk areas from the shipped incidents (built once per machine, then read from the cache). */
export async function refreshPiracyZones(ctx: Context): Promise<PiracyRefresh> {
  const built = shippedPiracyZones(ctx)
  const write = await storeZones(ctx.db, 'piracy', built.drafts, ctx.clock.now(), {origins: ['fallback']})
  const newest = built.newestAt
  ctx.logger.child({job: 'safety'}).debug(`piracy zones ${built.builtFrom === 'cache' ? 'read from the cache' : 'built'} in ${built.buildMs} ms`, {
    zones: built.drafts.length,
  })
  return {
    ...write,
    source: 'emergency',
    observed_at: newest === null ? null : new Date(newest).toISOString(),
    data_age_days: newest === null ? null : Math.floor((ctx.clock.now() - newest) / 86_400_000),
    ...built.summary,
    built_from: built.builtFrom,
    build_ms: built.buildMs,
  }
}

export async function refreshCongestionZones(ctx: Context): Promise<CongestionZonesRefresh> {
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
  const write = await storeZones(ctx.db, 'congestion', drafts, now, {origins: ['ingest']})
  const newest = congested.reduce((max, c) => Math.max(max, c.observedAt), 0)
  return {...write, source: worstSource(congested.map((c) => c.source)), observed_at: newest ? new Date(newest).toISOString() : null}
}

export async function runSafetyJob(ctx: Context): Promise<SafetyJobSummary> {
  // Each step is whole; a stop request (timeout, signal) ends the job between steps.
  const storm = await refreshStormZones(ctx)
  throwIfCancelled(ctx.signal)
  const portWeather = await refreshPortWeather(ctx)
  throwIfCancelled(ctx.signal)
  const piracy = await refreshPiracyZones(ctx)
  const congestion = await refreshCongestionZones(ctx)
  const plan = await planDetection(ctx)
  throwIfCancelled(ctx.signal)
  const result = await applyDetection(ctx, plan)
  const webhooks = await deliverWebhooks(ctx)
  const open = await countOpenEvents(ctx.db)
  return {
    total_events_created: result.created.length,
    total_notifications_created: result.notifications,
    success: true,
    source: worstSource([storm.source, piracy.source, ...(congestion.created + congestion.updated + congestion.unchanged > 0 ? [congestion.source] : [])]),
    events_resolved: result.resolved,
    events_open: open,
    // Alerts NWS sent that could not be read, and zone outlines that could not be had.
    errors_count: storm.rejected + storm.zone_outlines.failed,
    zones: {storm, piracy, congestion},
    port_weather: portWeather,
    webhooks,
  }
}
