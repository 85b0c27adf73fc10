// NMEA 0183 AIVDM/AIVDO intake: one line at a time (optional NMEA 4.0 tag block or leading timestamp),
// checksum verified, multi-part messages reassembled by sequential id and channel, payload decoded.
import {type AisMessage, decodePayload, Rejection} from './payload.js'

export type RejectHandler = (reason: string, line: string) => void

export interface DecoderStats {
  lines: number
  messages: number
  rejected: number
  /** Lines that are not AIS sentences (other NMEA talkers, comments, blank lines). */
  ignored: number
  rejectedByReason: Record<string, number>
}

interface PendingGroup {
  count: number
  parts: Array<string | undefined>
  received: number
  fill: number
  firstLine: number
  lines: string[]
  receivedAt: number | null
}

/** A multi-part message whose other parts have not arrived within this many lines is orphaned. */
const PENDING_LINES = 200

export class AisDecoder {
  readonly stats: DecoderStats = {lines: 0, messages: 0, rejected: 0, ignored: 0, rejectedByReason: {}}
  private readonly pending = new Map<string, PendingGroup>()
  private readonly onReject?: RejectHandler

  constructor(options: {onReject?: RejectHandler} = {}) {
    this.onReject = options.onReject
  }

  /** Feeds one line; returns a message when the line completes one, otherwise null. */
  decodeLine(raw: string): AisMessage | null {
    const lineNo = ++this.stats.lines
    if ((lineNo & 63) === 0 && this.pending.size > 0) this.expire(lineNo)

    let end = raw.length
    while (end > 0 && raw.charCodeAt(end - 1) <= 32) end--
    let start = 0
    while (start < end && raw.charCodeAt(start) <= 32) start++
    if (start === end) {
      this.stats.ignored++
      return null
    }

    let receivedAt: number | null = null
    let first = raw.charCodeAt(start)
    if (first === 35 /* # */) {
      this.stats.ignored++
      return null
    }

    if (first !== 33 /* ! */ && first !== 92 /* \ */) {
      // A leading timestamp ("1681000000.123 !AIVDM..." or "2023-04-08T10:00:00Z !AIVDM...").
      const bang = firstSentenceStart(raw, start, end)
      if (bang < 0) {
        if (first === 36 /* $ */) this.stats.ignored++
        else this.reject('not an NMEA sentence', raw)
        return null
      }
      receivedAt = parseLeadingTime(raw.slice(start, bang))
      if (receivedAt === null) {
        this.reject('unreadable leading timestamp', raw)
        return null
      }
      start = bang
      first = raw.charCodeAt(start)
    }

    if (first === 92 /* \ */) {
      const close = raw.indexOf('\\', start + 1)
      if (close < 0) {
        this.reject('unterminated tag block', raw)
        return null
      }
      const tagTime = parseTagBlock(raw, start + 1, close)
      if (tagTime === undefined) {
        this.reject('tag block checksum mismatch', raw)
        return null
      }
      if (tagTime !== null) receivedAt = tagTime
      start = close + 1
      first = raw.charCodeAt(start)
    }

    if (first !== 33 /* ! */) {
      if (first === 36 /* $ */) this.stats.ignored++
      else this.reject('not an NMEA sentence', raw)
      return null
    }

    // !xxVDM or !xxVDO
    if (
      end - start < 7 ||
      raw.charCodeAt(start + 3) !== 86 /* V */ ||
      raw.charCodeAt(start + 4) !== 68 /* D */ ||
      (raw.charCodeAt(start + 5) !== 77 /* M */ && raw.charCodeAt(start + 5) !== 79) /* O */ ||
      raw.charCodeAt(start + 6) !== 44 /* , */
    ) {
      this.stats.ignored++
      return null
    }

    const star = raw.indexOf('*', start)
    if (star < 0 || star + 3 > end) {
      this.reject('missing checksum', raw)
      return null
    }
    let sum = 0
    for (let i = start + 1; i < star; i++) sum ^= raw.charCodeAt(i)
    const given = hexPair(raw.charCodeAt(star + 1), raw.charCodeAt(star + 2))
    if (given < 0) {
      this.reject('malformed checksum', raw)
      return null
    }
    if (given !== sum) {
      this.reject('checksum mismatch', raw)
      return null
    }
    // After the checksum come receiver fields (",d-109,S2105,t050056.00") or, from some logging tools, junk
    // (a literal "\x0d\x0a"). Both are ignored, as gpsd does: only what the checksum covers is decoded.

    // Fields: talker+type, count, number, sequential id, channel, payload, fill bits.
    const c1 = start + 6
    const c2 = raw.indexOf(',', c1 + 1)
    const c3 = c2 < 0 ? -1 : raw.indexOf(',', c2 + 1)
    const c4 = c3 < 0 ? -1 : raw.indexOf(',', c3 + 1)
    const c5 = c4 < 0 ? -1 : raw.indexOf(',', c4 + 1)
    const c6 = c5 < 0 ? -1 : raw.indexOf(',', c5 + 1)
    if (c6 < 0 || c6 > star) {
      this.reject('too few fields', raw)
      return null
    }
    const count = digit(raw, c1 + 1, c2)
    const number = digit(raw, c2 + 1, c3)
    const fill = digit(raw, c6 + 1, star)
    if (count < 1) {
      this.reject('bad fragment count', raw)
      return null
    }
    if (number < 1 || number > count) {
      this.reject(`bad fragment number ${raw.slice(c2 + 1, c3)} of ${count}`, raw, 'bad fragment number')
      return null
    }
    if (fill < 0 || fill > 5) {
      this.reject('bad fill bits', raw)
      return null
    }
    const payload = raw.slice(c5 + 1, c6)
    const channel = raw.slice(c4 + 1, c5)

    if (count === 1) return this.finish(payload, fill, channel, receivedAt, raw)

    const key = `${raw.slice(c3 + 1, c4)}|${channel}|${count}`
    let group = this.pending.get(key)
    if (group && group.parts[number - 1] !== undefined) {
      // A new message reuses the id while the old one is incomplete: the old parts are orphans.
      this.orphan(group)
      group = undefined
      this.pending.delete(key)
    }
    if (!group) {
      group = {count, parts: new Array(count), received: 0, fill: 0, firstLine: lineNo, lines: [], receivedAt}
      this.pending.set(key, group)
    }
    group.parts[number - 1] = payload
    group.received++
    group.lines.push(raw)
    if (number === count) group.fill = fill
    if (receivedAt !== null && group.receivedAt === null) group.receivedAt = receivedAt
    if (group.received < count) return null
    this.pending.delete(key)
    return this.finish(group.parts.join(''), group.fill, channel, group.receivedAt, raw)
  }

