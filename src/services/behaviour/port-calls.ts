// Port calls by Global Fishing Watch's port visit method, read from the behaviour pass's windows: a visit
// begins at the first report within 3 km of one of a port's cells and ends at the first beyond 4 km of
// every cell; within it a stop starts under 0.2 kn and ends over 0.5 kn (an anchored ship is stopped, as
// the stop tracker has it), a silence over 4 h is a gap the visit goes on through, and a visit of 3 h or
// more is a call (shorter ones are port stops). Each visit keeps its wait at anchorage before berthing and
// its time at berth. Only reports not analysed before go through a vessel's visit; where it stood after the
// last pass (its open visit) is read from the database and written back in the pass's transaction.
import {applyPortVisitWrites, departuresSince, type NewPortVisit, openPortVisits, type PortVisitRow, type PortVisitWrites} from '../db/port-calls.js'
import {DATA_SOURCES, type DataSource} from '../db/schema.js'
import {haversineKm} from '../geo/geometry.js'
import type {CellDistance, Place, PortAreas, PortHit} from '../ports/port-areas.js'
import {endsStop, ridingAtAnchor, startsStop, type TrackedPosition} from '../ports/stops.js'
import {isEstimatedFix} from '../vessels/track.js'
import {worstSource} from '../provenance.js'
import {type Detector, NOT_AVAILABLE, type PositionWindow} from './types.js'

const HOUR = 3_600_000
/** A visit begins within this of a cell... */
export const VISIT_ENTRY_KM = 3
/** ...and ends beyond this. */
export const VISIT_EXIT_KM = 4
/** A silence longer than this inside the port is a gap (the visit goes on through it). */
export const PORT_GAP_MS = 4 * HOUR
/** A visit this long or longer is a call; a shorter one is a port stop. */
export const MIN_CALL_MS = 3 * HOUR
const AT_ANCHOR = 1
const MOORED = 5

export type OpenVisit = NewPortVisit & {id: number | null}

export interface VisitReport extends TrackedPosition {
  source: DataSource
}

/** Where a stopped vessel lies: its status says moored or at anchor, else the port area's place (an anchorage when it has none). */
function placeOf(r: TrackedPosition, hitAt: () => PortHit | null): Place {
  if (r.nav === MOORED) return 'berth'
  if (r.nav === AT_ANCHOR) return 'anchorage'
  return hitAt()?.place ?? 'anchorage'
}

/**
 * One vessel's port visits: feed its reports in time order; `finished` collects the visits that ended,
 * `open` is the visit going on.
 */
export class PortVisitTracker {
  finished: OpenVisit[] = []
  /** Whether the stored open visit changed (and must be written). */
  touched = false
  /**
   * The last position measured to the nearest cell and that distance (the exit distance when no cell was
   * that near): a report that has moved too little since to cross a threshold is decided without measuring
   * again (the distance to the nearest cell changes by at most the distance moved). Most reports in port are
   * of ships lying still.
   */
  private probeLat = Number.NaN
  private probeLon = Number.NaN
  private probeKm = Number.NaN
  private near: CellDistance | null = null

  constructor(
    readonly mmsi: number,
    public open: OpenVisit | null,
    private readonly areas: PortAreas,
    /** The latest report already applied (reports at or before it are out of order). */
    private lastAt: number,
  ) {}

  /** Returns false when the report is not newer than one already applied (skipped). */
  add(r: VisitReport): boolean {
    if (r.at <= this.lastAt) return false
    this.lastAt = r.at
    const visit = this.open
    const inPort = this.inPort(r, visit !== null)
    if (!visit) {
      if (inPort) this.arrive(r, this.near as CellDistance)
      return true
    }
    this.touched = true
    const gap = r.at - visit.lastAt > PORT_GAP_MS
    if (gap) visit.gaps++
    // The port area's answer for this report, looked up only when the status does not settle what it is for.
    let hit: PortHit | null | undefined
    const hitAt = () => (hit === undefined ? (hit = this.areas.locate(r.lat, r.lon)) : hit)
    let place: Place | null = null
    if (inPort) {
      const atAnchor = ridingAtAnchor(r, () => hitAt()?.place ?? null)
      const stopped = visit.stopPlace !== null ? !endsStop(r, atAnchor) : startsStop(r, atAnchor)
      if (stopped) place = placeOf(r, hitAt)
    }
    // The time since the last report goes to where the vessel lay stopped then; across a gap only when it
    // lies there still (what happened in the silence is otherwise unknown).
    if (visit.stopPlace !== null && (!gap || place === visit.stopPlace)) {
      const ms = r.at - visit.lastAt
      if (visit.stopPlace === 'berth') visit.berthMs += ms
      else if (visit.berthedAt === null) visit.anchorageMs += ms
    }
    if (!inPort) {
      visit.departedAt = r.at
      visit.stopPlace = null
      visit.isCall = visit.departedAt - visit.arrivedAt >= MIN_CALL_MS
      this.finished.push(visit)
      this.open = null
      return true
    }
    // Stopped on both sides of a silence but somewhere else after it: a new stop.
    if (gap && place !== visit.stopPlace) visit.stopPlace = null
    if (place !== null) this.stopAt(visit, r, place, hitAt)
    visit.stopPlace = place
    visit.lastAt = r.at
    visit.source = worstSource([visit.source, r.source])
    if (visit.lastAt - visit.arrivedAt >= MIN_CALL_MS) visit.isCall = true
    return true
  }

