// Stops from stored positions, the way Global Fishing Watch finds them: a stop starts under 0.2 kn and ends
// over 0.5 kn; a vessel at anchor (by its navigational status, or under 1 kn in an anchorage) is stopped
// whatever the hysteresis says, since anchored ships swing and drift at 0.6-0.8 kn. Positions flagged as
// dead reckoning or with positioning inoperative (AIS time stamp second 62, 63) are not used. Each pass
// reads only the positions stored since the last one.
import type {StopTrackingSummary} from '../../schemas/job-summaries.js'
import {throwIfCancelled, yieldToEventLoop} from '../cancel.js'
import type {Context} from '../context.js'
import {applyStopWrites, openStops, type PositionBatch, positionsAfter, type StopRow, type StopWrites, stopsWatermark} from '../db/vessel-stops.js'
import type {StopKind} from '../db/schema.js'
import {write} from '../db/transaction.js'
import {haversineKm} from '../geo/geometry.js'
import {cellToken} from '../geo/s2.js'
import {isEstimatedFix} from '../vessels/track.js'
import type {PortAreas, PortHit, Place} from './port-areas.js'

export const STOP_START_KNOTS = 0.2
export const STOP_END_KNOTS = 0.5
/** Under this in an anchorage, a vessel is at anchor (drifting on its chain), not under way. */
export const ANCHORED_KNOTS = 1
/** A vessel whose status says at anchor while it makes more than this has left its status behind. */
const ANCHOR_STATUS_MAX_KNOTS = 3
/** A stop whose vessel is this far from where it began has moved on (a swinging ship stays within a few hundred metres). */
const STOP_MAX_DRIFT_KM = 2
/** Stops outside every port area are kept (to learn anchorage cells from) only this near a port. */
export const NEAR_PORT_KM = 20
/** The first pass over a database reads this far back. */
const FIRST_PASS_DAYS = 7
const AT_ANCHOR = 1
const MOORED = 5

export interface TrackedPosition {
  at: number
  lat: number
  lon: number
  /** NaN when not available. */
  sog: number
  /** NaN when not available. */
  nav: number
}

export interface StopTrackerOptions {
  /** A gap in a stop's reports longer than this ends it at its last report (what happened meanwhile is unknown). */
  maxGapMs: number
}

export type OpenStop = Omit<StopRow, 'id'> & {id: number | null}

/**
 * Whether the report may be part of a stop, so that its place matters: slow, without a speed, or at anchor
 * by its status. Only these are looked up in the port areas.
 */
export function mayBeStopped(p: TrackedPosition): boolean {
  return (p.nav === AT_ANCHOR && !(p.sog > ANCHOR_STATUS_MAX_KNOTS)) || !(p.sog >= ANCHORED_KNOTS)
}

/**
 * Whether the vessel rides at anchor: by its status (unless it makes way), or under 1 kn in an anchorage.
 * `placeAt` gives the place of the report, asked only when the status does not settle it.
 */
export function ridingAtAnchor(p: TrackedPosition, placeAt: () => Place | null): boolean {
  return (p.nav === AT_ANCHOR && !(p.sog > ANCHOR_STATUS_MAX_KNOTS)) || (p.sog < ANCHORED_KNOTS && placeAt() === 'anchorage')
}

/** Whether a vessel under way has stopped with this report: under 0.2 kn, at anchor, or moored by its status without a speed. */
export function startsStop(p: TrackedPosition, atAnchor: boolean): boolean {
  return p.sog < STOP_START_KNOTS || atAnchor || (Number.isNaN(p.sog) && p.nav === MOORED)
}

/** Whether a stopped vessel is under way again with this report: over 0.5 kn, or no speed and a status other than moored. */
export function endsStop(p: TrackedPosition, atAnchor: boolean): boolean {
  return !atAnchor && (p.sog > STOP_END_KNOTS || (Number.isNaN(p.sog) && p.nav !== MOORED && !Number.isNaN(p.nav)))
}

