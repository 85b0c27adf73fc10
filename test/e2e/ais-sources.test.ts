// The vessels job through the real CLI against each AIS source, served by local stand-ins replaying real
// captures: a receiver's TCP feed (which drops), UDP datagrams, a capture file, aisstream.io's WebSocket
// (including its error reply and a dropped connection) and AISHub's web service (including throttling).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {collect, count, ROOT, startCli, tempDir, withDb} from '../helpers/cli.js'
import {freeUdpPort, startAisstreamServer, startJsonServer, startNmeaTcpServer, startUdpSender} from '../helpers/feeds.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb} from '../helpers/template.js'

const fixtures = join(ROOT, 'test', 'fixtures', 'ais')
const piraeus = readFileSync(join(fixtures, 'gpsd-ais-raw-messages.log'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.startsWith('!'))
const aisstreamFrames = readFileSync(join(fixtures, 'aisstream-examples.jsonl'), 'utf8').trim().split('\n')
const aishub = JSON.parse(readFileSync(join(fixtures, 'aishub-examples.json'), 'utf8')) as Record<string, unknown>

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0
/** A database whose shipped ports and zones are loaded and that holds no positions yet. */
const freshDb = () => firstUseDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))

type VesselSummary = {
  vessels_updated: number
  source: string
  provider: string
  positions_stored: number
  errors_count: number
  rejected_by_reason: Record<string, number>
  fallback_reason?: string
}

async function vesselsJob(db: string, env: Record<string, string>, extra: string[] = []) {
  const result = await runInProcess(['run-background-jobs', '--job', 'vessels', '--json', '--db', db, ...extra], {env})
  expect(result.code, result.stderr).toBe(0)
  return {result, summary: JSON.parse(result.stdout).jobs.vessel_positions as VesselSummary}
}

describe('nmea-tcp', () => {
  it('reads a receiver feed for the window, reconnects after a drop, and stores live positions', async () => {
    const feed = await startNmeaTcpServer(piraeus, {dropAfter: 40, intervalMs: 20})
    try {
      const db = freshDb()
      const {result, summary} = await vesselsJob(db, {HARBORMASTER_AIS_SOURCE: `nmea-tcp:127.0.0.1:${feed.port}`}, ['--duration', '3'])
      expect(summary).toMatchObject({source: 'live', provider: 'nmea-tcp'})
      expect(summary.vessels_updated).toBe(43)
      expect(feed.connections).toBeGreaterThanOrEqual(2)
      expect(result.stderr).toMatch(/NMEA feed 127\.0\.0\.1:\d+ dropped/)
      expect(count(db, `SELECT count(*) FROM vessel_positions WHERE source = 'live'`)).toBe(summary.positions_stored)
      expect(count(db, `SELECT count(*) FROM vessels WHERE origin = 'ingest' AND flag IS NOT NULL`)).toBe(43)
    } finally {
      await feed.close()
    }
  })

  it('falls back to the shipped sample when the feed refuses and the database is empty, then to the database', async () => {
    const db = freshDb()
    const env = {HARBORMASTER_AIS_SOURCE: 'nmea-tcp:127.0.0.1:9'}
    const first = await vesselsJob(db, env, ['--duration', '1'])
    expect(first.summary).toMatchObject({source: 'emergency', provider: 'sample', vessels_updated: 43})
    expect(first.summary.fallback_reason).toMatch(/gave no AIS messages in 1 s \(ECONNREFUSED\)/)
    expect(first.result.stderr).toMatch(/WARNING AIS source nmea-tcp failed and the database holds no positions; serving the shipped sample/)

    const second = await vesselsJob(db, env, ['--duration', '1'])
    expect(second.summary).toMatchObject({source: 'fallback', provider: 'database', vessels_updated: 0})
    expect(second.result.stderr).toMatch(/serving the positions the database holds \(fallback\)/)
  })
})

describe('nmea-udp', () => {
  it('collects datagrams for the window', async () => {
    const port = await freeUdpPort()
    const sender = startUdpSender(port, piraeus, 50)
    try {
      const db = freshDb()
      const {summary} = await vesselsJob(db, {HARBORMASTER_AIS_SOURCE: `nmea-udp:${port}`}, ['--duration', '2'])
      expect(summary).toMatchObject({source: 'live', provider: 'nmea-udp'})
      expect(summary.vessels_updated).toBeGreaterThan(5)
    } finally {
      sender.stop()
    }
  })
})

