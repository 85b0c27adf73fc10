// The test writer of AIVDM sentences reproduces real type 1 sentences of the gpsd capture from gpsd's own
// decode of them, so sentences it writes for other tests are what a transmitter would send.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {decodeText} from '../../src/services/ais/nmea.js'
import {positionSentence} from '../helpers/aivdm.js'

const chk = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ais', 'gpsd-ais-raw-messages.log.chk'), 'utf8').split('\n')

describe('positionSentence', () => {
  const pairs: Array<{sentence: string; decoded: Record<string, number | boolean>}> = []
  for (let i = 0; i + 1 < chk.length; i++) {
    if (!chk[i].startsWith('!AIVDM,1,1,') || !chk[i + 1].startsWith('{')) continue
    const decoded = JSON.parse(chk[i + 1])
    if (decoded.type === 1) pairs.push({sentence: chk[i], decoded})
  }

  it('writes the exact payload gpsd decoded, for every type 1 report of the capture', () => {
    expect(pairs.length).toBeGreaterThan(10)
    for (const {sentence, decoded: g} of pairs) {
      const written = positionSentence({
        mmsi: g.mmsi as number,
        repeat: g.repeat as number,
        navStatus: g.status as number,
        turn: g.turn as number,
        sog: g.speed === 1023 ? null : (g.speed as number) / 10,
        accuracy: g.accuracy as boolean,
        lon: (g.lon as number) / 600_000,
        lat: (g.lat as number) / 600_000,
        cog: g.course === 3600 ? null : (g.course as number) / 10,
        heading: g.heading as number,
        second: g.second as number,
        raim: g.raim as boolean,
        radio: g.radio as number,
        channel: sentence.split(',')[4] as 'A' | 'B',
      })
      // Same payload and checksum; the maneuver field is 0 in every report of the capture.
      expect(written.split(',')[5]).toBe(sentence.split(',')[5])
    }
  })

  it('round-trips through harbormaster decoder, time stamp statuses included', () => {
    const text = [
      positionSentence({mmsi: 970123456, lat: 0, lon: 0, second: 63, navStatus: 14}),
      positionSentence({mmsi: 237000001, lat: 37.9, lon: 23.6, second: 62, sog: 0.3}),
    ].join('\n')
    const {messages, stats} = decodeText(text)
    expect(stats.rejected).toBe(0)
    expect(messages.map((m) => [m.mmsi, m.lat, m.lon, m.second, m.nav_status])).toEqual([
      [970123456, 0, 0, 63, 14],
      [237000001, 37.9, 23.6, 62, 0],
    ])
  })
})