  /** Counts a line too long to be NMEA, known only by its start; never a message (returns null). */
  rejectOversized(start: string, length: number): null {
    this.stats.lines++
    this.reject(`line too long (${length} characters; NMEA sentences are at most 82)`, start, 'line too long')
    return null
  }

  /** Reports every incomplete multi-part message as orphaned (call at end of input). */
  flush(): void {
    for (const group of this.pending.values()) this.orphan(group)
    this.pending.clear()
  }

  private finish(payload: string, fill: number, channel: string, receivedAt: number | null, raw: string): AisMessage | null {
    const result = decodePayload(payload, fill)
    if (result instanceof Rejection) {
      this.reject(result.reason, raw, result.kind)
      return null
    }
    if (channel) result.channel = channel
    result.received_at = receivedAt
    this.stats.messages++
    return result
  }

  private expire(lineNo: number): void {
    for (const [key, group] of this.pending) {
      if (lineNo - group.firstLine > PENDING_LINES) {
        this.orphan(group)
        this.pending.delete(key)
      }
    }
  }

  private orphan(group: PendingGroup): void {
    this.reject(`orphaned fragment (${group.received} of ${group.count} parts)`, group.lines.join('\n'), 'orphaned fragment')
  }

  /** Counts a line rejected before it reached the decoder (e.g. one too long to be NMEA); shows its start. */
  rejectLine(reason: string, line: string, kind = reason): void {
    this.reject(reason, line.length > 200 ? `${line.slice(0, 200)}...` : line, kind)
  }

  /** Counts a rejection under its kind (`reason` may carry the detail: `bad fragment number 0 of 2`). */
  private reject(reason: string, line: string, kind = reason): void {
    this.stats.rejected++
    this.stats.rejectedByReason[kind] = (this.stats.rejectedByReason[kind] ?? 0) + 1
    this.onReject?.(reason, line)
  }
}

/** Decodes a whole text (a capture file's contents) into messages. */
export function decodeText(text: string, onReject?: RejectHandler): {messages: AisMessage[]; stats: DecoderStats} {
  const decoder = new AisDecoder({onReject})
  const messages: AisMessage[] = []
  let from = 0
  while (from <= text.length) {
    let nl = text.indexOf('\n', from)
    if (nl < 0) nl = text.length
    if (nl > from) {
      const message = decoder.decodeLine(text.slice(from, nl))
      if (message) messages.push(message)
    }
    from = nl + 1
  }
  decoder.flush()
  return {messages, stats: decoder.stats}
}

function firstSentenceStart(raw: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = raw.charCodeAt(i)
    if (c === 33 || c === 92) return i
  }
  return -1
}

function parseLeadingTime(prefix: string): number | null {
  const text = prefix.replace(/[\s,;:|]+$/, '').trim()
  if (text === '') return null
  if (/^\d{9,13}(\.\d+)?$/.test(text)) {
    const value = Number(text)
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value)
  }
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(text)
  const parsed = Date.parse(hasZone ? text : `${text.replace(' ', 'T')}Z`)
  return Number.isNaN(parsed) ? null : parsed
}

/**
 * Reads an NMEA 4.0 tag block between `from` and `to` (exclusive, without the backslashes).
 * Returns the c: time in epoch ms, null when there is none, or undefined when the checksum fails.
 */
function parseTagBlock(raw: string, from: number, to: number): number | null | undefined {
  const star = raw.lastIndexOf('*', to)
  let bodyEnd = to
  if (star > from) {
    let sum = 0
    for (let i = from; i < star; i++) sum ^= raw.charCodeAt(i)
    if (hexPair(raw.charCodeAt(star + 1), raw.charCodeAt(star + 2)) !== sum) return undefined
    bodyEnd = star
  }
  for (const field of raw.slice(from, bodyEnd).split(',')) {
    if (field.startsWith('c:')) {
      const value = Number(field.slice(2))
      if (!Number.isFinite(value) || value <= 0) return null
      return value < 1e11 ? value * 1000 : value
    }
  }
  return null
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 65 && code <= 70) return code - 55
  if (code >= 97 && code <= 102) return code - 87
  return -1
}

function hexPair(a: number, b: number): number {
  const hi = hexValue(a)
  const lo = hexValue(b)
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo
}

/** A one-digit numeric field, or -1. */
function digit(raw: string, from: number, to: number): number {
  if (to - from !== 1) return -1
  const c = raw.charCodeAt(from) - 48
  return c >= 0 && c <= 9 ? c : -1
}