/** The port area answers the tracker needs. */
export interface AreaLookup {
  locate(lat: number, lon: number): PortHit | null
  nearestPort(lat: number, lon: number, maxKm: number): {portId: number; distanceKm: number} | null
}

/**
 * One vessel's stops: feed its positions in time order; `finished` collects the stops that ended, `open`
 * is the stop in progress. Stops far from every port are followed (for the hysteresis) but not kept.
 */
export class VesselStopTracker {
  finished: OpenStop[] = []
  /** Whether the vessel is stopped, kept or not. */
  private stopped: boolean
  private lastAt: number

  constructor(
    readonly mmsi: number,
    public open: OpenStop | null,
    private readonly areas: AreaLookup,
    private readonly options: StopTrackerOptions,
  ) {
    this.stopped = open !== null
    this.lastAt = open?.lastAt ?? -Infinity
    this.touched = false
  }

  /** Whether the open stop changed (and must be written). */
  touched: boolean

  /** Returns false when the position is older than one already applied (out of order: skipped). */
  add(p: TrackedPosition): boolean {
    if (p.at <= this.lastAt) return false
    // Most reports are from ships under way: they are not looked up.
    const hit = mayBeStopped(p) ? this.areas.locate(p.lat, p.lon) : null
    const atAnchor = ridingAtAnchor(p, () => hit?.place ?? null)
    const open = this.open
    if (this.stopped && p.at - this.lastAt > this.options.maxGapMs) this.end(this.lastAt)
    else if (this.stopped) {
      const moving = endsStop(p, atAnchor)
      const moved = open !== null && (haversineKm(open.lat, open.lon, p.lat, p.lon) > STOP_MAX_DRIFT_KM || (hit?.portId ?? null) !== open.portId)
      if (moving) {
        this.end(p.at)
      } else if (moved) {
        this.end(p.at)
      } else {
        this.lastAt = p.at
        if (open) this.extend(open, p, hit)
        return true
      }
    }
    this.lastAt = p.at
    if (startsStop(p, atAnchor)) this.start(p, hit)
    return true
  }

  private kindAt(p: TrackedPosition, hit: PortHit | null): StopKind {
    if (!hit) return 'outside'
    if (p.nav === MOORED) return 'berth'
    if (p.nav === AT_ANCHOR) return 'anchorage'
    return hit.place
  }

  private start(p: TrackedPosition, hit: PortHit | null): void {
    this.stopped = true
    const portId = hit?.portId ?? null
    // Far from every port a stop is followed but not kept: nothing is learned or counted from it.
    if (portId === null && !this.areas.nearestPort(p.lat, p.lon, NEAR_PORT_KM)) return
    this.open = {
      id: null,
      mmsi: this.mmsi,
      portId,
      kind: this.kindAt(p, hit),
      cell: hit?.cell ?? cellToken(p.lat, p.lon),
      lat: p.lat,
      lon: p.lon,
      startedAt: p.at,
      lastAt: p.at,
      endedAt: null,
      anchoredReports: p.nav === AT_ANCHOR ? 1 : 0,
      mooredReports: p.nav === MOORED ? 1 : 0,
    }
    this.touched = true
  }

  private extend(open: OpenStop, p: TrackedPosition, hit: PortHit | null): void {
    open.lastAt = p.at
    if (p.nav === AT_ANCHOR) open.anchoredReports++
    if (p.nav === MOORED) open.mooredReports++
    this.touched = true
    // The status settles what the place alone could not: moored is at berth, at anchor is waiting. A change
    // of status mid-stop (shifted from the anchorage to a berth without getting under way) starts a new stay.
    const kind = this.kindAt(p, hit)
    if (open.kind !== 'outside' && kind !== open.kind && (p.nav === AT_ANCHOR || p.nav === MOORED)) {
      this.end(p.at)
      this.start(p, hit)
    }
  }

  private end(at: number): void {
    this.stopped = false
    if (!this.open) return
    this.open.endedAt = at
    this.finished.push(this.open)
    this.open = null
    this.touched = true
  }

