// AIS payload decoding (ITU-R M.1371): the six-bit armoured payload of an AIVDM/AIVDO message turned
// into a flat record. Hand-written and allocation-light because every vessel position passes through it.

export interface AisMessage {
  msg_type: number
  repeat: number
  mmsi: number
  nav_status?: number | null
  rot?: number | null
  sog?: number | null
  accuracy?: boolean
  lon?: number | null
  lat?: number | null
  cog?: number | null
  heading?: number | null
  second?: number | null
  maneuver?: number
  raim?: boolean
  /** Type 4/11: the UTC time the base station broadcast, ISO 8601, null when not available. */
  timestamp?: string | null
  epfd?: number
  ais_version?: number
  imo?: number | null
  callsign?: string | null
  shipname?: string | null
  shiptype?: number | null
  to_bow?: number | null
  to_stern?: number | null
  to_port?: number | null
  to_starboard?: number | null
  draught?: number | null
  destination?: string | null
  /** Type 5: `MM-DDTHH:MMZ` (AIS carries no year), null when not available. */
  eta?: string | null
  dte?: boolean
  /** Type 9: altitude in metres, null when not available. */
  altitude?: number | null
  /** Type 21 */
  aid_type?: number
  name?: string | null
  off_position?: boolean
  virtual_aid?: boolean
  /** Type 24: 0 for part A (name), 1 for part B (type, call sign, size). */
  part_num?: number
  vendor_id?: string | null
  mothership_mmsi?: number | null
  /** Type 27 */
  gnss?: boolean
  /** Radio channel (A/B) of the sentence, when given. */
  channel?: string
  /** Receive time from a tag block (c:) or a leading timestamp, epoch ms; null when the line had none. */
  received_at?: number | null
  /** Set for message types this decoder reports without decoding their body. */
  decoded?: false
}

/**
 * Minimum payload length in bits per message type; shorter payloads are nonsense, not messages. Class A
 * reports (1-3) are 168 bits, but transmitters in the wild send 163 with the radio status cut short, a
 * field harbormaster does not read: accepted from 163, as gpsd does.
 */
const MIN_BITS: Record<number, number> = {
  1: 163,
  2: 163,
  3: 163,
  4: 168,
  5: 420,
  9: 168,
  11: 168,
  18: 168,
  19: 312,
  21: 272,
  24: 160,
  27: 96,
}

let six = new Uint8Array(128)

/** Value of one armoured payload character, or -1 when the character is not in the AIS alphabet. */
function sixbitValue(code: number): number {
  if (code >= 48 && code <= 87) return code - 48
  if (code >= 96 && code <= 119) return code - 56
  return -1
}

/** Unsigned field of `len` bits starting at bit `start`. */
function u(start: number, len: number): number {
  let value = 0
  let i = start
  const end = start + len
  while (i < end) {
    const index = (i / 6) | 0
    const offset = i - index * 6
    const avail = 6 - offset
    const take = avail < end - i ? avail : end - i
    value = value * (1 << take) + ((six[index] >> (avail - take)) & ((1 << take) - 1))
    i += take
  }
  return value
}

/** Two's-complement signed field. */
function s(start: number, len: number): number {
  const value = u(start, len)
  const sign = 2 ** (len - 1)
  return value >= sign ? value - sign * 2 : value
}

function text(start: number, chars: number, maxBits: number): string | null {
  let out = ''
  for (let c = 0; c < chars; c++) {
    const bit = start + c * 6
    if (bit + 6 > maxBits) break
    const v = u(bit, 6)
    if (v === 0) break // '@' ends the text
    out += String.fromCharCode(v < 32 ? v + 64 : v)
  }
  out = out.trimEnd()
  return out === '' ? null : out
}

// Only the "not available" sentinels (181, 91) become null; other out-of-range values are reported as sent
// and rejected by ingest, so a decode shows what the message said.
const lonOf = (raw: number): number | null => (raw === 108_600_000 ? null : raw / 600_000)
const latOf = (raw: number): number | null => (raw === 54_600_000 ? null : raw / 600_000)
const sogOf = (raw: number): number | null => (raw === 1023 ? null : raw / 10)
const cogOf = (raw: number): number | null => (raw >= 3600 ? null : raw / 10)
const headingOf = (raw: number): number | null => (raw === 511 ? null : raw)
// 60 is "not available"; 61 manual input, 62 dead reckoning and 63 positioning inoperative say how the fix was made.
const secondOf = (raw: number): number | null => (raw === 60 ? null : raw)
const dimension = (raw: number): number | null => (raw === 0 ? null : raw)

