// `vessels track`: one vessel's reports over a window in time order (stored, and those the track rule held
// back), as rows and as GeoJSON: the track line through the accepted reports and a point per report.
import type {TrackGeoJson, TrackReportRow, VesselTrack} from '../../schemas/vessels.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {parseTimeOrAgo} from '../duration.js'
import {trackOf, vesselByMmsi} from '../db/vessels.js'
import {HarbormasterError, usageError} from '../errors.js'
import {lineAcrossAntimeridian, type Position} from '../geo/line.js'

export type {TrackGeoJson, VesselTrack} from '../../schemas/vessels.js'

export interface TrackQuery {
  /** A duration back from `until` (24h) or an ISO 8601 time; default 24h. */
  since?: string
  /** An ISO 8601 time or a duration back from now; default now. */
  until?: string
  /** At most this many reports (the newest kept). */
  limit: number
}

const DAY_MS = 86_400_000

export async function vesselTrack(ctx: Context, mmsi: number, query: TrackQuery): Promise<VesselTrack> {
  const now = ctx.clock.now()
  const until = query.until === undefined ? now : parseTimeOrAgo(query.until, '--until', now)
  const since = query.since === undefined ? until - DAY_MS : parseTimeOrAgo(query.since, '--since', until)
  if (since > until) throw usageError(`--since ${iso(since)} is after --until ${iso(until)}`, 'give a window whose start comes first')
  const vessel = await vesselByMmsi(ctx.db, mmsi)
  if (!vessel) {
    throw new HarbormasterError(`no vessel with MMSI ${mmsi} is stored`, {
      hint: 'check the MMSI (`harbormaster vessels list` shows what is stored); a vessel is stored once the vessels job has accepted a report of it',
    })
  }
  const reports = await trackOf(ctx.db, mmsi, since, until, query.limit + 1)
  const truncated = reports.length > query.limit
  const kept = truncated ? reports.slice(reports.length - query.limit) : reports
  const rows: TrackReportRow[] = kept.map((r) => ({
    observed_at: iso(r.at) as string,
    lat: r.lat,
    lon: r.lon,
    sog: r.sog,
    cog: r.cog,
    nav_status: r.nav,
    utc_second: r.second,
    source: r.source,
    held: r.held,
  }))
  return {
    mmsi,
    name: vessel.name,
    since: iso(since) as string,
    until: iso(until) as string,
    latest_at: iso(vessel.positionAt),
    reports: rows,
    returned: rows.length,
    truncated,
  }
}

/** The track as GeoJSON: first the line through the accepted reports (cut at the antimeridian), then a point per report. */
export function trackGeoJson(track: VesselTrack): TrackGeoJson {
  const accepted = track.reports.filter((r) => !r.held).map((r): Position => [r.lon, r.lat])
  return {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        id: 'track',
        geometry: lineAcrossAntimeridian(accepted),
        properties: {kind: 'track', mmsi: track.mmsi, name: track.name, since: track.since, until: track.until, reports: accepted.length},
      },
      ...track.reports.map((r, k) => ({
        type: 'Feature' as const,
        id: k + 1,
        geometry: {type: 'Point' as const, coordinates: [r.lon, r.lat] as Position},
        properties: {kind: 'report' as const, mmsi: track.mmsi, ...r},
      })),
    ],
  }
}
