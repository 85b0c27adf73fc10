// Decoding a stream in batches: messages handed on as each chunk completes them, in batches of at most the
// size asked, and a stream without line ends rejected piece by piece instead of held whole in memory.
import {Readable} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {decodeBatches} from '../../src/services/ais/decode-stream.js'
import {AisDecoder} from '../../src/services/ais/nmea.js'
import {piraeusSentences} from '../helpers/captures.js'

async function collect(input: Readable, decoder: AisDecoder, batchSize: number): Promise<number[]> {
  const sizes: number[] = []
  for await (const batch of decodeBatches(input, decoder, batchSize)) sizes.push(batch.length)
  return sizes
}

describe('decodeBatches', () => {
  const sentences = piraeusSentences().slice(0, 30)

  it('hands on batches of at most the size asked, and what each chunk completed when it ends', async () => {
    const decoder = new AisDecoder()
    // Two chunks of 15 lines (the second line of a chunk may be split across chunks too).
    const text = `${sentences.join('\n')}\n`
    const cut = text.indexOf('\n', Math.floor(text.length / 2)) - 10
    const sizes = await collect(Readable.from([text.slice(0, cut), text.slice(cut)]), decoder, 4)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(decoder.stats.messages)
    expect(decoder.stats.lines).toBe(30)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4)
    // A batch shorter than 4 only where a chunk ended.
    expect(sizes.filter((s) => s < 4).length).toBeLessThanOrEqual(2)
  })

  it('rejects a stream without line ends piece by piece, and decodes what follows', async () => {
    const decoder = new AisDecoder()
    const binary = 'x'.repeat(40 * 1024)
    const chunks = [binary, binary, binary, `\n${sentences[0]}\n`]
    const sizes = await collect(Readable.from(chunks), decoder, 100)
    expect(sizes).toEqual([1])
    expect(decoder.stats.rejectedByReason['line too long']).toBeGreaterThanOrEqual(1)
  })
})