  /** Whether the report is in port: within 3 km of a cell, or within 4 km for a vessel already in port. */
  private inPort(r: TrackedPosition, open: boolean): boolean {
    if (!Number.isNaN(this.probeKm)) {
      const moved = haversineKm(this.probeLat, this.probeLon, r.lat, r.lon)
      if (open) {
        if (this.probeKm + moved < VISIT_EXIT_KM) return true
        if (this.probeKm - moved >= VISIT_EXIT_KM) return false
      } else if (this.probeKm - moved > VISIT_ENTRY_KM) return false
    }
    const near = this.areas.nearestCell(r.lat, r.lon, VISIT_EXIT_KM)
    this.near = near
    this.probeLat = r.lat
    this.probeLon = r.lon
    this.probeKm = near?.distanceKm ?? VISIT_EXIT_KM
    return near !== null && (near.distanceKm <= VISIT_ENTRY_KM || (open && near.distanceKm < VISIT_EXIT_KM))
  }

  private arrive(r: VisitReport, near: CellDistance): void {
    const visit: OpenVisit = {
      id: null,
      mmsi: this.mmsi,
      portId: near.cell.portId,
      arrivedAt: r.at,
      departedAt: null,
      lastAt: r.at,
      berthedAt: null,
      anchorageMs: 0,
      berthMs: 0,
      stops: 0,
      gaps: 0,
      isCall: null,
      entryLat: r.lat,
      entryLon: r.lon,
      stopPlace: null,
      source: r.source,
    }
    this.open = visit
    // A vessel first heard already stopped in port begins its visit stopped.
    let hit: PortHit | null | undefined
    const hitAt = () => (hit === undefined ? (hit = this.areas.locate(r.lat, r.lon)) : hit)
    if (startsStop(r, ridingAtAnchor(r, () => hitAt()?.place ?? null))) {
      const place = placeOf(r, hitAt)
      this.stopAt(visit, r, place, hitAt)
      visit.stopPlace = place
    }
  }

  /** The vessel lies stopped at `place` with this report. */
  private stopAt(visit: OpenVisit, r: VisitReport, place: Place, hitAt: () => PortHit | null): void {
    if (visit.stopPlace === null) {
      visit.stops++
      // The port is where the vessel first stopped, not the first port whose cells it passed (measured
      // afresh: what decided the report in port may be an earlier measurement).
      if (visit.stops === 1) visit.portId = hitAt()?.portId ?? (this.areas.nearestCell(r.lat, r.lon, VISIT_EXIT_KM) as CellDistance).cell.portId
    }
    if (place === 'berth' && visit.berthedAt === null) visit.berthedAt = r.at
  }
}

/** Counts a pass's port visits add to its summary (summed over its slices). */
interface PortCallCounts {
  port_visits_started: number
  port_visits_ended: number
  port_calls_ended: number
  port_stops_ended: number
  port_positions_out_of_order: number
}

export const portCallsDetector: Detector = {
  name: 'port_calls',
  // Each vessel's state between passes is its open visit in the database: nothing before the fresh reports is read.
  lookbackMs: 0,
  async detect(env, w: PositionWindow) {
    const {db} = env.ctx
    const open = new Map((await openPortVisits(db)).map((v): [number, PortVisitRow] => [v.mmsi, v]))
    const departed = w.length > 0 ? await departuresSince(db, w.since) : new Map<number, number>()
    const counts: PortCallCounts = {
      port_visits_started: 0,
      port_visits_ended: 0,
      port_calls_ended: 0,
      port_stops_ended: 0,
      port_positions_out_of_order: 0,
    }
    const writes: PortVisitWrites = {inserts: [], updates: []}
    // One report object, refilled per row: a window holds millions of rows.
    const r: VisitReport = {at: 0, lat: 0, lon: 0, sog: 0, nav: 0, source: 'live'}
    for (let v = 0; v < w.vessels; v++) {
      const mmsi = w.vesselMmsi[v]
      let tracker: PortVisitTracker | null = null
      let stored: PortVisitRow | undefined
      for (let i = w.vesselStart[v]; i < w.vesselStart[v + 1]; i++) {
        if (w.fresh[i] === 0 || isEstimatedFix(w.second[i])) continue
        if (!tracker) {
          stored = open.get(mmsi)
          tracker = new PortVisitTracker(mmsi, stored ? {...stored} : null, env.areas, Math.max(stored?.lastAt ?? -Infinity, departed.get(mmsi) ?? -Infinity))
        }
        r.at = w.at[i]
        r.lat = w.lat[i]
        r.lon = w.lon[i]
        r.sog = w.sog[i]
        r.nav = w.nav[i] === NOT_AVAILABLE ? Number.NaN : w.nav[i]
        r.source = DATA_SOURCES[w.source[i]]
        if (!tracker.add(r)) counts.port_positions_out_of_order++
      }
      if (!tracker) continue
      for (const visit of [...tracker.finished, ...(tracker.open ? [tracker.open] : [])]) {
        if (visit.id === null) {
          writes.inserts.push(visit)
          counts.port_visits_started++
        } else if (tracker.touched) writes.updates.push(visit as PortVisitRow)
        if (visit.departedAt !== null) {
          counts.port_visits_ended++
          if (visit.isCall) counts.port_calls_ended++
          else counts.port_stops_ended++
        }
      }
    }
    return {events: [], counts: {...counts}, commit: (tx) => applyPortVisitWrites(tx, writes, env.now)}
  },
}