describe('nmea-file', () => {
  it('reads a capture with empty payloads and orphaned parts, counting each rejection by reason', async () => {
    const db = freshDb()
    const {summary} = await vesselsJob(db, {HARBORMASTER_AIS_SOURCE: `nmea-file:${join(fixtures, 'pyais-nmea-data-sample.nmea')}`})
    expect(summary).toMatchObject({source: 'live', provider: 'nmea-file'})
    expect(summary.rejected_by_reason['empty payload']).toBe(100)
    expect(summary.rejected_by_reason['orphaned fragment']).toBe(20)
    expect(summary.vessels_updated).toBeGreaterThan(100)
  })

  it('a missing file is a source failure, served from the fallback with the reason', async () => {
    const {summary} = await vesselsJob(freshDb(), {HARBORMASTER_AIS_SOURCE: 'nmea-file:/nonexistent/capture.nmea'})
    expect(summary.source).toBe('emergency')
    expect(summary.fallback_reason).toMatch(/cannot read NMEA file \/nonexistent\/capture\.nmea: ENOENT/)
  })
})

describe('aisstream', () => {
  const key = 'test-key-0123456789abcdef'

  it('subscribes with the key, boxes and message types, and stores the reports it streams', async () => {
    const server = await startAisstreamServer({apiKey: key, frames: aisstreamFrames.slice(0, 2)})
    try {
      const db = freshDb()
      const {result, summary} = await vesselsJob(
        db,
        {HARBORMASTER_AIS_SOURCE: 'aisstream', AISSTREAM_API_KEY: key, HARBORMASTER_AISSTREAM_URL: server.url},
        ['--duration', '2', '--verbose'],
      )
      expect(summary).toMatchObject({source: 'live', provider: 'aisstream', vessels_updated: 2})
      expect(server.subscriptions[0]).toEqual({
        APIKey: key,
        BoundingBoxes: [
          [
            [-90, -180],
            [90, 180],
          ],
        ],
        FilterMessageTypes: ['PositionReport', 'StandardClassBPositionReport', 'ShipStaticData'],
      })
      const vessel = withDb(db, (d) => d.prepare(`SELECT * FROM vessel_positions WHERE mmsi = 538010505`).get()) as {observed_at: number; lat: number}
      expect(vessel.observed_at).toBe(Date.parse('2024-09-17T14:38:55.281Z'))
      expect(vessel.lat).toBeCloseTo(13.351478333, 8)
      expect(result.stdout + result.stderr).not.toContain(key)
    } finally {
      await server.close()
    }
  })

  it('reconnects when the stream drops mid-way', async () => {
    const server = await startAisstreamServer({apiKey: key, frames: aisstreamFrames.slice(0, 2), dropAfterFirst: true})
    try {
      const {result, summary} = await vesselsJob(
        freshDb(),
        {HARBORMASTER_AIS_SOURCE: 'aisstream', AISSTREAM_API_KEY: key, HARBORMASTER_AISSTREAM_URL: server.url},
        ['--duration', '3'],
      )
      expect(server.subscriptions.length).toBeGreaterThanOrEqual(2)
      expect(result.stderr).toMatch(/aisstream connection dropped/)
      expect(summary).toMatchObject({source: 'live', vessels_updated: 2})
    } finally {
      await server.close()
    }
  })

  it('an error reply (a wrong key) is a failure to fall back from, and the key never shows', async () => {
    const server = await startAisstreamServer({apiKey: 'the-right-key-000000', frames: aisstreamFrames.slice(0, 2)})
    try {
      const {result, summary} = await vesselsJob(
        freshDb(),
        {HARBORMASTER_AIS_SOURCE: 'aisstream', AISSTREAM_API_KEY: key, HARBORMASTER_AISSTREAM_URL: server.url},
        ['--duration', '2', '--verbose'],
      )
      expect(summary.source).toBe('emergency')
      expect(summary.fallback_reason).toBe('aisstream refused the subscription: Api Key Is Not Valid')
      expect(result.stdout + result.stderr).not.toContain(key)
    } finally {
      await server.close()
    }
  })

  it('refuses to start without a key (exit 2, names the variable)', async () => {
    const result = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', freshDb()], {env: {HARBORMASTER_AIS_SOURCE: 'aisstream'}})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/HARBORMASTER_AIS_SOURCE=aisstream needs AISSTREAM_API_KEY/)
  })
})