  /** Ends the open stop at its last report (the vessel went silent). */
  close(): void {
    if (this.open) this.end(this.open.lastAt)
  }
}

export type {StopTrackingSummary} from '../../schemas/job-summaries.js'

/** Per vessel, the batch rows in time order (rows arrive in storage order, which is nearly time order). */
function rowsByVessel(batch: PositionBatch): Map<number, number[]> {
  const byVessel = new Map<number, number[]>()
  for (let i = 0; i < batch.length; i++) {
    const mmsi = batch.mmsi[i]
    const rows = byVessel.get(mmsi)
    if (rows) rows.push(i)
    else byVessel.set(mmsi, [i])
  }
  for (const rows of byVessel.values()) {
    for (let k = 1; k < rows.length; k++) {
      const row = rows[k]
      let j = k - 1
      while (j >= 0 && batch.at[rows[j]] > batch.at[row]) {
        rows[j + 1] = rows[j]
        j--
      }
      rows[j + 1] = row
    }
  }
  return byVessel
}

/**
 * Reads the positions stored since the last pass, advances every vessel's stop, ends stops whose vessel
 * has been silent longer than the window before `observedAt`, and stores the result in one transaction.
 */
export async function trackStops(ctx: Context, areas: PortAreas, window: {observedAt: number; windowMs: number}): Promise<StopTrackingSummary> {
  const {db} = ctx
  const watermark = await stopsWatermark(db)
  const since = watermark === null ? window.observedAt - FIRST_PASS_DAYS * 86_400_000 : window.observedAt - 2 * FIRST_PASS_DAYS * 86_400_000
  const batch = await positionsAfter(db, watermark ?? 0, since)
  const open = new Map((await openStops(db)).map((s) => [s.mmsi, s as OpenStop]))
  const summary: StopTrackingSummary = {positions_new: batch.inRange, positions_read: batch.length, positions_not_fixes: 0, positions_out_of_order: 0, stops_started: 0, stops_ended: 0, stops_open: 0}
  const options: StopTrackerOptions = {maxGapMs: window.windowMs}
  const writes: StopWrites = {inserts: [], updates: [], watermark: batch.lastId}
  const record = (tracker: VesselStopTracker, stored: OpenStop | undefined) => {
    for (const s of [...tracker.finished, ...(tracker.open ? [tracker.open] : [])]) {
      if (s.id === null) {
        writes.inserts.push({...s})
        summary.stops_started++
      } else if (s === stored && tracker.touched) writes.updates.push(s as StopRow)
      if (s.endedAt !== null) summary.stops_ended++
    }
  }

  const staleBefore = window.observedAt - window.windowMs
  let read = 0
  for (const [mmsi, rows] of rowsByVessel(batch)) {
    // A first pass reads weeks of positions: timers, signals and the API get a turn between slices.
    read += rows.length
    if (read >= 20_000) {
      read = 0
      await yieldToEventLoop()
      throwIfCancelled(ctx.signal)
    }
    const stored = open.get(mmsi)
    open.delete(mmsi)
    const tracker = new VesselStopTracker(mmsi, stored ?? null, areas, options)
    for (const i of rows) {
      const second = batch.second[i]
      if (isEstimatedFix(second)) {
        summary.positions_not_fixes++
        continue
      }
      if (!tracker.add({at: batch.at[i], lat: batch.lat[i], lon: batch.lon[i], sog: batch.sog[i], nav: batch.nav[i]})) summary.positions_out_of_order++
    }
    if (tracker.open && tracker.open.lastAt < staleBefore) tracker.close()
    record(tracker, stored)
  }
  // Open stops of vessels with nothing new: ended once their vessel has been silent past the window.
  for (const stored of open.values()) {
    if (stored.lastAt >= staleBefore) continue
    const tracker = new VesselStopTracker(stored.mmsi, stored, areas, options)
    tracker.close()
    record(tracker, stored)
  }
  await write(db, () => applyStopWrites(db, writes, ctx.clock.now()))
  summary.stops_open = (await openStops(db)).length
  return summary
}
