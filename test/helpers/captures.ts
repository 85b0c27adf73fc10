// The gpsd Piraeus capture for tests: decoded whole, and as large NMEA captures for long ingests (its real
// single-part sentences, repeated, each behind an NMEA 4.0 tag block whose time rises a second a line).
import {closeSync, openSync, readFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {AisDecoder} from '../../src/services/ais/nmea.js'
import type {AisMessage} from '../../src/services/ais/payload.js'
import {ROOT} from './cli.js'

/** The gpsd Piraeus capture decoded, message k observed k seconds after `t0`. */
export function piraeusMessages(t0: number): AisMessage[] {
  const decoder = new AisDecoder()
  const out: AisMessage[] = []
  for (const line of readFileSync(join(ROOT, 'test', 'fixtures', 'ais', 'gpsd-ais-raw-messages.log'), 'utf8').split('\n')) {
    const m = decoder.decodeLine(line.trim())
    if (m) out.push({...m, received_at: t0 + out.length * 1000})
  }
  return out
}

/** The capture's single-part AIVDM sentences (its multi-part messages would pair up across repeats). */
export function piraeusSentences(): string[] {
  return readFileSync(join(ROOT, 'test', 'fixtures', 'ais', 'gpsd-ais-raw-messages.log'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!AIVDM,1,1'))
}

/** An NMEA 4.0 tag block carrying a time (`c:` in epoch seconds), with its checksum. */
export function tagBlock(epochSeconds: number): string {
  const body = `c:${epochSeconds}`
  let sum = 0
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i)
  return `\\${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}\\`
}

export interface CaptureFile {
  path: string
  lines: number
  bytes: number
  /** Tag-block time of the first and the last line, epoch seconds. */
  firstSecond: number
  lastSecond: number
}

/**
 * Writes `lines` tag-blocked sentences (or as many as fit in `bytes`) to `path`, a second apart from
 * `firstSecond`, in large writes so a gigabyte takes seconds, not minutes.
 */
export function writeCapture(path: string, options: {firstSecond: number; lines?: number; bytes?: number}): CaptureFile {
  const sentences = piraeusSentences()
  const limitLines = options.lines ?? Number.POSITIVE_INFINITY
  const limitBytes = options.bytes ?? Number.POSITIVE_INFINITY
  const fd = openSync(path, 'w')
  let lines = 0
  let bytes = 0
  try {
    let chunk = ''
    while (lines < limitLines && bytes < limitBytes) {
      const line = `${tagBlock(options.firstSecond + lines)}${sentences[lines % sentences.length]}\n`
      chunk += line
      bytes += line.length
      lines++
      if (chunk.length > 1 << 22) {
        writeSync(fd, chunk)
        chunk = ''
      }
    }
    if (chunk) writeSync(fd, chunk)
  } finally {
    closeSync(fd)
  }
  return {path, lines, bytes, firstSecond: options.firstSecond, lastSecond: options.firstSecond + lines - 1}
}
