// The AIS decoder against upstream decodes of real captures: gpsd's expected output (unscaled) for the
// Piraeus capture and the class B / long-range capture, and libais's scaled decodes of one sentence per type.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {AisDecoder, decodeText} from '../../src/services/ais/nmea.js'
import type {AisMessage} from '../../src/services/ais/payload.js'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'ais')
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8')

type Gpsd = Record<string, any>

/** gpsd's rate-of-turn indicator to degrees per minute, as our decoder reports it. */
const rot = (turn: number) => (turn === -128 ? null : Math.round(Math.sign(turn) * (turn / 4.733) ** 2 * 10) / 10)
const orNull = (value: number, sentinel: number) => (value === sentinel ? null : value)
const tenths = (value: number, sentinel: number) => (value === sentinel ? null : value / 10)
/** gpsd prints invalid base station times as read ("2012-06-01T24:60:60Z"); they are not times. */
const gpsdTime = (value: string) => {
  const at = value.startsWith('0000') ? Number.NaN : Date.parse(value)
  return Number.isNaN(at) ? null : new Date(at).toISOString()
}

/** What our record must hold for one gpsd unscaled ("scaled":false) object. */
function expectedFromGpsd(g: Gpsd): Partial<AisMessage> {
  const base = {msg_type: g.type, repeat: g.repeat, mmsi: g.mmsi}
  const lon = (raw: number) => (raw === 108_600_000 ? null : raw / 600_000)
  const lat = (raw: number) => (raw === 54_600_000 ? null : raw / 600_000)
  switch (g.type) {
    case 1:
    case 2:
    case 3:
      return {
        ...base,
        nav_status: g.status,
        rot: rot(g.turn),
        sog: tenths(g.speed, 1023),
        accuracy: g.accuracy,
        lon: lon(g.lon),
        lat: lat(g.lat),
        cog: tenths(g.course, 3600),
        heading: orNull(g.heading, 511),
        second: g.second === 60 ? null : g.second,
        maneuver: g.maneuver,
        raim: g.raim,
      }
    case 4:
    case 11:
      return {...base, timestamp: gpsdTime(g.timestamp), accuracy: g.accuracy, lon: lon(g.lon), lat: lat(g.lat), epfd: g.epfd, raim: g.raim}
    case 5:
      return {
        ...base,
        ais_version: g.ais_version,
        imo: g.imo === 0 ? null : g.imo,
        callsign: g.callsign || null,
        shipname: g.shipname || null,
        shiptype: g.shiptype || null,
        to_bow: g.to_bow || null,
        to_stern: g.to_stern || null,
        to_port: g.to_port || null,
        to_starboard: g.to_starboard || null,
        epfd: g.epfd,
        eta: g.eta.startsWith('00-00') ? null : g.eta,
        draught: g.draught === 0 ? null : g.draught / 10,
        destination: g.destination || null,
        dte: g.dte === 1,
      }
    case 9:
      return {
        ...base,
        altitude: orNull(g.alt, 4095),
        sog: orNull(g.speed, 1023),
        accuracy: g.accuracy,
        lon: lon(g.lon),
        lat: lat(g.lat),
        cog: tenths(g.course, 3600),
        second: g.second === 60 ? null : g.second,
        raim: g.raim,
      }
    case 19:
      return {
        ...base,
        sog: tenths(g.speed, 1023),
        accuracy: g.accuracy,
        lon: lon(g.lon),
        lat: lat(g.lat),
        cog: tenths(g.course, 3600),
        heading: orNull(g.heading, 511),
        second: g.second === 60 ? null : g.second,
        shipname: g.shipname || null,
        shiptype: g.shiptype || null,
        to_bow: g.to_bow || null,
        to_stern: g.to_stern || null,
        to_port: g.to_port || null,
        to_starboard: g.to_starboard || null,
        epfd: g.epfd,
        raim: g.raim,
        dte: g.dte === 1,
      }
    case 18:
      return {
        ...base,
        sog: tenths(g.speed, 1023),
        accuracy: g.accuracy,
        lon: lon(g.lon),
        lat: lat(g.lat),
        cog: tenths(g.course, 3600),
        heading: orNull(g.heading, 511),
        second: g.second === 60 ? null : g.second,
        raim: g.raim,
      }
    case 21:
      return {
        ...base,
        aid_type: g.aid_type,
        name: g.name,
        accuracy: g.accuracy,
        lon: lon(g.lon),
        lat: lat(g.lat),
        to_bow: g.to_bow || null,
        to_stern: g.to_stern || null,
        to_port: g.to_port || null,
        to_starboard: g.to_starboard || null,
        epfd: g.epfd,
        second: g.second === 60 ? null : g.second,
        off_position: g.off_position,
        raim: g.raim,
        virtual_aid: g.virtual_aid,
      }
    case 27:
      return {
        ...base,
        nav_status: g.status,
        accuracy: g.accuracy,
        lon: g.lon === 108_600 ? null : g.lon / 600,
        lat: g.lat === 54_600 ? null : g.lat / 600,
        sog: orNull(g.speed, 63),
        cog: orNull(g.course, 511),
        raim: g.raim,
        gnss: g.gnss,
      }
    default:
      // Types harbormaster reports without decoding their body (binary messages, interrogations...).
      return {...base, decoded: false}
  }
}

