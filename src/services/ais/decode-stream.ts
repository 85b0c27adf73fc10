// Decoding a byte stream of NMEA (a file or standard input) line by line without holding it in memory.
import type {Readable} from 'node:stream'

import {AisDecoder, type DecoderStats, type RejectHandler} from './nmea.js'
import type {AisMessage} from './payload.js'

/**
 * No NMEA line (82 characters, a tag block and receiver fields) comes near this: a longer one is rejected
 * as it streams past, keeping only its start for the report, however long it runs.
 */
export const MAX_LINE_CHARS = 64 * 1024

/**
 * Decoded messages in batches of up to `batchSize` as the stream is read, and what each chunk completed
 * when it ends (a live feed's messages are not held back): memory holds one chunk and one batch, whatever
 * the stream's length. The decoder's stats are complete once the iteration ends.
 */
export async function* decodeBatches(input: Readable, decoder: AisDecoder, batchSize = 5000): AsyncGenerator<AisMessage[]> {
  input.setEncoding('latin1')
  let rest = ''
  let batch: AisMessage[] = []
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
        const message =
          nl - from > MAX_LINE_CHARS ? decoder.rejectOversized(text.slice(from, from + MAX_LINE_CHARS), nl - from) : decoder.decodeLine(text.slice(from, nl))
        if (message) {
          batch.push(message)
          if (batch.length >= batchSize) {
            yield batch
            batch = []
          }
        }
      }
      from = nl + 1
    }
    rest = text.slice(from)
    if (batch.length > 0) {
      yield batch
      batch = []
    }
    // A stream without line ends (a binary file) would otherwise grow this without bound.
    if (rest.length > MAX_LINE_CHARS) {
      oversized = {start: rest.slice(0, MAX_LINE_CHARS), length: rest.length}
      rest = ''
    }
  }
  if (oversized) decoder.rejectOversized(oversized.start, oversized.length)
  else if (rest) {
    const message = decoder.decodeLine(rest)
    if (message) batch.push(message)
  }
  decoder.flush()
  if (batch.length > 0) yield batch
}

export async function decodeStream(
  input: Readable,
  onMessage: (message: AisMessage) => void | Promise<void>,
  onReject?: RejectHandler,
): Promise<DecoderStats> {
  const decoder = new AisDecoder({onReject})
  for await (const batch of decodeBatches(input, decoder, 1024)) {
    for (const message of batch) {
      const pending = onMessage(message)
      if (pending) await pending
    }
  }
  return decoder.stats
}
