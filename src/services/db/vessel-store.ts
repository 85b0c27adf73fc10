// Hot-path writes and reads of vessel intake, on either database: position history with dedupe on
// (mmsi, observed_at), the latest position per vessel moved only by a newer report, static data merged,
// reports held back by the track rule and those it discarded. On SQLite each is a statement prepared once per connection and run
// per row; on PostgreSQL positions stream by COPY as intake accepts them (INSERT … ON CONFLICT when a batch
// holds stored ones), the rest is one statement per batch over whole columns (INSERT ... SELECT FROM unnest),
// and what the track rule reads is read ahead for the whole batch in one query.
import type {Statement} from 'better-sqlite3'

import type {Fix, TrackState, TrackStore} from '../vessels/track.js'
import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import type {PostgresDb} from './pg-client.js'
import {columnsOf, type CopyColumn, float8Array, int8Array, pgArrays, pgCopyIn, pgExec, pgObjects, textArray} from './pg-batch.js'
import type {DataSource, Origin} from './schema.js'
import {type AnyDb, currentTransaction} from './transaction.js'

export interface PositionRow {
  mmsi: number
  observedAt: number
  lat: number
  lon: number
  sog: number | null
  cog: number | null
  heading: number | null
  navStatus: number | null
  /** AIS time stamp second: 0-59, 61 manual, 62 dead reckoning, 63 positioning inoperative; null when not available. */
  utcSecond: number | null
  source: DataSource
  receivedAt: number
}

export interface StaticRow {
  mmsi: number
  imo: number | null
  name: string | null
  callsign: string | null
  shipType: number | null
  lengthM: number | null
  beamM: number | null
  draughtM: number | null
  destination: string | null
}

/** Static data of one message, with the flag its MMSI gives (stored when the vessel is new). */
export interface StaticUpdate extends StaticRow {
  flag: string | null
}

/** What storing a batch's positions did. */
export interface PositionsStored {
  /** Rows stored; the others were stored already (or given before in the batch). */
  stored: number
  /** Vessels whose latest position moved to their newest row stored. */
  moved: number[]
}

/**
 * A batch's positions stored as they are accepted, while the rest of the batch is judged: for positions none
 * of which is stored yet (the usual case of a live feed), each (mmsi, observed_at) taken once.
 */
export interface PositionCopy {
  add(row: PositionRow): void
  /**
   * Ends the copy (nothing else runs on the transaction's connection until then): the rows stored, or null
   * when one of them was stored already, and then nothing was (`storePositions` stores them instead).
   */
  end(): Promise<number | null>
  /** After `end` stored the rows: each vessel's newest of them moved into the vessel, as `storePositions` does. */
  moveLatest(flagOf: (mmsi: number) => string | null, origin: Origin, now: number): Promise<number[]>
  /** Gives the copy up (a batch that failed half way): the connection is free for the rollback. */
  abort(): Promise<void>
}

/**
 * What intake writes, a batch at a time, inside the batch's write transaction; and what the track rule reads
 * (as `TrackStore`). Rows are handled in the order given, as one statement per row would handle them.
 */
export interface VesselStore extends TrackStore {
  /** Merges static data (non-null fields win): per row, whether it changed anything (a new vessel always does). */
  mergeStatics(rows: StaticUpdate[], origin: Origin, now: number): Promise<boolean[]>
  /**
   * Stores positions, each (mmsi, observed_at) once, and moves each vessel's latest position to its newest
   * row stored when that is newer than the one it holds (creating the vessel, flagged by `flagOf`): once
   * per vessel per batch, not per report.
   */
  storePositions(rows: PositionRow[], flagOf: (mmsi: number) => string | null, origin: Origin, now: number): Promise<PositionsStored>
  /**
   * Starts storing the batch's positions as intake accepts them (PostgreSQL: COPY streams them to the server
   * while intake judges the rest); undefined when positions are stored at the end with `storePositions`.
   */
  copyPositions?(): PositionCopy | undefined
  /** Replaces these vessels' held reports. */
  replaceSuspects(holds: Array<[number, PositionRow[]]>): Promise<void>
  /** Keeps reports the track rule discarded (each (mmsi, observed_at) once), apart from the track. */
  keepDiscarded(rows: readonly PositionRow[]): Promise<void>
  /** Reports held back across all vessels. */
  heldTotal(): Promise<number>
  /** Which of these vessels are stored already (intake's test for a vessel seen for the first time). */
  knownVessels(mmsis: number[]): Promise<Set<number>>
}

