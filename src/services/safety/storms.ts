// Storm zones from NWS marine alerts: zone outlines within a per-run request budget, alerts short of outlines
// kept and retried, warnings without an outline reported, zones settled against the clock (upcoming, ended).
import {iso} from '../clock.js'
import {throwIfCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import type {DataSource} from '../db/schema.js'
import * as stored from '../db/storm-alerts.js'
import {errorMessage} from '../errors.js'
import {reportCondition} from '../log/conditions.js'
import type {ZoneGeometry} from '../geo/geometry.js'
import {
  cachedZoneOutline,
  fetchActiveAlerts,
  fetchZoneOutline,
  joinOutlines,
  loadShippedAlerts,
  type MarineAlert,
  SHIPPED_ALERTS_REFERENCE,
  zonePath,
} from '../providers/nws.js'
import {ProviderUnavailable} from '../providers/fetch.js'
import {recordOutcome} from '../providers/usage.js'
import type {OutlineStats, StormRefresh} from '../../schemas/job-summaries.js'
import type {ZoneOutlineDetails} from '../../schemas/providers.js'
import {isWarning, marineEvent} from './storm-severity.js'
import {type ZoneDraft, type ZoneWrite, storeZones, stormZonesFromAlerts} from './zones.js'

/** NWS asks clients to be gentle; a few outlines at a time keep a national storm day to minutes. */
const ZONE_FETCH_CONCURRENCY = 4
/** Settled pending alerts are kept this long for operators to look back on. */
const SETTLED_KEPT_MS = 7 * 86_400_000

interface Outlines {
  geometry: Map<string, ZoneGeometry>
  /** Why a zone has no outline this run. */
  missing: Map<string, string>
  /** Failed calls, by zone, whether or not a stale outline served. */
  errors: Map<string, string>
  stats: OutlineStats
}

/** The outlines of `paths`: fresh cache first (free), then the network within the run's request budget. */
export async function resolveOutlines(ctx: Context, paths: string[]): Promise<Outlines> {
  const budget = ctx.config.nwsZoneFetchBudget
  const stats: OutlineStats = {named: paths.length, from_cache: 0, fetched: 0, stale: 0, failed: 0, deferred: 0, requests: 0, budget}
  const out: Outlines = {geometry: new Map(), missing: new Map(), errors: new Map(), stats}
  const toFetch: Array<{path: string; stale: ZoneGeometry | null}> = []
  for (const path of paths) {
    const cached = await cachedZoneOutline(ctx, path)
    if (cached?.fresh) {
      out.geometry.set(path, cached.geometry)
      stats.from_cache++
    } else {
      toFetch.push({path, stale: cached?.geometry ?? null})
    }
  }

  let next = 0
  // A call in flight holds one request of the budget until it reports how many it made (its retries may
  // pass the budget by a few; a new call never starts past it).
  let inFlight = 0
  const worker = async () => {
    while (next < toFetch.length) {
      const {path, stale} = toFetch[next++]
      const stopped = ctx.signal?.aborted ?? false
      if (stats.requests + inFlight >= budget || stopped) {
        stats.deferred++
        if (stale) {
          out.geometry.set(path, stale)
          stats.stale++
        } else {
          out.missing.set(path, stopped ? 'not asked: the run was stopped' : `not asked: this run's budget of ${budget} zone requests is spent`)
        }
        continue
      }
      inFlight++
      const result = await fetchZoneOutline(ctx, path).finally(() => inFlight--)
      stats.requests += result.requests
      // The zone is named beside the reason already: the reason leaves out the request.
      const {reason} = result
      if (reason !== undefined) {
        stats.failed++
        out.errors.set(path, reason)
      }
      if (result.geometry) {
        out.geometry.set(path, result.geometry)
        if (result.source === 'live') stats.fetched++
        else stats.stale++
      } else {
        out.missing.set(path, reason as string)
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(ZONE_FETCH_CONCURRENCY, toFetch.length)}, worker))
  return out
}

/** An alert to place on the map, with the source it was read from. */
interface Placement {
  alert: MarineAlert
  source: DataSource
  /** When the NWS answer listing it was fetched; null when carried over from an earlier run's answer. */
  listedAt: number | null
}

interface PlacementResult {
  placed: Placement[]
  waiting: stored.PendingAlertUpdate[]
  completed: string[]
  outlines: Outlines
  outlinedFromZones: number
}

function zoneRefs(alert: MarineAlert): {paths: string[]; unusable: string[]} {
  const paths = new Set<string>()
  const unusable: string[] = []
  for (const ref of alert.affectedZones) {
    const path = zonePath(ref)
    if (path) paths.add(path)
    else unusable.push(ref)
  }
  return {paths: [...paths], unusable}
}

const zoneId = (path: string) => path.slice(path.lastIndexOf('/') + 1)

/** Gives every alert without a polygon the outlines of the zones it names, as far as this run can. */
async function placeAlerts(ctx: Context, placements: Placement[]): Promise<PlacementResult> {
  const refs = new Map<Placement, {paths: string[]; unusable: string[]}>()
  const named = new Set<string>()
  for (const p of placements) {
    if (p.alert.geometry) continue
    const r = zoneRefs(p.alert)
    refs.set(p, r)
    for (const path of r.paths) named.add(path)
  }
  const outlines = await resolveOutlines(ctx, [...named].sort())
  const short = [...refs.keys()].filter((p) => refs.get(p)?.paths.some((path) => !outlines.geometry.has(path))).map((p) => p.alert.externalId)
  const kept = await stored.storedStormGeometry(ctx.db, short)

  const result: PlacementResult = {placed: [], waiting: [], completed: [], outlines, outlinedFromZones: 0}
  for (const p of placements) {
    const r = refs.get(p)
    if (!r) {
      result.placed.push(p)
      result.completed.push(p.alert.externalId)
      continue
    }
    const a = p.alert
    const base = {
      alertId: a.externalId,
      event: a.event,
      warning: isWarning(a.event),
      area: a.area,
      alert: a as unknown as Record<string, unknown>,
      zones: r.paths,
      source: p.source,
      validFrom: a.validFrom,
      validTo: a.validTo,
      listedAt: p.listedAt,
    }
    if (r.paths.length === 0) {
      const reason =
        a.affectedZones.length === 0
          ? 'it names no zones and has no polygon'
          : `it names no NWS zone harbormaster can ask for (${r.unusable.slice(0, 3).join(', ')}) and has no polygon`
      result.waiting.push({...base, state: 'unplaceable', missingZones: [], reason})
      continue
    }
    const had = r.paths.filter((path) => outlines.geometry.has(path))
    const missing = r.paths.filter((path) => !outlines.geometry.has(path))
    // With none of its outlines this run, an alert keeps the outline its zone already has.
    const geometry = joinOutlines(had.map((path) => outlines.geometry.get(path) as ZoneGeometry)) ?? kept.get(a.externalId) ?? null
    if (geometry) {
      result.placed.push({...p, alert: {...a, geometry, outline: {zones: had, missing}}})
      result.outlinedFromZones++
    }
    if (missing.length === 0) {
      result.completed.push(a.externalId)
      continue
    }
    const reasons = [...new Set(missing.map((path) => outlines.missing.get(path) as string))]
    const which = missing.length === r.paths.length ? `none of its ${r.paths.length} zone outlines` : `${missing.length} of its ${r.paths.length} zone outlines`
    result.waiting.push({
      ...base,
      state: 'pending',
      missingZones: missing,
      reason: `${which} (${missing.slice(0, 3).map(zoneId).join(', ')}${missing.length > 3 ? ', …' : ''}): ${reasons.slice(0, 2).join('; ')}`,
    })
  }
  return result
}

function draftsOf(placed: Placement[], fetchedAt: number, now: number): ZoneDraft[] {
  return placed.flatMap((p) => stormZonesFromAlerts([p.alert], p.source, 'ingest', fetchedAt, now).drafts)
}

const hasEnded = (validTo: number | null, now: number) => validTo !== null && validTo <= now

export async function refreshStormZones(ctx: Context): Promise<StormRefresh> {
  await stored.adoptLegacyStormIds(ctx.db)
  let served
  try {
    served = await fetchActiveAlerts(ctx)
  } catch (error) {
    throwIfCancelled(ctx.signal)
    return stormFallback(ctx, error)
  }
  const now = ctx.clock.now()
  const {alerts, notMarine, rejected} = served.data
  const log = ctx.logger.child({job: 'safety'})
  await reportCondition(ctx, 'nws-alerts', null, log)

  const listed = new Map(alerts.map((a) => [a.externalId, a]))
  const open = await stored.openPendingAlerts(ctx.db)
  // NWS stopped listing an alert it listed before (cancelled, replaced or over): it no longer waits.
  const withdrawn = open.filter((r) => !listed.has(r.alertId) && r.listedAt < served.fetchedAt).map((r) => r.alertId)
  const expired = open.filter((r) => hasEnded(listed.has(r.alertId) ? (listed.get(r.alertId) as MarineAlert).validTo : r.validTo, now)).map((r) => r.alertId)
  // Listed by a newer answer than the one served (a stale cache serves): still waiting, retried from the database.
  const carried = open.filter((r) => r.state === 'pending' && !listed.has(r.alertId) && r.listedAt >= served.fetchedAt && !hasEnded(r.validTo, now))

  const inForce = alerts.filter((a) => !hasEnded(a.validTo, now))
  const placements: Placement[] = [
    ...inForce.map((alert) => ({alert, source: served.source as DataSource, listedAt: served.fetchedAt})),
    ...carried.map((r) => ({alert: r.alert as unknown as MarineAlert, source: r.source, listedAt: null})),
  ]
  const result = await placeAlerts(ctx, placements)
  const drafts = draftsOf(result.placed, served.fetchedAt, now)
  const write = await storeZones(ctx.db, 'storm', drafts, now, {origins: ['ingest']})
  const pending = await settle(ctx, result, {expired: expired.filter((id) => !withdrawn.includes(id)), withdrawn}, now)
  recordZoneOutcome(ctx, result.outlines)
  report(ctx, result, pending)
  if (rejected.length > 0) log.warn(`NWS alerts rejected: ${rejected.length}`, {first: rejected[0]})
  log.debug('NWS alerts read', {marine: alerts.length, not_marine: notMarine, outlined_from_zones: result.outlinedFromZones})
  return {
    ...write,
    source: served.source,
    observed_at: new Date(served.fetchedAt).toISOString(),
    age_seconds: served.ageSeconds,
    attempts: served.attempts,
    retries: Math.max(0, served.attempts - 1),
    ...(served.reason ? {fallback_reason: served.reason} : {}),
    ...counts(result, drafts, alerts.length - inForce.length, pending),
    marine_alerts: alerts.length,
    rejected: rejected.length,
  }
}

/**
 * NWS unavailable and nothing cached: alerts waiting from earlier runs are retried (their outlines may be
 * had now), then the zones the database holds from the last good answer serve, else the shipped capture.
 */
async function stormFallback(ctx: Context, failure: unknown): Promise<StormRefresh> {
  const log = ctx.logger.child({job: 'safety'})
  const now = ctx.clock.now()
  const reason = errorMessage(failure)
  // Calls made before giving up (none when the quota ruled the call out); an answer that could not be read took one.
  const attempts = failure instanceof ProviderUnavailable ? failure.attempts : 1
  const open = await stored.openPendingAlerts(ctx.db)
  const expired = open.filter((r) => hasEnded(r.validTo, now)).map((r) => r.alertId)
  const carried = open.filter((r) => r.state === 'pending' && !hasEnded(r.validTo, now))
  const result = await placeAlerts(
    ctx,
    carried.map((r) => ({alert: r.alert as unknown as MarineAlert, source: r.source, listedAt: null})),
  )
  // No replace scope: without an answer from NWS nothing says which other zones are over.
  const drafts = draftsOf(result.placed, now, now)
  const completedWrite = await storeZones(ctx.db, 'storm', drafts, now)
  const pending = await settle(ctx, result, {expired, withdrawn: []}, now)
  recordZoneOutcome(ctx, result.outlines)
  report(ctx, result, pending)

  const held = await stored.heldStormZones(ctx.db, now)
  const shipped = loadShippedAlerts()
  const shippedDrafts = stormZonesFromAlerts(shipped.alerts, 'emergency', 'fallback', SHIPPED_ALERTS_REFERENCE).drafts
  const write = sumWrites(completedWrite, await storeZones(ctx.db, 'storm', shippedDrafts, now, {origins: ['fallback']}))
  const meta = {fallback_reason: reason, attempts, retries: Math.max(0, attempts - 1), ...counts(result, drafts, 0, pending), marine_alerts: 0, rejected: 0}
  if (held.length > 0) {
    await reportCondition(ctx, 'nws-alerts', {state: 'fallback', message: `NWS alerts unavailable; keeping ${held.length} storm zones from the last good answer (fallback)`, fields: {reason}}, log)
    const newest = Math.max(...held.map((z) => z.observedAt))
    return {...write, source: 'fallback', observed_at: new Date(newest).toISOString(), held: held.length, ...meta}
  }
  await reportCondition(ctx, 'nws-alerts', {state: 'emergency', message: 'NWS alerts unavailable; storm zones come from the shipped capture of 2025-07-15 (emergency)', fields: {reason}}, log)
  return {...write, source: 'emergency', observed_at: new Date(SHIPPED_ALERTS_REFERENCE).toISOString(), ...meta}
}

type Settled = StormRefresh['pending_alerts']

/** Writes what this run learned about waiting alerts, settles the rest, and settles zones against the clock. */
async function settle(ctx: Context, result: PlacementResult, ended: {expired: string[]; withdrawn: string[]}, now: number): Promise<Settled & {zones: {ended: number; begun: number}}> {
  const {db} = ctx
  await stored.savePendingAlerts(db, result.waiting, now)
  const completed = await stored.settlePendingAlerts(db, result.completed, 'completed', now)
  const expired = await stored.settlePendingAlerts(db, ended.expired, 'expired', now)
  const withdrawn = await stored.settlePendingAlerts(db, ended.withdrawn, 'withdrawn', now)
  const zones = await stored.settleStormZones(db, now)
  await stored.purgeSettledAlerts(db, now - SETTLED_KEPT_MS)
  const open = await stored.openAlertCounts(db)
  return {waiting: open.pending, unplaceable: open.unplaceable, completed, expired, withdrawn, zones}
}

function counts(result: PlacementResult, drafts: ZoneDraft[], ended: number, pending: Awaited<ReturnType<typeof settle>>) {
  const warnings = new Map<string, number>()
  for (const w of result.waiting) if (w.warning) warnings.set(w.event, (warnings.get(w.event) ?? 0) + 1)
  const rank = (event: string) => marineEvent(event)?.rank ?? Infinity
  const {zones, ...settled} = pending
  const placed = new Set(result.placed.map((p) => p.alert.externalId))
  return {
    with_polygon: result.placed.length - result.outlinedFromZones,
    outlined_from_zones: result.outlinedFromZones,
    without_geometry: result.waiting.filter((w) => !placed.has(w.alertId)).length,
    upcoming: drafts.filter((d) => d.metadata?.upcoming === true).length,
    ended: ended + zones.ended,
    zone_outlines: result.outlines.stats,
    pending_alerts: settled,
    warnings_without_geometry: [...warnings]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([event, alerts]) => ({event, alerts})),
  }
}

