// Decoding a byte stream of NMEA (a file or standard input) line by line without holding it in memory.
import type {Readable} from 'node:stream'

import {AisDecoder, type DecoderStats, type RejectHandler} from './nmea.js'
import type {AisMessage} from './payload.js'

export async function decodeStream(
  input: Readable,
  onMessage: (message: AisMessage) => void | Promise<void>,
  onReject?: RejectHandler,
): Promise<DecoderStats> {
  const decoder = new AisDecoder({onReject})
  input.setEncoding('latin1')
  let rest = ''
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest + chunk
    let from = 0
    let nl: number
    while ((nl = text.indexOf('\n', from)) >= 0) {
      if (nl > from) {
        const message = decoder.decodeLine(text.slice(from, nl))
        if (message) {
          const pending = onMessage(message)
          if (pending) await pending
        }
      }
      from = nl + 1
    }
    rest = text.slice(from)
  }
  if (rest) {
    const message = decoder.decodeLine(rest)
    if (message) await onMessage(message)
  }
  decoder.flush()
  return decoder.stats
}
