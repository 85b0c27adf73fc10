// Decoding a byte stream of NMEA (a file or standard input) line by line without holding it in memory.
import type {Readable} from 'node:stream'

import {AisDecoder, type DecoderStats, type RejectHandler} from './nmea.js'
import type {AisMessage} from './payload.js'

/**
 * No NMEA line (82 characters, a tag block and receiver fields) comes near this: a longer one is rejected
 * as it streams past, keeping only its start for the report, however long it runs.
 */
export const MAX_LINE_CHARS = 64 * 1024

export async function decodeStream(
  input: Readable,
  onMessage: (message: AisMessage) => void | Promise<void>,
  onReject?: RejectHandler,
): Promise<DecoderStats> {
  const decoder = new AisDecoder({onReject})
  input.setEncoding('latin1')
  let rest = ''
  /** The start of an over-long line being skipped, and how long it has run. */
  let oversized: {start: string; length: number} | undefined
  for await (const chunk of input as AsyncIterable<string>) {
    let text: string
    let from = 0
    if (oversized) {
      const nl = chunk.indexOf('\n')
      if (nl < 0) {
        oversized.length += chunk.length
        continue
      }
      decoder.rejectOversized(oversized.start, oversized.length + nl)
      oversized = undefined
      text = chunk
      from = nl + 1
    } else {
      text = rest + chunk
    }
    let nl: number
    while ((nl = text.indexOf('\n', from)) >= 0) {
      if (nl > from) {
        const message = nl - from > MAX_LINE_CHARS ? decoder.rejectOversized(text.slice(from, from + MAX_LINE_CHARS), nl - from) : decoder.decodeLine(text.slice(from, nl))
        if (message) {
          const pending = onMessage(message)
          if (pending) await pending
        }
      }
      from = nl + 1
    }
    rest = text.slice(from)
    if (rest.length > MAX_LINE_CHARS) {
      oversized = {start: rest.slice(0, MAX_LINE_CHARS), length: rest.length}
      rest = ''
    }
  }
  if (oversized) decoder.rejectOversized(oversized.start, oversized.length)
  else if (rest) {
    const message = decoder.decodeLine(rest)
    if (message) await onMessage(message)
  }
  decoder.flush()
  return decoder.stats
}
