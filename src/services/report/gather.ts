// What the report shows, read through the repositories: the most congested ports with their waits, the
// period's events by type, its port calls, job health and where each dataset came from (the tables), and every port by
// level, the zones in force and the period's events with a position (the map's layers).
import type {DatasetSource, ReportFigures} from '../../schemas/report.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {eventTallySince, listEvents} from '../db/events.js'
import {areaPorts} from '../db/port-areas.js'
import {latestSnapshots} from '../db/port-congestion.js'
import {read} from '../db/query.js'
import {CONGESTION_LEVELS, type CongestionLevel, type DataSource, EVENT_TYPES, ZONE_KINDS, type ZoneKind} from '../db/schema.js'
import {positionSourcesSince} from '../db/vessels.js'
import {listZones} from '../db/zones.js'
import {jobStatuses} from '../jobs/status.js'
import {congestionReport} from '../ports/congestion-report.js'
import {portCallsReport} from '../ports/port-calls-report.js'
import {worstSource} from '../provenance.js'
import {providerCondition, providerStatuses} from '../providers/status.js'
import {eventOnMap, portOnMap, zoneOnMap} from './map-layers.js'
import type {MapEvent, MapLayers, MapZone} from './world-map.js'

/** Rows of the congested ports table. */
export const CONGESTED_PORTS_SHOWN = 15
/** Rows of the port calls table, newest arrival first. */
export const PORT_CALLS_SHOWN = 25
/** The period's newest events drawn on the map; older ones are counted in the table only. */
export const EVENT_MARKERS_MAX = 2000

export interface ReportData {
  figures: ReportFigures
  layers: MapLayers
  portsByLevel: Record<CongestionLevel, number>
  zonesByKind: Record<ZoneKind, number>
  eventsWithoutPosition: number
}

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

export async function gatherReport(ctx: Context, options: {sinceMs: number}): Promise<ReportData> {
  const until = ctx.clock.now()
  const since = until - options.sinceMs
  // The services that own these figures (jobs list, providers status, ports congestion) compute them.
  const jobs = await jobStatuses(ctx)
  const providers = await providerStatuses(ctx)
  const congestion = await congestionReport(ctx, {})
  // One more than shown: whether there are more.
  const calls = await portCallsReport(ctx, {sinceMs: options.sinceMs, callsOnly: true, limit: PORT_CALLS_SHOWN + 1})
  // The rest from one snapshot of the database.
  const rows = await read(ctx.db, async () => ({
    ports: await areaPorts(ctx.db),
    snapshots: await latestSnapshots(ctx.db),
    zones: await listZones(ctx.db, {inForceAt: until}),
    tally: await eventTallySince(ctx.db, since),
    events: await listEvents(ctx.db, {since, limit: EVENT_MARKERS_MAX}),
    positions: await positionSourcesSince(ctx.db, since),
  }))

  const levelOf = new Map(rows.snapshots.map((s) => [s.portId, s.level]))
  const portsByLevel = Object.fromEntries(CONGESTION_LEVELS.map((l) => [l, 0])) as Record<CongestionLevel, number>
  const mapPorts = rows.ports.map((p) => {
    const level = levelOf.get(p.id) ?? 'no_data'
    portsByLevel[level]++
    return portOnMap(p, level)
  })

  const zonesByKind = Object.fromEntries(ZONE_KINDS.map((k) => [k, 0])) as Record<ZoneKind, number>
  const mapZones: MapZone[] = []
  for (const z of rows.zones) {
    const zone = zoneOnMap(z)
    if (!zone) continue
    zonesByKind[z.kind]++
    mapZones.push(zone)
  }

  const mapEvents = rows.events.map(eventOnMap).filter((e): e is MapEvent => e !== null)

  const figures: ReportFigures = {
    generated_at: new Date(until).toISOString(),
    period: {since: new Date(since).toISOString(), until: new Date(until).toISOString()},
    congested_ports: congestion.ports.slice(0, CONGESTED_PORTS_SHOWN).map((p) => ({
      port_id: p.port_id,
      name: p.name,
      unlocode: p.unlocode,
      country: p.country,
      level: p.level,
      waiting: p.waiting,
      at_berth: p.at_berth,
      baseline: p.baseline,
      median_wait_hours: p.median_wait_hours,
      waits_counted: p.waits_counted,
      trend: p.trend,
      source: p.source,
      observed_at: p.observed_at,
    })),
    events_by_type: EVENT_TYPES.map((type) => {
      const of = rows.tally.filter((t) => t.type === type)
      const newest = of.reduce<number | null>((max, t) => (max === null || t.newestAt > max ? t.newestAt : max), null)
      return {
        type,
        created: of.reduce((n, t) => n + t.created, 0),
        open: of.reduce((n, t) => n + t.open, 0),
        by_source: Object.fromEntries(of.map((t) => [t.source, t.created])),
        newest_at: iso(newest),
      }
    }),
    port_calls: {calls: calls.calls.slice(0, PORT_CALLS_SHOWN), more: calls.calls.length > PORT_CALLS_SHOWN},
    jobs: jobs.map((j) => ({
      job: j.job,
      schedule_in_words: j.schedule_in_words,
      condition: !j.enabled ? 'disabled' : j.paused ? 'paused' : j.consecutive_failures > 0 ? 'failing' : j.last_status === null ? 'never_run' : 'ok',
      last_status: j.last_status,
      last_run_at: j.last_run_at,
      consecutive_failures: j.consecutive_failures,
      next_run: j.next_run,
    })),
    providers: providers.map((p) => ({
      provider: p.provider,
      description: p.description,
      condition: providerCondition(p),
      last_source: p.last_source,
      last_success_at: p.last_success_at,
      last_error_at: p.last_error_at,
    })),
    datasets: [
      dataset('port_congestion', rows.snapshots.map((s) => ({source: s.source, rows: 1, at: s.observedAt}))),
      dataset('safety_zones', rows.zones.map((z) => ({source: z.source, rows: 1, at: z.observedAt}))),
      dataset('safety_events', rows.tally.map((t) => ({source: t.source, rows: t.created, at: t.newestAt}))),
      dataset('vessel_positions', rows.positions.map((p) => ({source: p.source, rows: p.vessels, at: p.newestAt}))),
    ],
  }
  const layers: MapLayers = {
    title: `harbormaster report, ${utc(since)} to ${utc(until)} UTC`,
    ports: mapPorts,
    zones: mapZones,
    events: mapEvents,
  }
  return {figures, layers, portsByLevel, zonesByKind, eventsWithoutPosition: rows.events.length - mapEvents.length}
}

/** A dataset's rows by source (vessels whose source was not recorded as `unknown`), labelled with the least trustworthy source. */
function dataset(name: DatasetSource['dataset'], groups: Array<{source: DataSource | null; rows: number; at: number | null}>): DatasetSource {
  const bySource: Record<string, number> = {}
  let newest: number | null = null
  for (const group of groups) {
    const key = group.source ?? 'unknown'
    bySource[key] = (bySource[key] ?? 0) + group.rows
    if (group.at !== null && (newest === null || group.at > newest)) newest = group.at
  }
  const known = groups.flatMap((g) => (g.source ? [g.source] : []))
  return {
    dataset: name,
    rows: groups.reduce((n, g) => n + g.rows, 0),
    by_source: bySource,
    label: known.length > 0 ? worstSource(known) : null,
    newest_at: iso(newest),
  }
}
