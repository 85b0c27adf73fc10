// Durations as operators type them on the command line (`30s`, `15m`, `24h`, `7d`, `2w`), in milliseconds.
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
