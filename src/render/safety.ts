// Zones, events and vessels as tables and sentences.
import {BEHAVIOUR_EVENT_TYPES} from '../services/db/model.js'
import type {EventRowOut, ZoneRow} from '../services/safety/catalog.js'
import type {VesselDetails} from '../services/vessels/details.js'
import {type Painter, table} from './terminal.js'

const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '-')

export function renderZones(zones: ZoneRow[], p: Painter): string {
  if (zones.length === 0) return 'no zones'
  const rows = zones.map((z) => [String(z.id), z.kind, z.severity, z.status, p.source(z.source), minute(z.valid_from), minute(z.valid_to), z.name])
  const byKind = new Map<string, number>()
  for (const z of zones) byKind.set(z.kind, (byKind.get(z.kind) ?? 0) + 1)
  const tally = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ')
  return `${table(['id', 'kind', 'severity', 'status', 'source', 'valid from', 'valid to', 'name'], rows, p)}\n${zones.length} zones (${tally})`
}

/** Behaviour events are episodes: when they began and ended, read from their metadata where the detector put it. */
const EPISODES: ReadonlySet<string> = new Set(BEHAVIOUR_EVENT_TYPES)

const timeIn = (metadata: Record<string, unknown> | null, keys: string[]): string | null => {
  for (const key of keys) {
    const value = metadata?.[key]
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value
  }
  return null
}

/** "2026-11-24 10:00Z → 15:30Z (5.5 h)"; an episode still going on: "→ ongoing (3.0 h so far)". */
export function episodeText(e: EventRowOut): string {
  const start = timeIn(e.metadata, ['started_at', 'entered_at', 'start_at']) ?? e.observed_at
  const end = timeIn(e.metadata, ['ended_at', 'exited_at', 'end_at']) ?? e.resolved_at
  if (start === null) return '-'
  const given = e.metadata?.duration_hours
  const until = end ?? e.last_seen_at
  const hours = typeof given === 'number' ? given : until === null ? null : (Date.parse(until) - Date.parse(start)) / 3_600_000
  const span = hours === null || hours < 0 ? '' : ` (${hours.toFixed(1)} h${end === null ? ' so far' : ''})`
  const endText = end === null ? 'ongoing' : end.slice(0, 10) === start.slice(0, 10) ? `${end.slice(11, 16)}Z` : minute(end)
  return `${minute(start)} → ${endText}${span}`
}

const vesselText = (e: EventRowOut) => (e.mmsi === null ? '-' : e.vessel_name ? `${e.vessel_name} (${e.mmsi})` : String(e.mmsi))

export function renderEvents(events: EventRowOut[], p: Painter): string {
  if (events.length === 0) return 'no events'
  // Columns for vessels and episodes only when some event has them: a list of storm zones stays narrow.
  const withVessel = events.some((e) => e.mmsi !== null)
  const withEpisode = events.some((e) => EPISODES.has(e.type))
  const header = ['id', 'type', 'severity', 'status', 'source', 'created', ...(withVessel ? ['vessel'] : []), ...(withEpisode ? ['episode'] : []), 'title']
  const rows = events.map((e) => [
    String(e.id),
    e.type,
    e.severity,
    e.status,
    p.source(e.source),
    minute(e.created_at),
    ...(withVessel ? [vesselText(e)] : []),
    ...(withEpisode ? [EPISODES.has(e.type) ? episodeText(e) : '-'] : []),
    e.title,
  ])
  const open = events.filter((e) => e.status === 'open').length
  return `${table(header, rows, p)}\n${events.length} events, ${open} open`
}

export function renderVessel(v: VesselDetails, p: Painter): string {
  const lines: string[] = []
  const title = v.name ?? v.device ?? 'unnamed vessel'
  lines.push(p.bold(`${title} (MMSI ${v.mmsi})`))
  const identity: Array<[string, string | number | null]> = [
    ['IMO', v.imo],
    ['call sign', v.callsign],
    ['type', v.ship_type === null ? null : `${v.ship_type_text} (${v.ship_type})`],
    ['flag', v.flag],
    ['size', v.length_m !== null && v.beam_m !== null ? `${v.length_m} m × ${v.beam_m} m` : null],
    ['draught', v.draught_m === null ? null : `${v.draught_m} m`],
    ['destination', v.destination],
  ]
  for (const [label, value] of identity) if (value !== null) lines.push(`  ${label.padEnd(12)} ${value}`)
  if (v.position) {
    const pos = v.position
    const speed = pos.sog === null ? 'speed not available' : `${pos.sog} kn`
    lines.push(`  ${'position'.padEnd(12)} ${pos.lat.toFixed(5)}, ${pos.lon.toFixed(5)}, ${speed}, observed ${minute(pos.observed_at)} (${p.source(pos.source ?? 'unknown')})`)
  } else {
    lines.push(`  ${'position'.padEnd(12)} none accepted yet`)
  }
  lines.push(`  ${'reports'.padEnd(12)} ${v.positions_24h} in the 24 h before its latest`)
  lines.push('', ...profileLines(v.profile, p))
  if (v.events.length > 0) {
    lines.push('', renderEvents(v.events, p))
  } else {
    lines.push('  no events')
  }
  return lines.join('\n')
}

/** How old a profile is, in the largest whole unit. */
function age(seconds: number): string {
  if (seconds < 90) return `${seconds} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  if (seconds < 129_600) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86_400)} days`
}

function profileLines(f: VesselDetails['profile'], p: Painter): string[] {
  const lines = [
    f.status === 'stored'
      ? p.bold(`Profile (computed ${minute(f.computed_at)}, ${age(f.age_seconds)} ago; newer data shows after the next profile-refresh)`)
      : p.bold(`Profile (computed live: no profile stored yet, the next profile-refresh stores one)`),
  ]
  const a = f.activity_30d
  lines.push(`  ${'30 days'.padEnd(12)} ${a.positions} reports on ${a.days_heard} days, ${a.distance_nm} nm sailed${a.last_heard_at ? `, last heard ${minute(a.last_heard_at)}` : ''}`)
  const events = Object.entries(f.events_30d.by_type).map(([type, n]) => `${type} ${n}`)
  lines.push(`  ${'events'.padEnd(12)} ${events.length === 0 ? 'none in 30 days' : events.join(', ')}`)
  const call = f.last_port_call
  if (call) lines.push(`  ${'last call'.padEnd(12)} ${call.port}${call.unlocode ? ` (${call.unlocode})` : ''}, arrived ${minute(call.arrived_at)}${call.in_port ? ', in port' : `, left ${minute(call.departed_at)}`}`)
  if (f.usual_ports.length > 0) lines.push(`  ${'usual ports'.padEnd(12)} ${f.usual_ports.map((u) => `${u.port} (${u.calls} calls)`).join(', ')}`)
  for (const i of f.identity_history) lines.push(`  ${i.field.padEnd(12)} ${i.value}, seen ${minute(i.first_seen_at)} to ${minute(i.last_seen_at)}`)
  return lines
}
