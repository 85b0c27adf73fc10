// Writing AIVDM sentences for tests that need reports no shipped capture holds (a (0,0) fix, a distress
// transmitter, time stamps 61-63): ITU-R M.1371 type 1 position reports, six-bit armoured with a checksum.
// test/unit/aivdm-writer.test.ts checks it reproduces real sentences of the gpsd capture bit for bit.

export interface PositionReport {
  mmsi: number
  lat: number | null
  lon: number | null
  /** Knots; null: not available. */
  sog?: number | null
  cog?: number | null
  heading?: number | null
  navStatus?: number
  /** Time stamp second 0-63 (60 not available). */
  second?: number
  /** Raw rate-of-turn indicator, -128 not available. */
  turn?: number
  accuracy?: boolean
  raim?: boolean
  radio?: number
  repeat?: number
  channel?: 'A' | 'B'
}

class BitWriter {
  private bits = ''
  put(value: number, width: number): void {
    const v = value < 0 ? 2 ** width + value : value
    this.bits += Math.round(v).toString(2).padStart(width, '0').slice(-width)
  }
  armour(): {payload: string; fill: number} {
    const fill = (6 - (this.bits.length % 6)) % 6
    const padded = this.bits + '0'.repeat(fill)
    let payload = ''
    for (let i = 0; i < padded.length; i += 6) {
      let v = Number.parseInt(padded.slice(i, i + 6), 2)
      v += v < 40 ? 48 : 56
      payload += String.fromCharCode(v)
    }
    return {payload, fill}
  }
}

export function nmeaChecksum(body: string): string {
  let sum = 0
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i)
  return sum.toString(16).toUpperCase().padStart(2, '0')
}

/** A type 1 position report as one AIVDM sentence. */
export function positionSentence(r: PositionReport): string {
  const w = new BitWriter()
  w.put(1, 6)
  w.put(r.repeat ?? 0, 2)
  w.put(r.mmsi, 30)
  w.put(r.navStatus ?? 0, 4)
  w.put(r.turn ?? -128, 8)
  w.put(r.sog === null || r.sog === undefined ? 1023 : Math.round(r.sog * 10), 10)
  w.put(r.accuracy ? 1 : 0, 1)
  w.put(r.lon === null ? 108_600_000 : Math.round(r.lon * 600_000), 28)
  w.put(r.lat === null ? 54_600_000 : Math.round(r.lat * 600_000), 27)
  w.put(r.cog === null || r.cog === undefined ? 3600 : Math.round(r.cog * 10), 12)
  w.put(r.heading === null || r.heading === undefined ? 511 : r.heading, 9)
  w.put(r.second ?? 60, 6)
  w.put(0, 2) // maneuver
  w.put(0, 3) // spare
  w.put(r.raim ? 1 : 0, 1)
  w.put(r.radio ?? 0, 19)
  const {payload, fill} = w.armour()
  const body = `AIVDM,1,1,,${r.channel ?? 'A'},${payload},${fill}`
  return `!${body}*${nmeaChecksum(body)}`
}

/** The same sentence behind a tag block carrying its receive time (`c:` in Unix seconds). */
export function tagged(sentence: string, at: number): string {
  const tag = `c:${Math.floor(at / 1000)}`
  return `\\${tag}*${nmeaChecksum(tag)}\\${sentence}`
}