function sumWrites(a: ZoneWrite, b: ZoneWrite): ZoneWrite {
  return {
    created: a.created + b.created,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    deactivated: a.deactivated + b.deactivated,
    untouched: a.untouched + b.untouched,
  }
}

/** A warning without its outline is a WARN line naming it; the other alerts waiting are one INFO line. */
function report(ctx: Context, result: PlacementResult, pending: Settled): void {
  const log = ctx.logger.child({job: 'safety'})
  for (const w of result.waiting.filter((x) => x.warning)) {
    const what = `${w.event}${w.area ? ` for ${w.area}` : ''} (${w.alertId})`
    if (w.state === 'unplaceable') log.warn(`${what} cannot be placed: ${w.reason}`)
    else if (w.missingZones.length < w.zones.length) log.warn(`${what} lacks ${w.reason}; stored with the outlines it has, retried next run`)
    else log.warn(`${what} has no outline yet: ${w.reason}; kept and retried next run`)
  }
  const others = result.waiting.filter((x) => !x.warning)
  if (others.length > 0) {
    log.info(`${others.length} marine alerts other than warnings wait for zone outlines (${others[0].event}: ${others[0].reason}); retried next run`)
  }
  if (pending.completed > 0) log.info(`${pending.completed} marine alerts waiting from earlier runs have their outlines now`)
  if (pending.expired > 0) log.info(`${pending.expired} marine alerts ended while waiting for zone outlines`)
  if (pending.withdrawn > 0) log.info(`${pending.withdrawn} marine alerts waiting for zone outlines are no longer listed by NWS`)
}

