// AIS decodes as printed: a JSON line per message (times in ISO 8601 UTC), or a line for people, and the
// end-of-run summary.
import type {DecoderStats} from '../services/ais/nmea.js'
import type {DecodedAisMessage} from '../schemas/ais.js'
import type {AisMessage} from '../services/ais/payload.js'
import {printableExcerpt} from './terminal.js'

const num = (value: number | null | undefined, digits = 1) => (value === null || value === undefined ? '-' : value.toFixed(digits))

/** The message as `ais decode --json` prints it: the decoder's record, its receive time in ISO 8601 UTC. */
export function messageJson(m: AisMessage): string {
  if (m.received_at === undefined || m.received_at === null) return JSON.stringify(m as DecodedAisMessage)
  const line: DecodedAisMessage = {...m, received_at: new Date(m.received_at).toISOString()}
  return JSON.stringify(line)
}

export function formatMessage(m: AisMessage): string {
  const parts = [`type ${String(m.msg_type).padStart(2)}`, `mmsi ${String(m.mmsi).padStart(9)}`]
  if (m.lat !== undefined) parts.push(`pos ${num(m.lat, 5)},${num(m.lon, 5)}`)
  if (m.sog !== undefined) parts.push(`sog ${num(m.sog)}`)
  if (m.cog !== undefined) parts.push(`cog ${num(m.cog)}`)
  if (m.heading !== undefined) parts.push(`hdg ${m.heading ?? '-'}`)
  if (m.nav_status !== undefined && m.nav_status !== null) parts.push(`status ${m.nav_status}`)
  if (m.shipname) parts.push(`name ${JSON.stringify(m.shipname)}`)
  if (m.name) parts.push(`name ${JSON.stringify(m.name)}`)
  if (m.callsign) parts.push(`callsign ${m.callsign}`)
  if (m.imo) parts.push(`imo ${m.imo}`)
  if (m.destination) parts.push(`dest ${JSON.stringify(m.destination)}`)
  if (m.timestamp) parts.push(`time ${m.timestamp}`)
  if (m.decoded === false) parts.push('(type not decoded)')
  return parts.join('  ')
}

export function summaryLine(stats: DecoderStats, from: string): string {
  const reasons = Object.entries(stats.rejectedByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ')
  return `decoded ${stats.messages} messages from ${stats.lines} lines of ${from}; rejected ${stats.rejected}${reasons ? ` (${reasons})` : ''}; ignored ${stats.ignored} non-AIS lines`
}

/** A rejected line as stderr shows it: the reason and the start of the line, escaped (it is outside input). */
export function rejectedLine(reason: string, line: string): string {
  return `rejected: ${printableExcerpt(reason)}: ${printableExcerpt(line.trimEnd())}`
}