// One per PostgreSQL database (its pool); one per SQLite connection, since a read connection may stand beside the write one (serve).
const postgresStores = new WeakMap<PostgresDb, VesselStore>()

export function vesselStore(db: AnyDb): VesselStore {
  if (db.dialect === 'postgres') {
    let store = postgresStores.get(db)
    if (!store) postgresStores.set(db, (store = postgresStore(db)))
    return store
  }
  return preparedOnce(db, 'vessel-store', () => sqliteStore(db))
}

function sqliteStore(db: Db): VesselStore {
  const s = db.sqlite
  const insertPosition: Statement = s.prepare(
    `INSERT OR IGNORE INTO vessel_positions (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const upsertLatest: Statement = s.prepare(
    `INSERT INTO vessels (mmsi, flag, lat, lon, sog, cog, heading, nav_status, utc_second, position_at, position_source, origin, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ${MOVE_LATEST}`,
  )
  const mergeStatic: Statement = s.prepare(
    `INSERT INTO vessels (mmsi, flag, imo, name, callsign, ship_type, length_m, beam_m, draught_m, destination, origin, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(mmsi) DO UPDATE SET
       imo = coalesce(excluded.imo, vessels.imo), name = coalesce(excluded.name, vessels.name),
       callsign = coalesce(excluded.callsign, vessels.callsign), ship_type = coalesce(excluded.ship_type, vessels.ship_type),
       length_m = coalesce(excluded.length_m, vessels.length_m), beam_m = coalesce(excluded.beam_m, vessels.beam_m),
       draught_m = coalesce(excluded.draught_m, vessels.draught_m), destination = coalesce(excluded.destination, vessels.destination),
       updated_at = excluded.updated_at
     WHERE (excluded.imo IS NOT NULL AND excluded.imo IS NOT vessels.imo)
        OR (excluded.name IS NOT NULL AND excluded.name IS NOT vessels.name)
        OR (excluded.callsign IS NOT NULL AND excluded.callsign IS NOT vessels.callsign)
        OR (excluded.ship_type IS NOT NULL AND excluded.ship_type IS NOT vessels.ship_type)
        OR (excluded.length_m IS NOT NULL AND excluded.length_m IS NOT vessels.length_m)
        OR (excluded.beam_m IS NOT NULL AND excluded.beam_m IS NOT vessels.beam_m)
        OR (excluded.draught_m IS NOT NULL AND excluded.draught_m IS NOT vessels.draught_m)
        OR (excluded.destination IS NOT NULL AND excluded.destination IS NOT vessels.destination)`,
  )
  const lastTrackFix: Statement = s.prepare(
    `SELECT observed_at AS at, lat, lon FROM vessel_positions
     WHERE mmsi = ? AND (utc_second IS NULL OR utc_second < 62) ORDER BY observed_at DESC LIMIT 1`,
  )
  const suspectsOf: Statement = s.prepare(
    `SELECT mmsi, observed_at AS observedAt, lat, lon, sog, cog, heading, nav_status AS navStatus, utc_second AS utcSecond,
       source, received_at AS receivedAt FROM position_suspects WHERE mmsi = ? ORDER BY observed_at`,
  )
  const holders: Statement = s.prepare(`SELECT DISTINCT mmsi FROM position_suspects`).pluck()
  const heldTotal: Statement = s.prepare(`SELECT count(*) FROM position_suspects`).pluck()
  const vesselKnown: Statement = s.prepare(`SELECT 1 FROM vessels WHERE mmsi = ?`).pluck()
  const deleteSuspects: Statement = s.prepare(`DELETE FROM position_suspects WHERE mmsi = ?`)
  const insertSuspect: Statement = s.prepare(
    `INSERT OR REPLACE INTO position_suspects (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )

  const insertDiscarded: Statement = s.prepare(
    `INSERT OR IGNORE INTO discarded_positions (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )

  return {
    async mergeStatics(rows, origin, now) {
      const changed = new Array<boolean>(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]
        changed[i] =
          mergeStatic.run(r.mmsi, r.flag, r.imo, r.name, r.callsign, r.shipType, r.lengthM, r.beamM, r.draughtM, r.destination, origin, now, now).changes > 0
      }
      return changed
    },
    async storePositions(rows, flagOf, origin, now) {
      let stored = 0
      const latest = new Map<number, PositionRow>()
      for (const r of rows) {
        if (insertPosition.run(r.mmsi, r.observedAt, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.utcSecond, r.source, r.receivedAt).changes === 0) continue
        stored++
        const newest = latest.get(r.mmsi)
        if (!newest || r.observedAt > newest.observedAt) latest.set(r.mmsi, r)
      }
      const moved: number[] = []
      for (const [mmsi, r] of latest) {
        if (upsertLatest.run(mmsi, flagOf(mmsi), r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.utcSecond, r.observedAt, r.source, origin, now, now).changes > 0) {
          moved.push(mmsi)
        }
      }
      return {stored, moved}
    },
    async replaceSuspects(holds) {
      for (const [mmsi, rows] of holds) {
        deleteSuspects.run(mmsi)
        for (const r of rows) {
          insertSuspect.run(r.mmsi, r.observedAt, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.utcSecond, r.source, r.receivedAt)
        }
      }
    },
    async keepDiscarded(rows) {
      for (const r of rows) insertDiscarded.run(r.mmsi, r.observedAt, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.utcSecond, r.source, r.receivedAt)
    },
    heldTotal: async () => heldTotal.get() as number,
    async knownVessels(mmsis) {
      const known = new Set<number>()
      for (const mmsi of mmsis) if (vesselKnown.get(mmsi) !== undefined) known.add(mmsi)
      return known
    },
    lastTrackFix: (mmsi) => lastTrackFix.get(mmsi) as Fix | undefined,
    suspectsOf: (mmsi) => suspectsOf.all(mmsi) as PositionRow[],
    vesselsWithHeld: () => new Set(holders.all() as number[]),
  }
}

const POSITION_COLUMNS = 'mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at'
/**
 * The rows of the eleven column arrays ($1-$11), in the order given. Set-returning functions in the select
 * list stream their rows; `FROM unnest(a, b, ...)` would first copy them all into a tuplestore (measured a
 * fifth slower for the whole insert).
 */
const POSITION_ROWS = `SELECT unnest($1::bigint[]) AS mmsi, unnest($2::bigint[]) AS observed_at, unnest($3::float8[]) AS lat,
  unnest($4::float8[]) AS lon, unnest($5::float8[]) AS sog, unnest($6::float8[]) AS cog, unnest($7::bigint[]) AS heading,
  unnest($8::bigint[]) AS nav_status, unnest($9::bigint[]) AS utc_second, unnest($10::text[]) AS source, unnest($11::bigint[]) AS received_at`

/** Rows as the eleven column arrays of POSITION_ROWS, in the binary format. */
/**
 * How a stored position moves a vessel's latest one, on both databases: only to a newer fix; the flag kept
 * once known; a fallback vessel becomes the origin that reported it.
 */
const MOVE_LATEST = `ON CONFLICT (mmsi) DO UPDATE SET
  lat = excluded.lat, lon = excluded.lon, sog = excluded.sog, cog = excluded.cog, heading = excluded.heading,
  nav_status = excluded.nav_status, utc_second = excluded.utc_second, position_at = excluded.position_at,
  position_source = excluded.position_source,
  flag = coalesce(vessels.flag, excluded.flag),
  origin = CASE WHEN vessels.origin = 'fallback' THEN excluded.origin ELSE vessels.origin END,
  updated_at = excluded.updated_at
  WHERE vessels.position_at IS NULL OR excluded.position_at > vessels.position_at`

function positionColumns(rows: PositionRow[]): Buffer[] {
  return [
    int8Array(rows, (r) => r.mmsi),
    int8Array(rows, (r) => r.observedAt),
    float8Array(rows, (r) => r.lat),
    float8Array(rows, (r) => r.lon),
    float8Array(rows, (r) => r.sog),
    float8Array(rows, (r) => r.cog),
    int8Array(rows, (r) => r.heading),
    int8Array(rows, (r) => r.navStatus),
    int8Array(rows, (r) => r.utcSecond),
    textArray(rows, (r) => r.source),
    int8Array(rows, (r) => r.receivedAt),
  ]
}

const STATIC_FIELDS = ['imo', 'name', 'callsign', 'shipType', 'lengthM', 'beamM', 'draughtM', 'destination'] as const
type StaticFields = Pick<StaticRow, (typeof STATIC_FIELDS)[number]>

/** A report's identity: its vessel and time. */
const key = (mmsi: number, at: number) => `${mmsi}:${at}`

const UNIQUE_VIOLATION = '23505'

/** A failed COPY (a row stored already) sends this many batches straight to INSERT before COPY is tried again. */
const INSERT_AFTER_DUPLICATE = 8

/**
 * When to try COPY first: always, until a batch met rows stored already; then the next few batches (an
 * intake re-reading what it stored, or overlapping another) go straight to INSERT, so a stream of
 * duplicates pays for a failed COPY once in INSERT_AFTER_DUPLICATE + 1 batches.
 */
class CopyFirst {
  private skip = 0

  worthTrying(): boolean {
    if (this.skip === 0) return true
    this.skip--
    return false
  }

  record(copied: boolean): void {
    this.skip = copied ? 0 : INSERT_AFTER_DUPLICATE
  }
}

const POSITION_COPY_COLUMNS: readonly CopyColumn<PositionRow>[] = [
  {type: 'int8', get: (r) => r.mmsi},
  {type: 'int8', get: (r) => r.observedAt},
  {type: 'float8', get: (r) => r.lat},
  {type: 'float8', get: (r) => r.lon},
  {type: 'float8', get: (r) => r.sog},
  {type: 'float8', get: (r) => r.cog},
  {type: 'int8', get: (r) => r.heading},
  {type: 'int8', get: (r) => r.navStatus},
  {type: 'int8', get: (r) => r.utcSecond},
  {type: 'text', get: (r) => r.source},
  {type: 'int8', get: (r) => r.receivedAt},
]

/**
 * Positions none of which is stored yet, stored by COPY (binary) straight into vessel_positions, the server's
 * fastest way in, as they are added, each (mmsi, observed_at) the first time it is given; then each vessel's
 * newest of them moved into the vessel. COPY has no ON CONFLICT: a row stored already fails it on the unique
 * (mmsi, observed_at) index, the savepoint undoes it, and `end` says so.
 */
function copyNewPositions(db: PostgresDb, copyFirst: CopyFirst): PositionCopy {
  // Queued behind the statements before it: the COPY starts as soon as the connection is free.
  const savepoint = pgExec(db, 'SAVEPOINT copy_positions')
  savepoint.catch(() => undefined)
  const copy = pgCopyIn(db, `COPY vessel_positions (${POSITION_COLUMNS}) FROM STDIN (FORMAT binary)`, POSITION_COPY_COLUMNS)
  const newest = new Map<number, PositionRow>()
  // Keys of the rows added, made only once a vessel's report is not newer than its newest so far (reports
  // mostly come in time order per vessel, and a newer one cannot have been given before).
  let keys: Set<string> | null = null
  const added: PositionRow[] = []
  return {
    add(r) {
      const held = newest.get(r.mmsi)
      if (held === undefined || r.observedAt > held.observedAt) {
        newest.set(r.mmsi, r)
        keys?.add(key(r.mmsi, r.observedAt))
      } else {
        if (!keys) keys = new Set(added.map((u) => key(u.mmsi, u.observedAt)))
        const k = key(r.mmsi, r.observedAt)
        if (keys.has(k)) return
        keys.add(k)
      }
      added.push(r)
      copy.add(r)
    },
    async end() {
      await savepoint
      try {
        const stored = await copy.end()
        await pgExec(db, 'RELEASE SAVEPOINT copy_positions')
        copyFirst.record(true)
        return stored
      } catch (error) {
        if ((error as {code?: string}).code !== UNIQUE_VIOLATION) throw error
        await pgExec(db, 'ROLLBACK TO SAVEPOINT copy_positions')
        copyFirst.record(false)
        return null
      }
    },
    async moveLatest(flagOf, origin, now) {
      if (newest.size === 0) return []
      // In mmsi order, as the INSERT's DISTINCT ON moves them: concurrent intakes lock vessels in one order.
      const latest = [...newest.values()].sort((a, b) => a.mmsi - b.mmsi)
      const moved = await pgArrays<[number]>(
        db,
        `INSERT INTO vessels (mmsi, flag, lat, lon, sog, cog, heading, nav_status, utc_second, position_at, position_source, origin, created_at, updated_at)
         SELECT l.mmsi, l.flag, l.lat, l.lon, l.sog, l.cog, l.heading, l.nav_status, l.utc_second, l.observed_at, l.source, $13::text, $14::bigint, $14::bigint
         FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::bigint[], $12::text[])
           AS l(${POSITION_COLUMNS}, flag)
         ${MOVE_LATEST}
         RETURNING mmsi`,
        [...positionColumns(latest), textArray(latest, (r) => flagOf(r.mmsi)), origin, now],
      )
      return moved.map(([mmsi]) => mmsi)
    },
    async abort() {
      await copy.abort()
      await savepoint.catch(() => undefined)
    },
  }
}

/**
 * Stores positions some of which may be stored already (or given twice): one INSERT … ON CONFLICT DO NOTHING
 * in the order given (a row given twice meets its own first insert and is skipped), each vessel's newest
 * inserted row moved into the vessel, and only counts and the vessels moved sent back.
 */
async function insertPositions(db: PostgresDb, rows: PositionRow[], flagOf: (mmsi: number) => string | null, origin: Origin, now: number): Promise<PositionsStored> {
  const vessels = [...new Set(rows.map((r) => r.mmsi))]
  const out = await pgArrays<[string, number]>(
    db,
    `WITH inserted AS (
       INSERT INTO vessel_positions (${POSITION_COLUMNS}) ${POSITION_ROWS}
       ON CONFLICT (mmsi, observed_at) DO NOTHING
       RETURNING ${POSITION_COLUMNS}
     ), latest AS (
       SELECT DISTINCT ON (mmsi) * FROM inserted ORDER BY mmsi, observed_at DESC
     ), moved AS (
       INSERT INTO vessels (mmsi, flag, lat, lon, sog, cog, heading, nav_status, utc_second, position_at, position_source, origin, created_at, updated_at)
       SELECT l.mmsi, f.flag, l.lat, l.lon, l.sog, l.cog, l.heading, l.nav_status, l.utc_second, l.observed_at, l.source, $14::text, $15::bigint, $15::bigint
       FROM latest l JOIN unnest($12::bigint[], $13::text[]) AS f(mmsi, flag) ON f.mmsi = l.mmsi
       ${MOVE_LATEST}
       RETURNING mmsi
     )
     SELECT 'stored', count(*) FROM inserted UNION ALL SELECT 'moved', mmsi FROM moved`,
    [...positionColumns(rows), int8Array(vessels), textArray(vessels.map(flagOf)), origin, now],
  )
  let stored = 0
  const moved: number[] = []
  for (const [kind, value] of out) {
    if (kind === 'stored') stored = value
    else moved.push(value)
  }
  return {stored, moved}
}

function postgresStore(db: PostgresDb): VesselStore {
  const copyFirst = new CopyFirst()
  const readAheadOnly = (): never => {
    throw new Error('vessel store on PostgreSQL: track states are read ahead for the batch (trackStates), not one vessel at a time')
  }
  return {
    async trackStates(mmsis) {
      const states = new Map<number, TrackState>()
      if (mmsis.length === 0) return states
      for (const mmsi of mmsis) states.set(mmsi, {fix: null, held: []})
      // In one statement: each vessel's newest usable fix through the (mmsi, observed_at) index (one probe
      // per vessel), then its held reports, oldest first.
      const rows = await pgArrays<[number, number, number, number, number, number | null, number | null, number | null, number | null, number | null, DataSource | null, number | null]>(
        db,
        `SELECT * FROM (
           SELECT 0 AS held, m.mmsi, f.observed_at, f.lat, f.lon, NULL::float8, NULL::float8, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::bigint
           FROM unnest($1::bigint[]) AS m(mmsi)
           CROSS JOIN LATERAL (SELECT observed_at, lat, lon FROM vessel_positions p
             WHERE p.mmsi = m.mmsi AND (p.utc_second IS NULL OR p.utc_second < 62) ORDER BY p.observed_at DESC LIMIT 1) f
           UNION ALL
           SELECT 1, mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, utc_second, source, received_at
           FROM position_suspects WHERE mmsi = ANY($1::bigint[])
         ) t ORDER BY held, mmsi, observed_at`,
        [int8Array(mmsis)],
      )
      for (const [held, mmsi, at, lat, lon, sog, cog, heading, navStatus, utcSecond, source, receivedAt] of rows) {
        const state = states.get(mmsi) as TrackState
        if (held === 0) state.fix = {at, lat, lon}
        else state.held.push({mmsi, observedAt: at, lat, lon, sog, cog, heading, navStatus, utcSecond, source: source as DataSource, receivedAt: receivedAt as number})
      }
      return states
    },
    lastTrackFix: readAheadOnly,
    suspectsOf: readAheadOnly,
    vesselsWithHeld: readAheadOnly,

    async mergeStatics(rows, origin, now) {
      const changed = new Array<boolean>(rows.length).fill(false)
      if (rows.length === 0) return changed
      const mmsis = [...new Set(rows.map((r) => r.mmsi))]
      // What the vessels hold now, to tell (as SQLite's statement per row does) which messages change anything.
      const current = new Map<number, StaticFields>()
      for (const v of await pgObjects<StaticFields & {mmsi: number}>(
        db,
        `SELECT mmsi, imo, name, callsign, ship_type AS "shipType", length_m AS "lengthM", beam_m AS "beamM", draught_m AS "draughtM", destination
         FROM vessels WHERE mmsi = ANY($1::bigint[])`,
        [mmsis],
      )) {
        current.set(v.mmsi, v)
      }
      // Per vessel, each field's last non-null value in the batch: what merging the rows one by one leaves.
      const merged = new Map<number, StaticUpdate>()
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]
        const held = current.get(r.mmsi)
        let changes = !held
        if (held) {
          for (const f of STATIC_FIELDS) if (r[f] !== null && r[f] !== held[f]) changes = true
        }
        if (!changes) continue
        changed[i] = true
        const state: Record<string, unknown> = held ?? {}
        let m = merged.get(r.mmsi)
        if (!m) merged.set(r.mmsi, (m = {mmsi: r.mmsi, flag: r.flag, imo: null, name: null, callsign: null, shipType: null, lengthM: null, beamM: null, draughtM: null, destination: null}))
        for (const f of STATIC_FIELDS) {
          if (r[f] !== null) (m as unknown as Record<string, unknown>)[f] = r[f]
          state[f] = r[f] ?? state[f] ?? null
        }
        if (!held) current.set(r.mmsi, state as unknown as StaticFields)
      }
      if (merged.size === 0) return changed
      const cols = columnsOf(merged.values(), ['mmsi', 'flag', 'imo', 'name', 'callsign', 'shipType', 'lengthM', 'beamM', 'draughtM', 'destination'])
      await pgArrays(
        db,
        `INSERT INTO vessels (mmsi, flag, imo, name, callsign, ship_type, length_m, beam_m, draught_m, destination, origin, created_at, updated_at)
         SELECT u.*, $11::text, $12::bigint, $12::bigint
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::float8[], $10::text[])
           AS u(mmsi, flag, imo, name, callsign, ship_type, length_m, beam_m, draught_m, destination)
         ON CONFLICT (mmsi) DO UPDATE SET
           imo = coalesce(excluded.imo, vessels.imo), name = coalesce(excluded.name, vessels.name),
           callsign = coalesce(excluded.callsign, vessels.callsign), ship_type = coalesce(excluded.ship_type, vessels.ship_type),
           length_m = coalesce(excluded.length_m, vessels.length_m), beam_m = coalesce(excluded.beam_m, vessels.beam_m),
           draught_m = coalesce(excluded.draught_m, vessels.draught_m), destination = coalesce(excluded.destination, vessels.destination),
           updated_at = excluded.updated_at`,
        [...cols, origin, now],
      )
      return changed
    },

    async storePositions(rows, flagOf, origin, now) {
      if (rows.length === 0) return {stored: 0, moved: []}
      return insertPositions(db, rows, flagOf, origin, now)
    },

    copyPositions() {
      // COPY needs the batch's write transaction (its savepoint undoes a failed one).
      return currentTransaction(db) !== undefined && copyFirst.worthTrying() ? copyNewPositions(db, copyFirst) : undefined
    },

    async replaceSuspects(holds) {
      if (holds.length === 0) return
      await pgArrays(db, `DELETE FROM position_suspects WHERE mmsi = ANY($1::bigint[])`, [int8Array(holds.map(([mmsi]) => mmsi))])
      // A report given twice keeps its last version, as SQLite's INSERT OR REPLACE row by row does.
      const last = new Map<string, PositionRow>()
      for (const [, rows] of holds) for (const r of rows) last.set(key(r.mmsi, r.observedAt), r)
      if (last.size === 0) return
      await pgArrays(db, `INSERT INTO position_suspects (${POSITION_COLUMNS}) ${POSITION_ROWS}`, positionColumns([...last.values()]))
    },

    async keepDiscarded(rows) {
      if (rows.length === 0) return
      await pgArrays(db, `INSERT INTO discarded_positions (${POSITION_COLUMNS}) ${POSITION_ROWS} ON CONFLICT (mmsi, observed_at) DO NOTHING`, positionColumns([...rows]))
    },

    async heldTotal() {
      const [[n]] = await pgArrays<[number]>(db, `SELECT count(*) FROM position_suspects`)
      return n
    },

    async knownVessels(mmsis) {
      if (mmsis.length === 0) return new Set()
      const rows = await pgArrays<[string | number]>(db, `SELECT mmsi FROM vessels WHERE mmsi = ANY($1::bigint[])`, [int8Array(mmsis)])
      return new Set(rows.map(([mmsi]) => Number(mmsi)))
    },
  }
}