/** Type 24: gpsd prints a merged A+B object once it holds both parts; compare the part we decoded. */
function expectType24(ours: AisMessage, g: Gpsd) {
  expect(ours.mmsi).toBe(g.mmsi)
  if (ours.part_num === 0) {
    expect(ours.shipname).toBe(g.shipname || null)
  } else {
    expect(ours.part_num).toBe(1)
    expect(ours.shiptype).toBe(g.shiptype || null)
    expect(ours.callsign).toBe(g.callsign || null)
    expect(ours.vendor_id).toBe(g.vendorid.slice(0, 3) || null)
    for (const k of ['to_bow', 'to_stern', 'to_port', 'to_starboard'] as const) expect(ours[k]).toBe(g[k] || null)
  }
}

/** Walks a gpsd .chk file: sentences are fed in order, each AIS JSON line is the decode of what came before. */
function compareWithGpsdCheck(chk: string, allowedRejections: RegExp = /^$/): number {
  const decoder = new AisDecoder({
    onReject: (reason, line) => expect(reason, `rejected ${line}`).toMatch(allowedRejections),
  })
  let last: AisMessage | null = null
  let compared = 0
  for (const line of chk.split('\n')) {
    if (line.startsWith('!')) {
      const message = decoder.decodeLine(line)
      if (message) last = message
      continue
    }
    if (!line.startsWith('{')) continue
    const g = JSON.parse(line) as Gpsd
    if (g.class !== 'AIS') continue
    expect(last, `a decode for ${line}`).not.toBeNull()
    const ours = last as AisMessage
    if (g.type === 24) expectType24(ours, g)
    else expect(ours).toMatchObject(expectedFromGpsd(g))
    compared++
    last = null
  }
  return compared
}

/**
 * gpsd's shipped sample (test/sample.aivdm) against its unscaled decode: every message gpsd decodes must be
 * decoded (matched in order by type and MMSI), and field by field where harbormaster decodes the type.
 * gpsd prints one object for a type 24 pair, and nothing for parts it discards; those are not compared.
 */
function compareWithGpsdSample(log: string, chk: string): {matched: number; rejected: Array<{reason: string; line: string}>} {
  const rejected: Array<{reason: string; line: string}> = []
  const {messages} = decodeText(log, (reason, line) => rejected.push({reason, line}))
  let next = 0
  let matched = 0
  for (const line of chk.trim().split('\n')) {
    const g = JSON.parse(line) as Gpsd
    const at = messages.findIndex((m, i) => i >= next && m.msg_type === g.type && m.mmsi === g.mmsi)
    expect(at, `a decode of ${line.slice(0, 160)}`).toBeGreaterThanOrEqual(0)
    const ours = messages[at]
    if (g.type === 24) expectType24(ours, g)
    else expect(ours, line.slice(0, 160)).toMatchObject(expectedFromGpsd(g))
    next = at + 1
    matched++
  }
  return {matched, rejected}
}

