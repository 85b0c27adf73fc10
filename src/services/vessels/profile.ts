// Vessel profiles: identity history, usual ports, last port call, and activity and events over 30 days,
// computed for a range of vessels at once (one statement per part, grouped by vessel) by the daily
// profile-refresh job, stored, and read by `vessels show`; a vessel not yet profiled is computed live alone.
import type {ProfileRefreshJobSummary} from '../../schemas/job-summaries.js'
import type {VesselProfile} from '../../schemas/vessels.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {eventCountsByTypeIn} from '../db/events.js'
import {callsByPortIn, lastCallsIn} from '../db/port-calls.js'
import {read} from '../db/query.js'
import {write} from '../db/transaction.js'
import {identityValuesIn} from '../db/vessel-identity.js'
import {storedProfile, storeProfiles, type VesselProfileRow} from '../db/vessel-profiles.js'
import {activityIn, positionsBeforeLatestIn, vesselMmsis} from '../db/vessels.js'

export type {ProfileRefreshJobSummary} from '../../schemas/job-summaries.js'

const DAY_MS = 86_400_000
/** Activity and events are counted over this window before the profile's time. */
export const PROFILE_WINDOW_MS = 30 * DAY_MS
/** The ports a profile lists as usual: the most called. */
export const USUAL_PORTS = 5
/** Vessels computed and written together: each part read once for the chunk, the chunk written in one transaction. */
export const PROFILE_CHUNK = 2_000

function groupBy<T extends {mmsi: number}>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>()
  for (const r of rows) {
    const list = out.get(r.mmsi)
    if (list) list.push(r)
    else out.set(r.mmsi, [r])
  }
  return out
}

/**
 * The profiles of the given vessels (ascending MMSIs, as `vesselMmsis` lists them) as of `now`: every part
 * read for the MMSI range they span, in one snapshot. Vessels of the range not given are left out.
 */
export async function computeProfiles(ctx: Pick<Context, 'db'>, mmsis: readonly number[], now: number): Promise<VesselProfileRow[]> {
  if (mmsis.length === 0) return []
  const {db} = ctx
  const lo = mmsis[0]
  const hi = mmsis[mmsis.length - 1]
  const since = now - PROFILE_WINDOW_MS
  const [activity, recent, identity, ports, lastCalls, events] = await read(db, async () => [
    await activityIn(db, lo, hi, since, now),
    await positionsBeforeLatestIn(db, lo, hi),
    await identityValuesIn(db, lo, hi),
    await callsByPortIn(db, lo, hi),
    await lastCallsIn(db, lo, hi),
    await eventCountsByTypeIn(db, lo, hi, since, now),
  ] as const)
  const activityOf = new Map(activity.map((a) => [a.mmsi, a]))
  const identityOf = groupBy(identity)
  const portsOf = groupBy(ports)
  const lastCallOf = new Map(lastCalls.map((c) => [c.mmsi, c]))
  const eventsOf = groupBy(events)
  return mmsis.map((mmsi): VesselProfileRow => {
    const a = activityOf.get(mmsi)
    const last = lastCallOf.get(mmsi)
    return {
      mmsi,
      computedAt: now,
      windowStart: since,
      positions24h: recent.get(mmsi) ?? 0,
      positions: a?.positions ?? 0,
      distanceNm: a ? Math.round(a.distanceNm * 10) / 10 : 0,
      daysHeard: a?.daysHeard ?? 0,
      firstHeardAt: a?.firstAt ?? null,
      lastHeardAt: a?.lastAt ?? null,
      identity: (identityOf.get(mmsi) ?? []).map(({field, value, firstSeenAt, lastSeenAt}) => ({field, value, firstSeenAt, lastSeenAt})),
      usualPorts: (portsOf.get(mmsi) ?? []).slice(0, USUAL_PORTS).map(({mmsi: _, ...port}) => port),
      lastPortCall: last ? {portId: last.portId, port: last.port, unlocode: last.unlocode, country: last.country, arrivedAt: last.arrivedAt, departedAt: last.departedAt, isCall: last.isCall} : null,
      eventsByType: Object.fromEntries((eventsOf.get(mmsi) ?? []).map((e) => [e.type, e.events])),
    }
  })
}

