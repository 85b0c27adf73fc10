// Vessel intake rules on a real SQLite file and a real PostgreSQL database alike: dedupe, latest position
// only moved by newer reports, jumps, static data merged, non-ship MMSIs and future times rejected, batches
// that commit whole or not at all, whatever the chunks a source hands over, a stop between batches, and the
// track rule across batches.
import {join} from 'node:path'

import pg from 'pg'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {AisMessage} from '../../src/services/ais/payload.js'
import {openDatabase} from '../../src/services/db/client.js'
import {openPostgres} from '../../src/services/db/pg-client.js'
import type {AnyDb} from '../../src/services/db/transaction.js'
import {ingestMessages, type IngestOptions} from '../../src/services/vessels/ingest.js'
import {tempDir} from '../helpers/cli.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

const T0 = Date.parse('2026-11-24T10:00:00Z')

/** A database of one backend for one test, with raw reads and a crash injected on one vessel's insert. */
interface TestDb {
  db: AnyDb
  rows(sql: string): Promise<unknown[]>
  crashOn(mmsi: number): Promise<void>
  close(): Promise<void>
}

interface Backend {
  name: string
  open(): Promise<TestDb>
}

const sqliteBackend: Backend = {
  name: 'SQLite',
  async open() {
    const tmp = tempDir()
    const db = openDatabase(join(tmp.dir, 'ingest.db'))
    return {
      db,
      rows: async (sql) => db.sqlite.prepare(sql).all(),
      // A trigger stands in for a crash on the vessel's row.
      crashOn: async (mmsi) => void db.sqlite.exec(`CREATE TRIGGER crash BEFORE INSERT ON vessel_positions WHEN NEW.mmsi = ${mmsi} BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`),
      async close() {
        db.close()
        tmp.cleanup()
      },
    }
  },
}

let server: TestPostgres | null = null
let admin: pg.Client | undefined
let databases = 0

const postgresBackend: Backend = {
  name: 'PostgreSQL',
  async open() {
    // Each test its own database, cloned from one migrated in beforeAll.
    const name = `ingest_${++databases}`
    await admin?.query(`CREATE DATABASE ${name} TEMPLATE ingest_template`)
    const db = await openPostgres(databaseUrl((server as TestPostgres).url, name), {applicationName: 'ingest test'})
    return {
      db,
      rows: async (sql) => (await db.pool.query(sql)).rows,
      async crashOn(mmsi) {
        await db.pool.query(`CREATE FUNCTION crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$`)
        await db.pool.query(`CREATE TRIGGER crash BEFORE INSERT ON vessel_positions FOR EACH ROW WHEN (NEW.mmsi = ${mmsi}) EXECUTE FUNCTION crash()`)
      },
      async close() {
        await db.close()
        await admin?.query(`DROP DATABASE ${name}`)
      },
    }
  },
}