/** One outcome per run for the zone outline provider, so `providers status` shows it used, failing or failed over. */
function recordZoneOutcome(ctx: Context, outlines: Outlines): void {
  const s = outlines.stats
  if (s.requests === 0 && s.deferred === 0) return
  const problems: string[] = []
  if (s.failed > 0) {
    const [path, reason] = [...outlines.errors.entries()].sort(([a], [b]) => a.localeCompare(b))[0]
    problems.push(`${s.failed} of ${s.fetched + s.failed} zone outline requests failed (${zoneId(path)}: ${reason})`)
  }
  if (s.deferred > 0) problems.push(`${s.deferred} zones not asked: the budget of ${s.budget} requests was spent`)
  recordOutcome(ctx, 'nws-zones', {
    source: s.fetched > 0 ? 'live' : s.stale > 0 ? 'cached' : 'fallback',
    error: problems.length > 0 ? problems.join('; ') : undefined,
  })
}

/** What `providers status` adds for the zone outline provider: the alerts still waiting for outlines. */
export async function zoneOutlineDetails(ctx: Context): Promise<ZoneOutlineDetails> {
  const now = ctx.clock.now()
  const open = await stored.openAlertCounts(ctx.db)
  return {
    alerts_waiting: open.pending,
    alerts_unplaceable: open.unplaceable,
    warnings_without_outline: (await stored.warningsWithoutOutline(ctx.db, now)).map((w) => ({
      event: w.event,
      alert_id: w.alertId,
      area: w.area,
      state: w.state,
      zones_missing: w.missingZones.length,
      zones_named: w.zones.length,
      reason: w.reason,
      waiting_since: iso(w.firstSeenAt),
      valid_to: iso(w.validTo),
    })),
  }
}