describe("gpsd's shipped sample: lenient where gpsd is, strict where the data is corrupt", () => {
  it('decodes 100 % of the messages gpsd decodes, field by field', () => {
    const {matched, rejected} = compareWithGpsdSample(read('gpsd-sample.aivdm'), read('gpsd-sample.aivdm.ju.chk'))
    expect(matched).toBe(97)
    // The only line turned away is the one gpsd's own comment says yields nothing: a fragment without its "!".
    expect(rejected.map((r) => r.reason)).toEqual(['not an NMEA sentence'])
    expect(rejected[0].line).toBe('AIVDM,2,2,1,B,00000000000,2*26')
  })

  it('takes a class A report whose radio field is cut short (163 bits), with every field it reads', () => {
    const d = new AisDecoder()
    const short = d.decodeLine('!AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28JO,5*63')
    const full = d.decodeLine('!AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28JO,0*66')
    expect(short).toEqual(full)
    expect(short).toMatchObject({msg_type: 1, mmsi: 244740981, sog: 0, second: 45, raim: true})
  })

  it('ignores junk after a valid checksum, and still rejects a sentence whose checksum fails', () => {
    const reasons: string[] = []
    const d = new AisDecoder({onReject: (r) => reasons.push(r)})
    expect(d.decodeLine('!AIVDM,2,1,8,B,E03l90w4Q1h3h1:WdPOwwwwwwwwlQdn`:e55020@@@gP0000000000000000,0*47\\x0d\\x0a')).toBeNull()
    expect(d.decodeLine('!AIVDM,2,2,8,B,00,4*19\\x0d\\x0a')).toMatchObject({msg_type: 21, mmsi: 4000003, name: 'IBC G BUOY'})
    // The same junk after a checksum that does not match the sentence: corrupt, rejected.
    expect(d.decodeLine('!AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28JO,0*67\\x0d\\x0a')).toBeNull()
    // Below 163 bits a class A report is missing fields harbormaster reads: still rejected.
    let sum = 0
    for (const ch of 'AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28J,4') sum ^= ch.charCodeAt(0)
    expect(d.decodeLine(`!AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28J,4*${sum.toString(16).toUpperCase().padStart(2, '0')}`)).toBeNull()
    expect(reasons).toEqual(['checksum mismatch', 'type 1 needs 163 bits, got 158'])
  })
})

describe('AIS decoder against gpsd', () => {
  it('decodes every message of the Piraeus capture as gpsd does, field by field', () => {
    expect(compareWithGpsdCheck(read('gpsd-ais-raw-messages.log.chk'))).toBe(108)
  })

  it('decodes class B (18) and long-range (27) traffic as gpsd does', () => {
    // The capture's transmitter also sends type 24 with part number 3, which does not exist; gpsd drops them too.
    expect(compareWithGpsdCheck(read('gpsd-ais-18-27.log.chk'), /^type 24 with part number 3/)).toBe(138)
  })
})

