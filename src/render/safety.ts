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
  if (v.events.length > 0) {
    lines.push('', renderEvents(v.events, p))
  } else {
    lines.push('  no events')
  }
  return lines.join('\n')
}