beforeAll(async () => {
  server = await postgresForTests()
  if (!server) return
  admin = new pg.Client({connectionString: server.url})
  await admin.connect()
  await admin.query('CREATE DATABASE ingest_template')
  await (await openPostgres(databaseUrl(server.url, 'ingest_template'), {applicationName: 'ingest test'})).close()
})
afterAll(async () => {
  await admin?.end()
  server?.stop()
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

describe.each([sqliteBackend, postgresBackend])('ingestMessages on $name', (backend) => {
  let t: TestDb
  let db: AnyDb
  beforeEach(async (context) => {
    if (backend === postgresBackend && !server) context.skip()
    t = await backend.open()
    db = t.db
  })
  afterEach(async () => {
    await t?.close()
  })
  const rows = (sql: string) => t.rows(sql)
  /** The messages as one chunk from a source (ingestMessages re-batches them). */
  const ingest = (messages: AisMessage[], opts: IngestOptions) => ingestMessages(db, [messages], opts)

  it('stores each (mmsi, time) once and counts the duplicates', async () => {
    const batch = [position(237000001, 37.9, 23.6, T0), position(237000001, 37.9, 23.6, T0), position(237000002, 37.8, 23.5, T0)]
    const first = await ingest(batch, options())
    expect(first).toMatchObject({positions_stored: 2, duplicates: 1, vessels_updated: 2})
    const second = await ingest(batch, options())
    expect(second).toMatchObject({positions_stored: 0, duplicates: 3, vessels_updated: 0})
    expect(await rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 2}])
  })

  it('stores the new reports of a batch that also brings stored ones, and a report given again after a newer one once', async () => {
    const a = 237000001
    const b = 237000002
    await ingest([position(a, 37.9, 23.6, T0), position(b, 37.8, 23.5, T0)], options())
    // Stored already, new, given again out of order within the batch, and a new vessel.
    const batch = [
      position(a, 37.9, 23.6, T0),
      position(a, 37.901, 23.6, T0 + 60_000),
      position(b, 37.801, 23.5, T0 + 60_000),
      position(a, 37.902, 23.6, T0 + 120_000),
      position(a, 37.901, 23.6, T0 + 60_000),
      position(237000003, 37.7, 23.4, T0),
    ]
    expect(await ingest(batch, options())).toMatchObject({positions_stored: 4, duplicates: 2, vessels_updated: 3})
    expect(await rows('SELECT mmsi, count(*) AS n, max(observed_at) AS newest FROM vessel_positions GROUP BY mmsi ORDER BY mmsi')).toEqual([
      {mmsi: a, n: 3, newest: T0 + 120_000},
      {mmsi: b, n: 2, newest: T0 + 60_000},
      {mmsi: 237000003, n: 1, newest: T0},
    ])
    expect(await rows('SELECT mmsi, lat, position_at FROM vessels ORDER BY mmsi')).toEqual([
      {mmsi: a, lat: 37.902, position_at: T0 + 120_000},
      {mmsi: b, lat: 37.801, position_at: T0 + 60_000},
      {mmsi: 237000003, lat: 37.7, position_at: T0},
    ])
    // Batches of new reports after batches of stored ones: each stored once, whichever way the store takes.
    const again = Array.from({length: 12}, (_, i) => position(a, 37.902 + (i + 1) * 0.001, 23.6, T0 + (i + 3) * 60_000))
    const result = await ingest([...batch, ...batch, ...again], options({batchSize: 3}))
    expect(result).toMatchObject({positions_stored: 12, duplicates: 12})
    expect(await rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 18}])
    expect(await rows(`SELECT position_at FROM vessels WHERE mmsi = ${a}`)).toEqual([{position_at: T0 + 14 * 60_000}])
  })

  it('a batch that fails while being judged stores none of it, and the next intake stores it whole', async () => {
    const batch = Array.from({length: 20}, (_, i) => position(237000000 + i, 37 + i * 0.01, 23, T0))
    const failing = options({
      batchSize: 10,
      observedAtOf: (m) => {
        if (m.mmsi === 237000015) throw new Error('unreadable time')
        return m.received_at ?? T0
      },
    })
    await expect(ingest(batch, failing)).rejects.toThrow(/unreadable time/)
    expect(await rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 10}])
    expect(await ingest(batch, options())).toMatchObject({positions_stored: 10, duplicates: 10})
    expect(await rows('SELECT count(*) AS n FROM vessels')).toEqual([{n: 20}])
  })

  it('moves the latest position only for a newer report, keeping older ones in the history', async () => {
    await ingest([position(237000001, 37.9, 23.6, T0 + 60_000)], options())
    const late = await ingest([position(237000001, 37.89, 23.6, T0)], options())
    expect(late).toMatchObject({positions_stored: 1, vessels_updated: 0})
    expect(await rows('SELECT lat, position_at FROM vessels')).toEqual([{lat: 37.9, position_at: T0 + 60_000}])
    expect(await rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 2}])
  })

  it('holds a report implying more than 50 kn and discards it when the track goes on; GPS jitter is no jump', async () => {
    await ingest([position(237000001, 37.9, 23.6, T0)], options())
    // 0.1° of latitude (11.1 km) in 6 minutes is 60 kn.
    const jump = await ingest([position(237000001, 38.0, 23.6, T0 + 360_000)], options())
    expect(jump).toMatchObject({positions_stored: 0, positions_held: 1, rejected: 0})
    // 100 m in 2 s is 97 kn, but it is jitter, not a voyage; the track goes on, so the jump was a teleport.
    const jitter = await ingest([position(237000001, 37.9009, 23.6, T0 + 2000)], options())
    expect(jitter).toMatchObject({positions_stored: 1, positions_held: 1})
    expect(await rows('SELECT count(*) AS n FROM position_suspects')).toEqual([{n: 1}])
    // 11.1 km in 1 h is 6 kn: accepted, and the held report is overtaken and discarded.
    const voyage = await ingest([position(237000001, 38.0, 23.6, T0 + 3_600_000)], options())
    expect(voyage).toMatchObject({positions_stored: 1, positions_held: 0, rejected_by_reason: {'jump implying over 50 kn': 1}})
    expect(await rows('SELECT count(*) AS n FROM position_suspects')).toEqual([{n: 0}])
    // Discarded, but kept apart from the track (the identity detector's evidence), never in the history.
    expect(await rows('SELECT mmsi, observed_at, lat FROM discarded_positions')).toEqual([{mmsi: 237000001, observed_at: T0 + 360_000, lat: 38.0}])
    expect(await rows('SELECT count(*) AS n FROM vessel_positions WHERE observed_at = ' + (T0 + 360_000))).toEqual([{n: 0}])
  })

  it('never freezes a vessel behind a bad fix: reports that agree with one another become the track', async () => {
    // The first fix is 300 km off; the true track follows, one report a minute at 12 kn.
    await ingest([position(237000001, 40.6, 23.6, T0)], options())
    const truth = Array.from({length: 4}, (_, i) => position(237000001, 37.9 + i * 0.0033, 23.6, T0 + (i + 1) * 60_000))
    const result = await ingest(truth, options())
    expect(result).toMatchObject({track_moves: 1, positions_stored: 4, positions_held: 0, rejected: 0})
    expect(await rows('SELECT lat, position_at FROM vessels')).toEqual([{lat: 37.9 + 3 * 0.0033, position_at: T0 + 4 * 60_000}])
  })

  it('moves the track across runs when each run brings one report (a snapshot source)', async () => {
    await ingest([position(237000001, 40.6, 23.6, T0)], options())
    const runs = []
    for (const i of [1, 2, 3]) runs.push(await ingest([position(237000001, 37.9 + i * 0.03, 23.6, T0 + i * 900_000)], options()))
    expect(runs.map((r) => [r.positions_stored, r.positions_held, r.track_moves])).toEqual([
      [0, 1, 0],
      [0, 2, 0],
      [3, 0, 1],
    ])
    expect(await rows('SELECT lat FROM vessels')).toEqual([{lat: 37.9 + 3 * 0.03}])
  })

  it('discards a teleport between true reports and counts it', async () => {
    const track = [
      position(237000001, 37.9, 23.6, T0),
      position(237000001, 12.0, 45.0, T0 + 60_000), // one report from far away
      position(237000001, 37.9033, 23.6, T0 + 120_000),
      position(237000001, 37.9066, 23.6, T0 + 180_000),
    ]
    const result = await ingest(track, options())
    expect(result).toMatchObject({positions_stored: 3, positions_held: 0, track_moves: 0, rejected_by_reason: {'jump implying over 50 kn': 1}})
    expect(await rows('SELECT observed_at, lat, lon FROM discarded_positions')).toEqual([{observed_at: T0 + 60_000, lat: 12.0, lon: 45.0}])
  })

  it('keeps every report of a second track it discards, however the two tracks interleave', async () => {
    // One MMSI heard off Piraeus and, at the same minutes, 300 km away: each far report is held, then discarded
    // when the near track goes on.
    const interleaved = (mmsi: number) => {
      const near = Array.from({length: 6}, (_, i) => position(mmsi, 37.9 + i * 0.001, 23.6, T0 + i * 120_000))
      const far = Array.from({length: 5}, (_, i) => position(mmsi, 40.6 + i * 0.001, 23.6, T0 + i * 120_000 + 60_000))
      return near.flatMap((r, i) => (far[i] ? [r, far[i]] : [r]))
    }
    // One batch; and one report a run (the held report then comes back from the database).
    const whole = await ingest(interleaved(237000001), options())
    expect(whole).toMatchObject({positions_stored: 6, track_moves: 0, rejected_by_reason: {'jump implying over 50 kn': 5}})
    let rejected = 0
    for (const m of interleaved(237000002)) rejected += (await ingest([m], options())).rejected
    expect(rejected).toBe(5)
    expect(await rows('SELECT mmsi, count(*) AS n FROM discarded_positions WHERE lat >= 40.6 GROUP BY mmsi ORDER BY mmsi')).toEqual([
      {mmsi: 237000001, n: 5},
      {mmsi: 237000002, n: 5},
    ])
    expect(await rows('SELECT count(*) AS n FROM vessel_positions WHERE lat >= 40.6')).toEqual([{n: 0}])
  })

  it('rejects (0,0) with its reason and judges later reports against the last accepted fix', async () => {
    await ingest([position(237000001, 37.9, 23.6, T0)], options())
    const result = await ingest(
      [position(237000001, 0, 0, T0 + 60_000), position(237000001, 37.9033, 23.6, T0 + 120_000), position(237000001, 37.9066, 23.6, T0 + 180_000)],
      options(),
    )
    expect(result).toMatchObject({positions_stored: 2, rejected_by_reason: {'position (0,0)': 1}})
    expect(await rows('SELECT count(*) AS n FROM vessel_positions WHERE lat = 0 AND lon = 0')).toEqual([{n: 0}])
  })

  it('records time stamp seconds 61-63 and never judges speed by a dead-reckoned or inoperative fix', async () => {
    const result = await ingest(
      [
        position(237000001, 37.9, 23.6, T0, {second: 10}),
        position(237000001, 39.0, 23.6, T0 + 60_000, {second: 63}), // positioning inoperative: far off
        position(237000001, 37.9033, 23.6, T0 + 120_000, {second: 62}),
        position(237000001, 37.9033, 23.6, T0 + 130_000, {second: 61}),
        position(237000001, 37.9066, 23.6, T0 + 180_000, {second: 30}),
      ],
      options(),
    )
    expect(result).toMatchObject({positions_stored: 5, estimated_positions: 2, rejected: 0, positions_held: 0})
    expect(await rows('SELECT utc_second AS s FROM vessel_positions ORDER BY observed_at')).toEqual([{s: 10}, {s: 63}, {s: 62}, {s: 61}, {s: 30}])
  })

  it('keeps distress transmitters (AIS-SART, MOB-AIS, EPIRB-AIS) and says when only accepted reports were observed', async () => {
    const result = await ingest(
      [
        position(970123456, 37.5, 23.5, T0, {nav_status: 14}),
        position(972000001, 37.6, 23.5, T0 + 1000, {nav_status: 14}),
        position(974000001, 37.7, 23.5, T0 + 2000, {nav_status: 15}),
        position(237000001, 37.9, 23.6, T0 + 5 * 3_600_000), // in the future: rejected, never "observed at"
      ],
      options(),
    )
    expect(result.rejected_by_reason).toEqual({'timestamp in the future': 1})
    expect(result.distress.map((r) => r.mmsi)).toEqual([970123456, 972000001, 974000001])
    expect(result.newest_observed_at).toBe(T0 + 2000)
    expect(await rows('SELECT mmsi FROM vessels ORDER BY mmsi')).toEqual([{mmsi: 970123456}, {mmsi: 972000001}, {mmsi: 974000001}])
  })

  it('rejects what is not a position of a ship: unavailable or out-of-range positions, non-ship MMSIs, future times', async () => {
    const result = await ingest(
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
    expect(await rows('SELECT count(*) AS n FROM vessels')).toEqual([{n: 0}])
  })

  it('merges static data from types 5, 19 and 24 into the vessel, with the flag from the MID', async () => {
    await ingest(
      [
        position(247431600, 37.9, 23.6, T0),
        {msg_type: 24, repeat: 0, mmsi: 247431600, part_num: 0, shipname: 'LADY RINA'},
        {msg_type: 5, repeat: 0, mmsi: 247431600, imo: 9631383, callsign: 'IBUJ', shipname: null, shiptype: 80, to_bow: 140, to_stern: 43, to_port: 17, to_starboard: 10, draught: 7.5, destination: 'GRAGT'},
      ],
      options(),
    )
    expect(await rows('SELECT name, imo, callsign, ship_type, length_m, beam_m, draught_m, destination, flag FROM vessels')).toEqual([
      {name: 'LADY RINA', imo: 9631383, callsign: 'IBUJ', ship_type: 80, length_m: 183, beam_m: 27, draught_m: 7.5, destination: 'GRAGT', flag: 'Italy'},
    ])
  })

  it('commits batches whole: a failure mid-batch stores none of that batch and keeps the ones before', async () => {
    // A crash on the 15th row.
    await t.crashOn(237000015)
    const batch = Array.from({length: 20}, (_, i) => position(237000000 + i, 37 + i * 0.01, 23, T0))
    await expect(ingest(batch, options({batchSize: 10}))).rejects.toThrow(/simulated crash/)
    expect(await rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 10}])
    expect(await rows('SELECT count(*) AS n FROM vessels')).toEqual([{n: 10}])
    expect(await rows('SELECT max(mmsi) AS m FROM vessels')).toEqual([{m: 237000009}])
  })

  it('stops at a batch boundary when its signal is aborted, keeping the batches committed', async () => {
    const stop = new AbortController()
    const batch = Array.from({length: 30}, (_, i) => position(237000000 + i, 37, 23 + i * 0.01, T0))
    const result = await ingest(batch, options({batchSize: 10, signal: stop.signal, onBatch: ({batches}) => batches === 2 && stop.abort()}))
    expect(result).toMatchObject({stopped: true, positions_stored: 20, messages: 20})
    expect(await rows('SELECT count(*) AS n FROM vessel_positions')).toEqual([{n: 20}])
  })

  it('re-batches what a source hands over in chunks of any size, and yields between batches', async () => {
    // Chunks of 7, 1 and 13 messages in batches of 5: 21 messages, 5 transactions.
    const all = Array.from({length: 21}, (_, i) => position(237000000 + i, 37, 23 + i * 0.01, T0))
    const chunks = [all.slice(0, 7), all.slice(7, 8), all.slice(8)]
    let ticks = 0
    const ticker = setInterval(() => ticks++, 0)
    const sizes: number[] = []
    let last = 0
    try {
      const result = await ingestMessages(db, (async function* () {
        yield* chunks
      })(), options({batchSize: 5, onBatch: ({messages}) => {
        sizes.push(messages - last)
        last = messages
      }}))
      expect(result).toMatchObject({messages: 21, positions_stored: 21, stopped: false})
    } finally {
      clearInterval(ticker)
    }
    expect(sizes).toEqual([5, 5, 5, 5, 1])
    // Timers ran while the batches were stored.
    expect(ticks).toBeGreaterThan(0)
  })

  it('keeps the track rule across batches: reports that agree over several batches move the track', async () => {
    // A bad first fix, then the true track one report per batch: the held reports carry across batches.
    const reports = [position(237000001, 40.6, 23.6, T0), ...Array.from({length: 4}, (_, i) => position(237000001, 37.9 + i * 0.0033, 23.6, T0 + (i + 1) * 60_000))]
    const result = await ingest(reports, options({batchSize: 1}))
    expect(result).toMatchObject({track_moves: 1, positions_stored: 5, positions_held: 0, rejected: 0})
    expect(await rows('SELECT lat FROM vessels')).toEqual([{lat: 37.9 + 3 * 0.0033}])
  })
})