/** The profile-refresh job: every stored vessel's profile recomputed, a chunk of vessels at a time. */
export async function refreshProfiles(ctx: Context): Promise<ProfileRefreshJobSummary> {
  const now = ctx.clock.now()
  const mmsis = await vesselMmsis(ctx.db)
  const summary: ProfileRefreshJobSummary = {
    success: true,
    computed_at: iso(now) as string,
    window_since: iso(now - PROFILE_WINDOW_MS) as string,
    vessels: mmsis.length,
    profiles_written: 0,
    vessels_heard_30d: 0,
    vessels_with_calls: 0,
    vessels_with_events_30d: 0,
    chunks: 0,
  }
  for (let start = 0; start < mmsis.length; start += PROFILE_CHUNK) {
    // A stop request ends the run between chunks: every chunk written is whole.
    if (ctx.signal?.aborted) return {...summary, stopped: true}
    const profiles = await computeProfiles(ctx, mmsis.slice(start, start + PROFILE_CHUNK), now)
    await write(ctx.db, () => storeProfiles(ctx.db, profiles))
    summary.chunks++
    summary.profiles_written += profiles.length
    for (const p of profiles) {
      if (p.positions > 0) summary.vessels_heard_30d++
      if (p.usualPorts.length > 0) summary.vessels_with_calls++
      if (Object.keys(p.eventsByType).length > 0) summary.vessels_with_events_30d++
    }
  }
  ctx.logger.info(`profiles of ${summary.profiles_written} vessels refreshed`, {chunks: summary.chunks})
  return summary
}

/** A profile as `vessels show --json` prints it. */
export function profileView(p: VesselProfileRow, status: VesselProfile['status'], now: number): VesselProfile {
  const total = Object.values(p.eventsByType).reduce((sum, n) => sum + n, 0)
  return {
    status,
    computed_at: iso(p.computedAt) as string,
    age_seconds: Math.max(0, Math.round((now - p.computedAt) / 1000)),
    window_since: iso(p.windowStart) as string,
    identity_history: p.identity.map((v) => ({field: v.field, value: v.value, first_seen_at: iso(v.firstSeenAt) as string, last_seen_at: iso(v.lastSeenAt) as string})),
    usual_ports: p.usualPorts.map((u) => ({port_id: u.portId, port: u.port, unlocode: u.unlocode, country: u.country, calls: u.calls, last_arrived_at: iso(u.lastArrivedAt) as string})),
    last_port_call: p.lastPortCall && {
      port_id: p.lastPortCall.portId,
      port: p.lastPortCall.port,
      unlocode: p.lastPortCall.unlocode,
      country: p.lastPortCall.country,
      arrived_at: iso(p.lastPortCall.arrivedAt) as string,
      departed_at: iso(p.lastPortCall.departedAt),
      in_port: p.lastPortCall.departedAt === null,
    },
    activity_30d: {
      positions: p.positions,
      distance_nm: p.distanceNm,
      days_heard: p.daysHeard,
      first_heard_at: iso(p.firstHeardAt),
      last_heard_at: iso(p.lastHeardAt),
    },
    events_30d: {total, by_type: p.eventsByType},
  }
}

/** One vessel's profile: the stored one whatever its age, else computed now (and labelled live). */
export async function vesselProfile(ctx: Context, mmsi: number): Promise<{row: VesselProfileRow; view: VesselProfile}> {
  const now = ctx.clock.now()
  const stored = await storedProfile(ctx.db, mmsi)
  if (stored) return {row: stored, view: profileView(stored, 'stored', now)}
  const [live] = await computeProfiles(ctx, [mmsi], now)
  return {row: live, view: profileView(live, 'live', now)}
}
