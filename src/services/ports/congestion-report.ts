// What `ports congestion` shows: each port's latest snapshot (level, baseline, vessels waiting and at
// berth, median wait) with its source and time, filtered by port and level.
import type {CongestionGeoJson, PortCongestionEntry, PortCongestionReport} from '../../schemas/ports.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {areaPorts} from '../db/port-areas.js'
import {type CongestionLevel, latestSnapshots} from '../db/port-congestion.js'
import {usageError} from '../errors.js'
import {worstSource} from '../provenance.js'

/** `--level high` means high or worse. */
const SCALE: readonly CongestionLevel[] = ['normal', 'elevated', 'high', 'severe']


export type {PortCongestionEntry, PortCongestionReport} from '../../schemas/ports.js'

export interface ReportFilter {
  /** UN/LOCODE, World Port Index number, or name (whole or part). */
  port?: string
  level?: CongestionLevel
}

const rank = (level: CongestionLevel) => {
  const k = SCALE.indexOf(level)
  return k >= 0 ? k : -1
}

export async function congestionReport(ctx: Context, filter: ReportFilter): Promise<PortCongestionReport> {
  let wanted: Set<number> | null = null
  if (filter.port !== undefined) {
    const ref = filter.port.trim()
    const code = ref.toUpperCase().replace(/\s+/g, '')
    const name = ref.toLowerCase()
    const all = await areaPorts(ctx.db)
    let found = all.filter((p) => p.unlocode === code || p.wpiNumber === ref || p.name.toLowerCase() === name)
    if (found.length === 0) found = all.filter((p) => p.name.toLowerCase().includes(name))
    if (found.length === 0) throw usageError(`no port ${ref}`, 'give a UN/LOCODE (NLRTM), a World Port Index number or a port name')
    wanted = new Set(found.map((p) => p.id))
  }
  const latest = await latestSnapshots(ctx.db)
  const byPort = new Map(latest.map((s) => [s.portId, s]))
  const entries: PortCongestionEntry[] = []
  const keep = (level: CongestionLevel) => {
    if (!filter.level) return wanted !== null || level !== 'no_data'
    return SCALE.includes(filter.level) ? rank(level) >= rank(filter.level) : level === filter.level
  }
  for (const s of latest) {
    if (wanted && !wanted.has(s.portId)) continue
    if (!keep(s.level)) continue
    entries.push({
      port_id: s.portId,
      name: s.name,
      unlocode: s.unlocode,
      wpi_number: s.wpiNumber,
      country: s.country,
      lat: s.lat,
      lon: s.lon,
      level: s.level,
      waiting: s.waiting,
      at_berth: s.atBerth,
      waiting_unknown_type: s.waitingUnknownType,
      at_berth_unknown_type: s.atBerthUnknownType,
      in_port: s.inPort,
      baseline: s.baseline,
      baseline_days: s.baselineSamples,
      median_wait_hours: s.medianWaitHours,
      waits_counted: s.waitsCounted,
      trend: s.trend,
      episode_started_at: iso(s.episodeStartedAt),
      source: s.source,
      observed_at: iso(s.observedAt),
    })
  }
  // A port asked for by name that the ports job has not reached yet: said so, not left out.
  if (wanted && (!filter.level || filter.level === 'no_data')) {
    for (const p of await areaPorts(ctx.db)) {
      if (!wanted.has(p.id) || byPort.has(p.id)) continue
      entries.push({
        port_id: p.id, name: p.name, unlocode: p.unlocode, wpi_number: p.wpiNumber, country: p.country, lat: p.lat, lon: p.lon, level: 'no_data',
        waiting: null, at_berth: null, waiting_unknown_type: null, at_berth_unknown_type: null, in_port: null, baseline: null, baseline_days: 0,
        median_wait_hours: null, waits_counted: null, trend: 'unknown', episode_started_at: null, source: 'fallback', observed_at: null,
      })
    }
  }
  entries.sort((a, b) => rank(b.level) - rank(a.level) || (b.waiting ?? -1) - (a.waiting ?? -1) || a.port_id - b.port_id)
  const observed = entries.reduce((max, e) => (e.observed_at && e.observed_at > max ? e.observed_at : max), '')
  return {
    count: entries.length,
    ports: entries,
    metadata: {source: entries.length > 0 ? worstSource(entries.map((e) => e.source)) : 'fallback', observed_at: observed || null},
  }
}

/** The report's ports as GeoJSON points, each with its entry as properties. */
export function congestionGeoJson(report: PortCongestionReport): CongestionGeoJson {
  return {
    type: 'FeatureCollection' as const,
    features: report.ports.map((p) => ({type: 'Feature' as const, id: p.port_id, geometry: {type: 'Point' as const, coordinates: [p.lon, p.lat]}, properties: {...p}})),
  }
}
