// Vessel intake rules on a real SQLite file: dedupe, latest position only moved by newer reports, jumps,
// static data merged, non-ship MMSIs and future times rejected, and batches that commit whole or not at all.
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AisMessage} from '../../src/services/ais/payload.js'
import {type Db, openDatabase} from '../../src/services/db/client.js'
import {ingestMessages, type IngestOptions} from '../../src/services/vessels/ingest.js'
import {tempDir} from '../helpers/cli.js'

const T0 = Date.parse('2026-11-24T10:00:00Z')
let tmp: ReturnType<typeof tempDir>
let db: Db

beforeEach(() => {
  tmp = tempDir()
  db = openDatabase(join(tmp.dir, 'ingest.db'))
})
afterEach(() => {
  db.close()
  tmp.cleanup()
})

const position = (mmsi: number, lat: number, lon: number, at: number, extra: Partial<AisMessage> = {}): AisMessage => ({
  msg_type: 1,
  repeat: 0,
  mmsi,
  lat,
  lon,
  sog: 5,
  cog: 90,
  heading: 90,
  nav_status: 0,
  received_at: at,
  ...extra,
})

const options = (over: Partial<IngestOptions> = {}): IngestOptions => ({
  source: 'live',
  origin: 'ingest',
  now: T0 + 3_600_000,
  observedAtOf: (m) => m.received_at ?? T0,
  ...over,
})

const rows = (sql: string, ...params: unknown[]) => db.sqlite.prepare(sql).all(...params)

describe('ingestMessages', () => {
  it('stores each (mmsi, time) once and counts the duplicates', () => {
    const batch = [position(237000001, 37.9, 23.6, T0), position(237000001, 37.9, 23.6, T0), position(237000002, 37.8, 23.5, T0)]
    const first = ingestMessages(db, batch, options())
    expect(first).toMatchObject({positions_stored: 2, duplicates: 1, vessels_updated: 2})
    const second = ingestMessages(db, batch, options())
    expect(second).toMatchObject({positions_stored: 0, duplicates: 3, vessels_updated: 0})
    expect(rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 2}])
  })

  it('moves the latest position only for a newer report, keeping older ones in the history', () => {
    ingestMessages(db, [position(237000001, 37.9, 23.6, T0 + 60_000)], options())
    const late = ingestMessages(db, [position(237000001, 37.89, 23.6, T0)], options())
    expect(late).toMatchObject({positions_stored: 1, vessels_updated: 0})
    expect(rows('SELECT lat, position_at FROM vessels')).toEqual([{lat: 37.9, position_at: T0 + 60_000}])
    expect(rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 2}])
  })

  it('rejects a report implying more than 50 kn, but not GPS jitter over a few seconds', () => {
    ingestMessages(db, [position(237000001, 37.9, 23.6, T0)], options())
    // 0.1° of latitude (11.1 km) in 6 minutes is 60 kn.
    const jump = ingestMessages(db, [position(237000001, 38.0, 23.6, T0 + 360_000)], options())
    expect(jump.rejected_by_reason).toEqual({'jump implying over 50 kn': 1})
    // 100 m in 2 s is 97 kn, but it is jitter, not a voyage.
    const jitter = ingestMessages(db, [position(237000001, 37.9009, 23.6, T0 + 2000)], options())
    expect(jitter).toMatchObject({positions_stored: 1, rejected: 0})
    // 11.1 km in 1 h is 6 kn.
    const voyage = ingestMessages(db, [position(237000001, 38.0, 23.6, T0 + 3_600_000)], options())
    expect(voyage).toMatchObject({positions_stored: 1, rejected: 0})
  })

  it('rejects what is not a position of a ship: unavailable or out-of-range positions, non-ship MMSIs, future times', () => {
    const result = ingestMessages(
      db,
      [
        position(237000001, 91, 181, T0, {lat: null, lon: null}),
        position(237000002, -101.5, 12.4, T0),
        position(2393200, 39.5, 20.3, T0), // a base station's MMSI
        position(992411001, 37.9, 23.6, T0), // an aid to navigation's MMSI
        position(237000003, 37.9, 23.6, T0 + 2 * 3_600_000), // an hour after "now"
        {msg_type: 4, repeat: 0, mmsi: 2393200, lat: 39.5, lon: 20.3},
      ],
      options(),
    )
    expect(result.rejected_by_reason).toEqual({
      'position not available': 1,
      'position out of range': 1,
      'not a ship MMSI': 2,
      'timestamp in the future': 1,
    })
    expect(result.skipped).toBe(1)
    expect(rows('SELECT count(*) AS n FROM vessels')).toEqual([{n: 0}])
  })

  it('merges static data from types 5, 19 and 24 into the vessel, with the flag from the MID', () => {
    ingestMessages(
      db,
      [
        position(247431600, 37.9, 23.6, T0),
        {msg_type: 24, repeat: 0, mmsi: 247431600, part_num: 0, shipname: 'LADY RINA'},
        {msg_type: 5, repeat: 0, mmsi: 247431600, imo: 9631383, callsign: 'IBUJ', shipname: null, shiptype: 80, to_bow: 140, to_stern: 43, to_port: 17, to_starboard: 10, draught: 7.5, destination: 'GRAGT'},
      ],
      options(),
    )
    expect(rows('SELECT name, imo, callsign, ship_type, length_m, beam_m, draught_m, destination, flag FROM vessels')).toEqual([
      {name: 'LADY RINA', imo: 9631383, callsign: 'IBUJ', ship_type: 80, length_m: 183, beam_m: 27, draught_m: 7.5, destination: 'GRAGT', flag: 'Italy'},
    ])
  })

  it('commits batches whole: a failure mid-batch stores none of that batch and keeps the ones before', () => {
    // A trigger stands in for a crash on the 15th row.
    db.sqlite.exec(`CREATE TRIGGER crash BEFORE INSERT ON vessel_positions WHEN NEW.mmsi = 237000015 BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`)
    const batch = Array.from({length: 20}, (_, i) => position(237000000 + i, 37 + i * 0.01, 23, T0))
    expect(() => ingestMessages(db, batch, options({batchSize: 10}))).toThrow(/simulated crash/)
    expect(rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 10}])
    expect(rows('SELECT count(*) AS n FROM vessels')).toEqual([{n: 10}])
    expect(rows('SELECT max(mmsi) AS m FROM vessels')).toEqual([{m: 237000009}])
  })

  it('stops at a batch boundary when asked to', () => {
    let asked = 0
    const batch = Array.from({length: 30}, (_, i) => position(237000000 + i, 37, 23 + i * 0.01, T0))
    const result = ingestMessages(db, batch, options({batchSize: 10, shouldStop: () => ++asked > 2}))
    expect(result).toMatchObject({stopped: true, positions_stored: 20})
  })
})