/** Rate of turn in degrees per minute from the AIS indicator; null when not available (-128). */
function rotOf(raw: number): number | null {
  if (raw === -128) return null
  const value = (raw / 4.733) ** 2
  return Math.round((raw < 0 ? -value : value) * 10) / 10
}

/** The position block that class B reports (types 18 and 19) share, bits 46 to 138. */
function classBPosition(): Pick<AisMessage, 'sog' | 'accuracy' | 'lon' | 'lat' | 'cog' | 'heading' | 'second'> {
  return {
    sog: sogOf(u(46, 10)),
    accuracy: u(56, 1) === 1,
    lon: lonOf(s(57, 28)),
    lat: latOf(s(85, 27)),
    cog: cogOf(u(112, 12)),
    heading: headingOf(u(124, 9)),
    second: secondOf(u(133, 6)),
  }
}

/** Input that is not a message: the reason, with its detail, and the kind it is counted under. */
export class Rejection {
  constructor(
    readonly kind: string,
    readonly reason: string = kind,
  ) {}
}

export type PayloadResult = AisMessage | Rejection

/**
 * Decodes one complete armoured payload. Returns the message, or a Rejection for payloads that cannot be a
 * message of their type.
 */
export function decodePayload(payload: string, fillBits: number): PayloadResult {
  const n = payload.length
  if (n === 0) return new Rejection('empty payload')
  if (six.length < n) six = new Uint8Array(Math.max(n, six.length * 2))
  for (let i = 0; i < n; i++) {
    const v = sixbitValue(payload.charCodeAt(i))
    if (v < 0) return new Rejection('invalid payload character', `invalid payload character ${JSON.stringify(payload[i])}`)
    six[i] = v
  }
  const bits = n * 6 - fillBits
  const type = six[0]
  if (bits < 38) return new Rejection('payload too short', `payload too short (${bits} bits)`)
  const min = MIN_BITS[type]
  if (min !== undefined && bits < min) return new Rejection(`type ${type} too short`, `type ${type} needs ${min} bits, got ${bits}`)
  const repeat = u(6, 2)
  const mmsi = u(8, 30)

  switch (type) {
    case 1:
    case 2:
    case 3: {
      return {
        msg_type: type,
        repeat,
        mmsi,
        nav_status: u(38, 4),
        rot: rotOf(s(42, 8)),
        sog: sogOf(u(50, 10)),
        accuracy: u(60, 1) === 1,
        lon: lonOf(s(61, 28)),
        lat: latOf(s(89, 27)),
        cog: cogOf(u(116, 12)),
        heading: headingOf(u(128, 9)),
        second: secondOf(u(137, 6)),
        maneuver: u(143, 2),
        raim: u(148, 1) === 1,
      }
    }

    case 4:
    case 11: {
      const year = u(38, 14)
      const month = u(52, 4)
      const day = u(56, 5)
      const hour = u(61, 5)
      const minute = u(66, 6)
      const second = u(72, 6)
      const valid = year > 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60
      return {
        msg_type: type,
        repeat,
        mmsi,
        timestamp: valid ? new Date(Date.UTC(year, month - 1, day, hour, minute, second)).toISOString() : null,
        accuracy: u(78, 1) === 1,
        lon: lonOf(s(79, 28)),
        lat: latOf(s(107, 27)),
        epfd: u(134, 4),
        raim: u(148, 1) === 1,
      }
    }

    case 5: {
      const month = u(274, 4)
      const day = u(278, 5)
      const hour = u(283, 5)
      const minute = u(288, 6)
      const imo = u(40, 30)
      return {
        msg_type: 5,
        repeat,
        mmsi,
        ais_version: u(38, 2),
        imo: imo === 0 ? null : imo,
        callsign: text(70, 7, bits),
        shipname: text(112, 20, bits),
        shiptype: u(232, 8) || null,
        to_bow: dimension(u(240, 9)),
        to_stern: dimension(u(249, 9)),
        to_port: dimension(u(258, 6)),
        to_starboard: dimension(u(264, 6)),
        epfd: u(270, 4),
        eta: month === 0 && day === 0 ? null : `${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}Z`,
        draught: u(294, 8) === 0 ? null : u(294, 8) / 10,
        destination: text(302, 20, bits),
        dte: bits > 422 ? u(422, 1) === 1 : undefined,
      }
    }

    case 9: {
      const altitude = u(38, 12)
      const speed = u(50, 10)
      return {
        msg_type: 9,
        repeat,
        mmsi,
        altitude: altitude === 4095 ? null : altitude,
        sog: speed === 1023 ? null : speed, // whole knots for SAR aircraft
        accuracy: u(60, 1) === 1,
        lon: lonOf(s(61, 28)),
        lat: latOf(s(89, 27)),
        cog: cogOf(u(116, 12)),
        second: secondOf(u(128, 6)),
        raim: u(147, 1) === 1,
      }
    }

    case 18: {
      return {msg_type: 18, repeat, mmsi, ...classBPosition(), raim: u(147, 1) === 1}
    }

    case 19: {
      return {
        msg_type: 19,
        repeat,
        mmsi,
        ...classBPosition(),
        shipname: text(143, 20, bits),
        shiptype: u(263, 8) || null,
        to_bow: dimension(u(271, 9)),
        to_stern: dimension(u(280, 9)),
        to_port: dimension(u(289, 6)),
        to_starboard: dimension(u(295, 6)),
        epfd: u(301, 4),
        raim: u(305, 1) === 1,
        dte: u(306, 1) === 1,
      }
    }

    case 21: {
      let name = text(43, 20, bits)
      if (bits > 272) {
        const extension = text(272, Math.floor((bits - 272) / 6), bits)
        if (extension) name = (name ?? '') + extension
      }
      return {
        msg_type: 21,
        repeat,
        mmsi,
        aid_type: u(38, 5),
        name,
        accuracy: u(163, 1) === 1,
        lon: lonOf(s(164, 28)),
        lat: latOf(s(192, 27)),
        to_bow: dimension(u(219, 9)),
        to_stern: dimension(u(228, 9)),
        to_port: dimension(u(237, 6)),
        to_starboard: dimension(u(243, 6)),
        epfd: u(249, 4),
        second: secondOf(u(253, 6)),
        off_position: u(259, 1) === 1,
        raim: u(268, 1) === 1,
        virtual_aid: u(269, 1) === 1,
      }
    }

    case 24: {
      const part = u(38, 2)
      if (part === 0) {
        return {msg_type: 24, repeat, mmsi, part_num: 0, shipname: text(40, 20, bits)}
      }
      if (part === 1) {
        if (bits < 162) return new Rejection('type 24 too short', `type 24 part B needs 162 bits, got ${bits}`)
        const auxiliary = Math.floor(mmsi / 10_000_000) === 98
        const base: AisMessage = {
          msg_type: 24,
          repeat,
          mmsi,
          part_num: 1,
          shiptype: u(40, 8) || null,
          vendor_id: text(48, 3, bits),
          callsign: text(90, 7, bits),
        }
        if (auxiliary) {
          base.mothership_mmsi = u(132, 30)
        } else {
          base.to_bow = dimension(u(132, 9))
          base.to_stern = dimension(u(141, 9))
          base.to_port = dimension(u(150, 6))
          base.to_starboard = dimension(u(156, 6))
        }
        return base
      }
      return new Rejection('type 24 with a bad part number', `type 24 with part number ${part} (only A=0 and B=1 exist)`)
    }

    case 27: {
      const lon = s(44, 18)
      const lat = s(62, 17)
      const speed = u(79, 6)
      const course = u(85, 9)
      return {
        msg_type: 27,
        repeat,
        mmsi,
        accuracy: u(38, 1) === 1,
        raim: u(39, 1) === 1,
        nav_status: u(40, 4),
        lon: lon === 108_600 ? null : lon / 600,
        lat: lat === 54_600 ? null : lat / 600,
        sog: speed === 63 ? null : speed,
        cog: course >= 360 ? null : course,
        /** The GNSS position status bit as sent (0 = current GNSS position). */
        gnss: u(94, 1) === 1,
      }
    }

    default: {
      if (type === 0 || type > 27) return new Rejection('unknown message type', `unknown message type ${type}`)
      return {msg_type: type, repeat, mmsi, decoded: false}
    }
  }
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value)
}