describe('AIS decoder against libais', () => {
  const sentences = read('libais-typeexamples.nmea').trim().split('\n')
  const expected = read('libais-typeexamples.json').trim().split('\n').map((l) => JSON.parse(l) as Gpsd)
  // libais's six-bit table writes 31 as '-' and 39 as '`' where ITU and gpsd use '_' and "'".
  const libaisText = (value: string | null | undefined) => value?.replaceAll('_', '-').replaceAll("'", '`') ?? ''
  const close = (ours: number | null | undefined, theirs: number) => expect(ours).toBeCloseTo(theirs, 4)

  it.each(sentences.map((s, i) => [i + 1, s, expected[i]] as const))('line %i', (_, sentence, l) => {
    const decoder = new AisDecoder()
    const message = decoder.decodeLine(sentence)
    expect(message, sentence).not.toBeNull()
    const ours = message as AisMessage
    expect(ours.msg_type).toBe(l.type)
    expect(ours.mmsi).toBe(l.mmsi)
    if ('lat' in l && ours.lat !== undefined) {
      if (l.lat === 91) expect(ours.lat).toBeNull()
      else close(ours.lat, l.lat)
    }
    if ('lon' in l && ours.lon !== undefined) {
      if (l.lon === 181) expect(ours.lon).toBeNull()
      else close(ours.lon, l.lon)
    }
    if ('speed' in l && ours.sog !== undefined) {
      // libais scales type 9 speed by 10; ITU-R M.1371 gives SAR aircraft speed in whole knots.
      const speed = l.type === 9 ? l.speed * 10 : l.speed
      close(ours.sog, speed)
    }
    if ('course' in l && ours.cog !== undefined && ours.cog !== null) close(ours.cog, l.course)
    if ('heading' in l && ours.heading !== undefined) expect(ours.heading).toBe(l.heading === 511 ? null : l.heading)
    if ('turn' in l && ours.rot !== undefined) {
      if (l.turn === null) expect(ours.rot).toBeNull()
      else expect(Math.abs((ours.rot as number) - l.turn)).toBeLessThan(0.06)
    }
    if ('status' in l && ours.nav_status !== undefined) expect(ours.nav_status).toBe(l.status)
    if ('shipname' in l) expect(libaisText(ours.shipname)).toBe(l.shipname.replace(/[@ ]+$/, ''))
    if ('name' in l) expect(libaisText(ours.name)).toBe(l.name.replace(/[@ ]+$/, ''))
    if ('callsign' in l) expect(libaisText(ours.callsign)).toBe(l.callsign.replace(/[@ ]+$/, ''))
    if ('destination' in l) expect(libaisText(ours.destination)).toBe(l.destination.replace(/[@ ]+$/, ''))
    if ('draught' in l) close(ours.draught ?? 0, l.draught)
    if ('imo' in l) expect(ours.imo).toBe(Number(l.imo) || null)
    if ('timestamp' in l) expect(ours.timestamp).toBe(/T(2[4-9]|\d\d:6)/.test(l.timestamp) || l.timestamp.startsWith('0000') ? null : new Date(l.timestamp).toISOString())
    // gnss is the raw bit as gpsd prints it; libais prints its negation ("position is current").
    if ('gnss' in l) expect(ours.gnss).toBe(!l.gnss)
    if ('part_num' in l) expect(ours.part_num).toBe(l.part_num)
  })
})

