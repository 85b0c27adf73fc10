// One vessel's recent track through the detection services, as a pipeline of steps that each read the same
// track and return findings: jumps the track rule held back or discarded, stops in port areas (the stop
// tracker the ports job uses), entries into storm and piracy zones. Findings are stored once each by their
// dedupe key, so an analysis run twice adds nothing. Steps for vessel behaviour (loitering, encounters,
// AIS gaps) join ANALYSIS_STEPS.
import {throwIfCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {areaCells, areaPorts} from '../db/port-areas.js'
import {type FindingDraft, recordFindings} from '../db/vessel-findings.js'
import {type TrackReport, trackOf, type Vessel, vesselByMmsi} from '../db/vessels.js'
import {activeZones} from '../db/zones.js'
import {pointInGeometry, type ZoneGeometry} from '../geo/geometry.js'
import {PortAreas} from '../ports/port-areas.js'
import {type OpenStop, VesselStopTracker} from '../ports/stops.js'
import {isEstimatedFix, plausibleMove} from './track.js'

/** What every step reads: the vessel and its reports in the window, oldest first. */
export interface VesselTrack {
  mmsi: number
  vessel: Vessel | undefined
  reports: TrackReport[]
  since: number
  until: number
}

export interface AnalysisStep {
  name: string
  run(ctx: Context, track: VesselTrack, finding: FindingMaker): Promise<void>
}

type FindingMaker = (kind: string, key: string, severity: FindingDraft['severity'], title: string, detail: Record<string, unknown>, observedAt: number | null) => void

const iso = (ms: number) => new Date(ms).toISOString()
const nameOf = (track: VesselTrack) => track.vessel?.name?.trim() || `MMSI ${track.mmsi}`

/** Reports that no ship could have sailed to from the report before (held back by the track rule, or stored across a track move). */
const positionJumps: AnalysisStep = {
  name: 'position_jumps',
  async run(_ctx, track, finding) {
    const fixes = track.reports.filter((r) => !isEstimatedFix(r.second))
    const jumps: TrackReport[] = []
    for (let i = 1; i < fixes.length; i++) if (!plausibleMove(fixes[i - 1], fixes[i])) jumps.push(fixes[i])
    const held = track.reports.filter((r) => r.held).length
    if (jumps.length === 0) return
    finding('position-jumps', String(jumps[0].at), 'low', `${nameOf(track)}: ${jumps.length} position jumps since ${iso(jumps[0].at)}`, {
      jumps: jumps.length,
      held_reports: held,
      first_at: iso(jumps[0].at),
      last_at: iso((jumps.at(-1) as TrackReport).at),
    }, jumps[0].at)
  },
}

// The port areas change when the ports job learns cells: a worker reloads them after this long.
const AREAS_TTL_MS = 10 * 60_000
interface NamedAreas {
  areas: PortAreas
  names: Map<number, string>
}
const areasCache = new WeakMap<object, {at: number; areas: Promise<NamedAreas>}>()

function portAreasOf(ctx: Context): Promise<NamedAreas> {
  const cached = areasCache.get(ctx.db)
  if (cached && Date.now() - cached.at < AREAS_TTL_MS) return cached.areas
  const areas = (async () => {
    const ports = await areaPorts(ctx.db)
    return {areas: new PortAreas(ports, await areaCells(ctx.db)), names: new Map(ports.map((p) => [p.id, p.name]))}
  })()
  areas.catch(() => areasCache.delete(ctx.db))
  areasCache.set(ctx.db, {at: Date.now(), areas})
  return areas
}

/** Stops in port areas (at anchorage or at berth), found as the ports job finds them. */
const portStops: AnalysisStep = {
  name: 'port_stops',
  async run(ctx, track, finding) {
    if (track.reports.length === 0) return
    const {areas, names} = await portAreasOf(ctx)
    // A silence of a day ends a stop (what happened meanwhile is unknown).
    const tracker = new VesselStopTracker(track.mmsi, null, areas, {maxGapMs: 24 * 3_600_000})
    for (const r of track.reports) {
      if (r.held || isEstimatedFix(r.second)) continue
      tracker.add({at: r.at, lat: r.lat, lon: r.lon, sog: r.sog ?? Number.NaN, nav: r.nav ?? Number.NaN})
    }
    const stops: OpenStop[] = [...tracker.finished, ...(tracker.open ? [tracker.open] : [])]
    for (const s of stops) {
      if (s.portId === null) continue
      const port = names.get(s.portId) ?? `port ${s.portId}`
      const hours = Math.round((((s.endedAt ?? s.lastAt) - s.startedAt) / 3_600_000) * 10) / 10
      finding('port-stop', `${s.portId}:${s.startedAt}`, 'low', `${nameOf(track)} stopped ${s.kind === 'anchorage' ? 'at anchorage' : 'at berth'} in ${port} for ${hours} h${s.endedAt === null ? ' so far' : ''}`, {
        port_id: s.portId,
        port,
        place: s.kind,
        started_at: iso(s.startedAt),
        ended_at: s.endedAt === null ? null : iso(s.endedAt),
        hours,
        lat: s.lat,
        lon: s.lon,
      }, s.startedAt)
    }
  },
}

/** Entries into active storm and piracy zones, while each zone was valid. */
const zoneEntries: AnalysisStep = {
  name: 'zone_entries',
  async run(ctx, track, finding) {
    if (track.reports.length === 0) return
    const zones = await activeZones(ctx.db, ['storm', 'piracy'])
    for (const zone of zones) {
      if (track.reports.every((r) => r.lon < zone.minLon || r.lon > zone.maxLon || r.lat < zone.minLat || r.lat > zone.maxLat)) continue
      const entry = track.reports.find(
        (r) =>
          !r.held &&
          (zone.validFrom === null || r.at >= zone.validFrom) &&
          (zone.validTo === null || r.at <= zone.validTo) &&
          pointInGeometry(zone.geometry as ZoneGeometry, r.lon, r.lat),
      )
      if (!entry) continue
      finding('zone-entry', String(zone.id), zone.severity, `${nameOf(track)} inside ${zone.name} (${zone.kind}) from ${iso(entry.at)}`, {
        zone_id: zone.id,
        zone_kind: zone.kind,
        zone_external_id: zone.externalId,
        zone: zone.name,
        entered_at: iso(entry.at),
        lat: entry.lat,
        lon: entry.lon,
      }, entry.at)
    }
  },
}

/** The steps, in order. */
export const ANALYSIS_STEPS: readonly AnalysisStep[] = [positionJumps, portStops, zoneEntries]

export interface AnalysisOptions {
  /** Reports observed from this time on (default: 24 h before the vessel's newest report). */
  since?: number
}

export interface VesselAnalysis {
  mmsi: number
  known: boolean
  since: string
  until: string
  reports: number
  /** Findings per step. */
  steps: Record<string, number>
  findings: Array<{kind: string; severity: string; title: string; dedupe_key: string; new: boolean}>
  findings_new: number
}

export async function analyzeVessel(ctx: Context, mmsi: number, options: AnalysisOptions = {}): Promise<VesselAnalysis> {
  const vessel = await vesselByMmsi(ctx.db, mmsi)
  const until = Math.max(vessel?.positionAt ?? 0, ctx.clock.now())
  const since = options.since ?? (vessel?.positionAt ?? ctx.clock.now()) - 24 * 3_600_000
  const track: VesselTrack = {mmsi, vessel, reports: vessel ? await trackOf(ctx.db, mmsi, since, until) : [], since, until}
  const drafts: FindingDraft[] = []
  const steps: Record<string, number> = {}
  for (const step of ANALYSIS_STEPS) {
    throwIfCancelled(ctx.signal)
    const before = drafts.length
    await step.run(ctx, track, (kind, key, severity, title, detail, observedAt) =>
      drafts.push({mmsi, check: 'analysis', kind, dedupeKey: `analysis:${kind}:${mmsi}:${key}`, severity, title, detail, observedAt}),
    )
    steps[step.name] = drafts.length - before
  }
  const created = await recordFindings(ctx.db, drafts, ctx.clock.now())
  return {
    mmsi,
    known: vessel !== undefined,
    since: iso(since),
    until: iso(until),
    reports: track.reports.length,
    steps,
    findings: drafts.map((d) => ({kind: d.kind, severity: d.severity, title: d.title, dedupe_key: d.dedupeKey, new: created.has(d.dedupeKey)})),
    findings_new: created.size,
  }
}