describe('aishub', () => {
  it('stores the vessels of a reply, merges their static data, and never asks twice a minute', async () => {
    const server = await startJsonServer({status: 200, body: JSON.stringify(aishub.human_format_test_capture)})
    try {
      const db = freshDb()
      const env = {HARBORMASTER_AIS_SOURCE: 'aishub', AISHUB_USERNAME: 'harbor-user', HARBORMASTER_AISHUB_URL: server.url}
      const first = await vesselsJob(db, env)
      expect(first.summary).toMatchObject({source: 'live', provider: 'aishub', vessels_updated: 1})
      expect(server.requests[0]).toMatch(/username=harbor-user&format=1&output=json&compress=0/)
      expect(withDb(db, (d) => d.prepare(`SELECT name, callsign, ship_type, length_m, destination, sog, heading FROM vessels`).get())).toEqual({
        name: 'CHATEAUROUX',
        callsign: 'PH7002',
        ship_type: 69,
        length_m: 30,
        destination: 'ENKHUIZEN',
        sog: 0,
        heading: null,
      })

      // Within the minute (and the AIS cache time): no request at all, the cached reply serves.
      const second = await vesselsJob(db, env)
      expect(server.requests).toHaveLength(1)
      expect(second.summary).toMatchObject({source: 'cached', provider: 'aishub', positions_stored: 0, duplicates: 1})
    } finally {
      await server.close()
    }
  })

  it('a throttled or empty reply is an error to fall back from, not zero vessels', async () => {
    const server = await startJsonServer({status: 200, body: JSON.stringify([{ERROR: true, ERROR_MESSAGE: 'Too frequent requests!'}])})
    try {
      const env = {HARBORMASTER_AIS_SOURCE: 'aishub', AISHUB_USERNAME: 'harbor-user', HARBORMASTER_AISHUB_URL: server.url}
      const throttled = await vesselsJob(freshDb(), env)
      expect(throttled.summary.source).toBe('emergency')
      expect(throttled.summary.fallback_reason).toBe('AISHub refused the request: Too frequent requests!')

      server.reply = {status: 200, body: JSON.stringify([{ERROR: false, USERNAME: 'x', FORMAT: 'HUMAN', RECORDS: 0}, []])}
      const empty = await vesselsJob(freshDb(), env)
      expect(empty.summary.fallback_reason).toBe('AISHub replied with no vessel records')

      server.reply = {status: 200, body: '[{"ERROR":false},[{"MMSI":"not a number"'}
      const broken = await vesselsJob(freshDb(), env)
      expect(broken.summary.fallback_reason).toMatch(/not JSON/)
      expect(server.requests.every((r) => !r.includes('harbor-user') || r.includes('username='))).toBe(true)
      expect(throttled.result.stderr + empty.result.stderr + broken.result.stderr).not.toContain('harbor-user')
    } finally {
      await server.close()
    }
  })
})

describe('ais decode', () => {
  it('prints one JSON object per message and counts rejections on stderr', async () => {
    const result = await runInProcess(['ais', 'decode', join(fixtures, 'pyais-nmea-data-sample.nmea'), '--json'])
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(778)
    expect(lines[0]).toMatchObject({msg_type: 3, mmsi: 235070716})
    expect(lines.every((l) => typeof l.msg_type === 'number' && typeof l.mmsi === 'number')).toBe(true)
    expect(result.stderr).toMatch(/^rejected: empty payload: !AIVDM,1,1,,B,,0\*25$/m)
    expect(result.stderr).toMatch(/decoded 778 messages from 898 lines .*rejected 120 \(empty payload: 100, orphaned fragment: 20\)/)
  })

  it('reads standard input and reports "not available" as null', async () => {
    const child = startCli(['ais', 'decode', '-', '--json'], {stdin: 'pipe'})
    child.stdin?.end('!AIVDM,1,1,,B,13U4vF0P001d<UnEeSmQ>gv`04hd,0*4C\n')
    const result = await collect(child)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({msg_type: 1, mmsi: 240205400, heading: null, rot: null, sog: 0})
  })

  it('exits 1 when nothing at all could be decoded', async () => {
    const path = join(tmp.dir, 'garbage.txt')
    const {writeFileSync} = await import('node:fs')
    writeFileSync(path, 'not nmea\n!AIVDM,1,1,,B,13U4vF0P001d<UnEeSmQ>gv`04hd,0*00\n')
    const result = await runInProcess(['ais', 'decode', path])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/decoded 0 messages from 2 lines/)
  })
})