describe('AIS sentence handling', () => {
  it('skips the empty payloads of a real stream and decodes the rest', () => {
    const reasons: string[] = []
    const {messages, stats} = decodeText(read('pyais-nmea-data-sample.nmea'), (reason) => reasons.push(reason))
    expect(stats.rejectedByReason['empty payload']).toBe(100)
    // The capture holds 20 first parts of two-part messages whose second parts were never received.
    expect(stats.rejectedByReason['orphaned fragment']).toBe(20)
    expect(messages.length).toBe(898 - 100 - 20)
    expect(stats.rejected).toBe(120)
    expect(new Set(messages.map((m) => m.msg_type))).toEqual(new Set([1, 3, 4, 15, 18, 20, 24]))
  })

  it('reads tag blocks, leading timestamps and trailing receiver fields', () => {
    const d = new AisDecoder()
    const sentence = '!AIVDM,1,1,,B,13U4vF0P001d<UnEeSmQ>gv`04hd,0*4C'
    const tag = 'c:1680940800,s:piraeus'
    let sum = 0
    for (const ch of tag) sum ^= ch.charCodeAt(0)
    const tagged = d.decodeLine(`\\${tag}*${sum.toString(16).toUpperCase().padStart(2, '0')}\\${sentence}`)
    expect(tagged?.received_at).toBe(Date.parse('2023-04-08T08:00:00Z'))
    expect(d.decodeLine(`1680940801.5 ${sentence}`)?.received_at).toBe(Date.parse('2023-04-08T08:00:01.500Z'))
    expect(d.decodeLine(`2023-04-08 08:00:02 ${sentence}`)?.received_at).toBe(Date.parse('2023-04-08T08:00:02Z'))
    expect(d.decodeLine(`${sentence},d-109,S2105,t050056.00`)?.mmsi).toBe(240205400)
    expect(d.decodeLine(`\\c:1680940800*00\\${sentence}`)).toBeNull()
    expect(d.stats.rejectedByReason['tag block checksum mismatch']).toBe(1)
  })

  it('reassembles parts that arrive out of order or with other sentences between them', () => {
    const [p1, p2] = read('gpsd-ais-raw-messages.log').split('\n').filter((l) => l.startsWith('!AIVDM,2,'))
    const d = new AisDecoder()
    expect(d.decodeLine(p2)).toBeNull()
    expect(d.decodeLine('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A')).toBeNull()
    expect(d.decodeLine(p1)?.msg_type).toBe(5)
    expect(d.stats.ignored).toBe(1)
  })

  it('reports orphaned parts when the id is reused before the message completes', () => {
    const parts = read('gpsd-ais-raw-messages.log').split('\n').filter((l) => l.startsWith('!AIVDM,2,'))
    const reasons: string[] = []
    const d = new AisDecoder({onReject: (r) => reasons.push(r)})
    d.decodeLine(parts[0])
    d.decodeLine(parts[0])
    expect(reasons).toEqual(['orphaned fragment (1 of 2 parts)'])
    expect(d.decodeLine(parts[1])?.msg_type).toBe(5)
    d.decodeLine(parts[0])
    d.flush()
    expect(reasons).toHaveLength(2)
  })

  it('rejects fragment number 0, bad checksums, short payloads and garbage with a reason', () => {
    const reasons: string[] = []
    const d = new AisDecoder({onReject: (r) => reasons.push(r)})
    const withSum = (body: string) => {
      let sum = 0
      for (const ch of body) sum ^= ch.charCodeAt(0)
      return `!${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}`
    }
    expect(d.decodeLine(withSum('AIVDM,2,0,3,A,13U4vF0P001d<UnEeSmQ>gv`04hd,0'))).toBeNull()
    expect(d.decodeLine('!AIVDM,1,1,,B,13U4vF0P001d<UnEeSmQ>gv`04hd,0*4D')).toBeNull()
    expect(d.decodeLine(withSum('AIVDM,1,1,,A,13U4vF0P001d,0'))).toBeNull()
    expect(d.decodeLine(withSum('AIVDM,1,1,,A,13U4vF0P001d<UnEeSmQ>gv`04h~,0'))).toBeNull()
    expect(d.decodeLine('hello world')).toBeNull()
    expect(reasons).toEqual([
      'bad fragment number 0 of 2',
      'checksum mismatch',
      'type 1 needs 163 bits, got 72',
      'invalid payload character "~"',
      'not an NMEA sentence',
    ])
  })
})

describe('AIS decoder fuzzing', () => {
  // mulberry32: a deterministic generator, so a failure names a reproducible case.
  let seed = 0x5eed
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const corpus = [read('gpsd-ais-raw-messages.log'), read('gpsd-ais-18-27.log'), read('pyais-nmea-data-sample.nmea')]
    .join('\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))

  const mutate = (line: string): string => {
    const kind = Math.floor(random() * 4)
    if (kind === 0) return line.slice(0, Math.floor(random() * line.length))
    if (kind === 1) {
      const i = Math.floor(random() * line.length)
      return line.slice(0, i) + String.fromCharCode(line.charCodeAt(i) ^ (1 << Math.floor(random() * 7))) + line.slice(i + 1)
    }
    if (kind === 2) return line.replace(/\*[0-9A-F]{2}/, (m) => (m === '*00' ? '*01' : '*00'))
    return Array.from({length: Math.floor(random() * 90)}, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('')
  }

  it('never throws and never yields a record from truncated, bit-flipped, wrong-checksum or garbage lines', () => {
    const d = new AisDecoder()
    // Hex digits are case-insensitive: a flip that only changes the checksum's case is the same sentence.
    const canonical = (line: string) => line.replace(/\*([0-9a-f]{2})$/i, (m) => m.toUpperCase())
    let tried = 0
    for (let i = 0; i < 20_000; i++) {
      const original = corpus[Math.floor(random() * corpus.length)]
      const line = mutate(original)
      if (canonical(line) === original) continue
      tried++
      expect(d.decodeLine(line), JSON.stringify(line)).toBeNull()
    }
    expect(tried).toBeGreaterThan(19_000)
    expect(d.stats.messages).toBe(0)
  })
})
