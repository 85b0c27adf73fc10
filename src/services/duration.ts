// Durations and times as operators type them on the command line (`30s`, `15m`, `24h`, `7d`, `2w`; ISO 8601
// times with their offset), in milliseconds.
import {usageError} from './errors.js'

const UNIT_MS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000}

/** Milliseconds of a duration such as `24h`; a usage error naming the flag when it is not one. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text)
  if (!m) throw usageError(`${flag} ${JSON.stringify(text)} is not a duration`, 'write a number and a unit: 90s, 15m, 24h, 7d or 2w')
  const ms = Number(m[1]) * UNIT_MS[m[2].toLowerCase()]
  if (!(ms > 0)) throw usageError(`${flag} ${JSON.stringify(text)} must be longer than zero`)
  return ms
}

/** An ISO 8601 time that says its offset (Z or ±hh:mm): a time without one would be read in this host's zone. */
export function parseInstant(text: string, flag: string): number {
  const ms = Date.parse(text)
  if (!/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text.trim()) || Number.isNaN(ms)) {
    throw usageError(`${flag} ${JSON.stringify(text)} is not an ISO 8601 time with its offset`, 'write it as 2026-11-24T18:00:00Z (or with an offset such as +01:00)')
  }
  return ms
}

/** A time given either way: an ISO 8601 time with its offset, or a duration (`24h`) back from `reference`. */
export function parseTimeOrAgo(text: string, flag: string, reference: number): number {
  if (/^\s*\d+(?:\.\d+)?\s*[smhdw]\s*$/i.test(text)) return reference - parseDuration(text, flag)
  if (!/^\s*\d{4}-/.test(text)) throw usageError(`${flag} ${JSON.stringify(text)} is neither a duration nor a time`, 'write a duration such as 24h or 7d, or a time such as 2026-11-24T18:00:00Z')
  return parseInstant(text, flag)
}
