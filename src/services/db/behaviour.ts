// The behaviour pass in the database: its watermark (the last position analysed), the positions a slice
// reads (handed over as plain numbers, no object per report), and behaviour events stored once per dedupe
// key, open or ended.
import {BEHAVIOUR_EVENT_TYPES, DATA_SOURCES, type SafetyEvent} from './schema.js'
import {type EventRow, storedEvent} from './hot-statements.js'
import {float8Array, int8Array, pgArrays, pgExec, textArray} from './pg-batch.js'
import type {Db} from './client.js'
import type {PostgresDb} from './pg-client.js'
import {read} from './query.js'
import {readSetting, writeSetting} from './settings.js'
import type {AnyDb} from './transaction.js'

const WATERMARK_KEY = 'behaviour.position_id'
/** Rows per read: large enough that a statement per chunk costs nothing, small enough to stay a few MB. */
const CHUNK = 50_000
/** Position ids, and hours of positions, per SQLite read between two turns of the event loop. */
const IDS_PER_READ = 250_000
const HOURS_PER_READ = 6
/** Values per IN list or array parameter. */
const KEYS_PER_QUERY = 500
/** Vessels per lateral query for their last reports. */
const VESSELS_PER_QUERY = 10_000

/** The id of the last position a behaviour pass analysed, or null before the first pass. */
export async function behaviourWatermark(db: AnyDb): Promise<number | null> {
  return (await readSetting<{position_id: number}>(db, WATERMARK_KEY))?.position_id ?? null
}

/**
 * Moves the watermark to `positionId`, never back (two passes that overlapped leave the higher one). Call
 * inside the write transaction that stores what the positions up to it gave.
 */
export async function advanceBehaviourWatermark(db: AnyDb, positionId: number, now: number): Promise<void> {
  const current = await behaviourWatermark(db)
  if (current !== null && current >= positionId) return
  await writeSetting(db, WATERMARK_KEY, {position_id: positionId}, now)
}

export interface PositionIds {
  /** The highest position id stored (null: none). */
  last: number | null
  /** The newest observation time stored. */
  newestAt: number | null
}

export async function positionIds(db: AnyDb): Promise<PositionIds> {
  if (db.dialect === 'sqlite') {
    const [last, newestAt] = db.sqlite.prepare(`SELECT (SELECT max(id) FROM vessel_positions), (SELECT max(observed_at) FROM vessel_positions)`).raw().get() as [
      number | null,
      number | null,
    ]
    return {last, newestAt}
  }
  const [[last, newestAt]] = await pgArrays<[number | null, number | null]>(db, `SELECT (SELECT max(id) FROM vessel_positions), (SELECT max(observed_at) FROM vessel_positions)`)
  return {last, newestAt}
}

/** The lowest id of the positions observed at or after `since` (null: none): where a first pass starts. */
export async function firstPositionIdSince(db: AnyDb, since: number): Promise<number | null> {
  if (db.dialect === 'sqlite') return (db.sqlite.prepare(`SELECT min(id) FROM vessel_positions WHERE observed_at >= ?`).pluck().get(since) as number | null) ?? null
  const [[first]] = await pgArrays<[number | null]>(db, `SELECT min(id) FROM vessel_positions WHERE observed_at >= $1`, [since])
  return first
}

/** Which positions are fresh (not analysed before): stored after `afterId` and observed at or after `floor`. */
export interface Freshness {
  afterId: number
  floor: number
}

/** Positions with ids in (afterId, throughId] observed in [since, until]. */
export interface IdRange {
  afterId: number
  throughId: number
  since: number
  until: number
}

/** Positions with ids up to `throughId` observed in [since, until]. */
export interface TimeRange {
  throughId: number
  since: number
  until: number
}

/**
 * One report: `sog` NaN when not available; `nav` and `second` 255 when not available; `source` the index in
 * DATA_SOURCES; `fresh` 1 when not analysed before.
 */
export type PositionVisitor = (mmsi: number, at: number, lat: number, lon: number, sog: number, nav: number, second: number, source: number, fresh: number) => void

/**
 * Navigational status, time stamp second, source and freshness packed in one integer (8 bits each): one
 * column read instead of four, and no string per row for the source.
 */
function packedFlags(fresh: string): string {
  const source = `CASE source ${DATA_SOURCES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE 0 END`
  return `(coalesce(nav_status, 255) | (coalesce(utc_second, 255) << 8) | ((${source}) << 16) | ((CASE WHEN ${fresh} THEN 1 ELSE 0 END) << 24))`
}

type PositionRow = [mmsi: number, at: number, lat: number, lon: number, sog: number | null, flags: number]

function visitRow(r: PositionRow, visit: PositionVisitor): void {
  const flags = r[5]
  visit(r[0], r[1], r[2], r[3], r[4] ?? Number.NaN, flags & 255, (flags >>> 8) & 255, (flags >>> 16) & 255, (flags >>> 24) & 1)
}

/** How many positions a time range holds, and the lowest id among them: from the index on the time alone (it holds the ids). */
export async function countByTime(db: AnyDb, r: TimeRange): Promise<{count: number; firstId: number | null}> {
  const text = `SELECT count(*), min(id) FROM vessel_positions WHERE observed_at >= ? AND observed_at <= ? AND id <= ?`
  const [count, firstId] =
    db.dialect === 'sqlite'
      ? (db.sqlite.prepare(text).raw().get(r.since, r.until, r.throughId) as [number, number | null])
      : (await pgArrays<[number, number | null]>(db, numbered(text), [r.since, r.until, r.throughId]))[0]
  return {count: Number(count), firstId: firstId === null ? null : Number(firstId)}
}

/** The visitor of the statement running now (SQLite runs a statement synchronously, to its end). */
let visiting: PositionVisitor | null = null
const withVisitFunction = new WeakSet<object>()
const VISIT_FUNCTION = 'harbormaster_visit_position'

/**
 * A SQL function handing each row's values straight to the visitor: SQLite calls it per row with plain
 * numbers, where stepping through rows would make an array per row (a quarter of the time per row).
 */
function visitFunction(sqlite: Db['sqlite']): string {
  if (withVisitFunction.has(sqlite)) return VISIT_FUNCTION
  sqlite.function(VISIT_FUNCTION, {deterministic: false}, (mmsi, at, lat, lon, sog, flags) => {
    const packed = flags as number
    ;(visiting as PositionVisitor)(
      mmsi as number,
      at as number,
      lat as number,
      lon as number,
      sog === null ? Number.NaN : (sog as number),
      packed & 255,
      (packed >>> 8) & 255,
      (packed >>> 16) & 255,
      (packed >>> 24) & 1,
    )
    // Counted by the statement: what it visited.
    return 1
  })
  withVisitFunction.add(sqlite)
  return VISIT_FUNCTION
}

/** Runs a visiting statement (a count of the visit function over the rows it selects) with `visit` as the visitor. */
function visitWith(statement: ReturnType<Db['sqlite']['prepare']>, visit: PositionVisitor, params: unknown[]): number {
  visiting = visit
  try {
    return statement.pluck().get(...params) as number
  } finally {
    visiting = null
  }
}

/**
 * Visits the positions of an id range, in id order (the order they were stored in, about their time order:
 * a vessel's reports may need sorting by time), a range of ids at a time; `between` is awaited between
 * them, when no statement is open (timers and signals get their turn). By id is the table's own order:
 * through the index on time, reports stored out of time order would cost a page read each. Returns how
 * many it visited.
 */
export async function readById(db: AnyDb, r: IdRange, fresh: Freshness, visit: PositionVisitor, between: () => Promise<void>): Promise<number> {
  if (db.dialect === 'postgres') {
    return readPostgres(db, `id > $3 AND id <= $4 AND observed_at >= $5 AND observed_at <= $6 ORDER BY id`, [r.afterId, r.throughId, r.since, r.until], fresh, visit, between)
  }
  const statement = db.sqlite.prepare(
    `SELECT count(${visitFunction(db.sqlite)}(mmsi, observed_at, lat, lon, sog, ${packedFlags('id > ? AND observed_at >= ?')})) FROM vessel_positions
     WHERE id > ? AND id <= ? AND observed_at >= ? AND observed_at <= ?`,
  )
  let visited = 0
  for (let after = r.afterId; after < r.throughId; after += IDS_PER_READ) {
    visited += visitWith(statement, visit, [fresh.afterId, fresh.floor, after, Math.min(r.throughId, after + IDS_PER_READ), r.since, r.until])
    await between()
  }
  return visited
}

/** Visits the positions of a time range (through the index on time), a few hours at a time. Returns how many it visited. */
export async function readByTime(db: AnyDb, r: TimeRange, fresh: Freshness, visit: PositionVisitor, between: () => Promise<void>): Promise<number> {
  if (r.until < r.since) return 0
  if (db.dialect === 'postgres') {
    return readPostgres(db, `observed_at >= $3 AND observed_at <= $4 AND id <= $5 ORDER BY observed_at, id`, [r.since, r.until, r.throughId], fresh, visit, between)
  }
  const statement = db.sqlite.prepare(
    `SELECT count(${visitFunction(db.sqlite)}(mmsi, observed_at, lat, lon, sog, ${packedFlags('id > ? AND observed_at >= ?')}))
     FROM vessel_positions INDEXED BY vessel_positions_observed_idx
     WHERE observed_at >= ? AND observed_at <= ? AND id <= ?`,
  )
  let visited = 0
  for (let from = r.since; from <= r.until; from += HOURS_PER_READ * 3_600_000) {
    visited += visitWith(statement, visit, [fresh.afterId, fresh.floor, from, Math.min(r.until, from + HOURS_PER_READ * 3_600_000 - 1), r.throughId])
    await between()
  }
  return visited
}

/** The same on PostgreSQL: a cursor in one read-only snapshot, fetched a chunk at a time. */
async function readPostgres(db: PostgresDb, where: string, values: unknown[], fresh: Freshness, visit: PositionVisitor, between: () => Promise<void>): Promise<number> {
  return read(db, async () => {
    await pgExec(
      db,
      `DECLARE behaviour_positions NO SCROLL CURSOR FOR
       SELECT mmsi, observed_at, lat, lon, sog, ${packedFlags('id > $1 AND observed_at >= $2')} FROM vessel_positions WHERE ${where}`,
      [fresh.afterId, fresh.floor, ...values],
    )
    let visited = 0
    for (;;) {
      const rows = await pgArrays<PositionRow>(db, `FETCH FORWARD ${CHUNK} FROM behaviour_positions`)
      for (const row of rows) visitRow(row, visit)
      visited += rows.length
      if (rows.length < CHUNK) break
      await between()
    }
    await pgExec(db, `CLOSE behaviour_positions`)
    return visited
  })
}

/**
 * Each named vessel's last position up to `throughId` observed before `before` (none for a vessel with none),
 * visited as not fresh: what a vessel did before a silence longer than the window. Returns how many it visited.
 */
export async function lastPositionsBefore(db: AnyDb, mmsis: readonly number[], before: number, throughId: number, visit: PositionVisitor): Promise<number> {
  if (mmsis.length === 0) return 0
  // Nothing stored before: no vessel has a report there (a first pass over a database, mostly).
  const oldest = `SELECT min(observed_at) FROM vessel_positions`
  const oldestAt = db.dialect === 'sqlite' ? (db.sqlite.prepare(oldest).pluck().get() as number | null) : (await pgArrays<[number | null]>(db, oldest))[0][0]
  if (oldestAt === null || oldestAt >= before) return 0
  const columns = `mmsi, observed_at, lat, lon, sog, ${packedFlags('1 = 0')}`
  let visited = 0
  if (db.dialect === 'sqlite') {
    const statement = db.sqlite
      .prepare(`SELECT ${columns} FROM vessel_positions WHERE mmsi = ? AND observed_at < ? AND id <= ? ORDER BY observed_at DESC LIMIT 1`)
      .raw()
    for (const mmsi of mmsis) {
      const row = statement.get(mmsi, before, throughId) as PositionRow | undefined
      if (!row) continue
      visitRow(row, visit)
      visited++
    }
    return visited
  }
  for (let i = 0; i < mmsis.length; i += VESSELS_PER_QUERY) {
    const rows = await pgArrays<PositionRow>(
      db,
      `SELECT p.* FROM unnest($1::bigint[]) AS m(mmsi) CROSS JOIN LATERAL (
         SELECT ${columns} FROM vessel_positions WHERE mmsi = m.mmsi AND observed_at < $2 AND id <= $3 ORDER BY observed_at DESC LIMIT 1) p`,
      [int8Array(mmsis.slice(i, i + VESSELS_PER_QUERY)), before, throughId],
    )
    for (const row of rows) visitRow(row, visit)
    visited += rows.length
  }
  return visited
}

/** A behaviour event as stored: its row id and whether it has ended. */
export interface StoredBehaviourEvent {
  id: number
  resolvedAt: number | null
}

/** The stored behaviour events with these dedupe keys. */
export async function behaviourEventsByKey(db: AnyDb, keys: readonly string[]): Promise<Map<string, StoredBehaviourEvent>> {
  const found = new Map<string, StoredBehaviourEvent>()
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
    const part = keys.slice(i, i + KEYS_PER_QUERY)
    const rows =
      db.dialect === 'sqlite'
        ? (db.sqlite
            .prepare(`SELECT dedupe_key, id, resolved_at FROM safety_events WHERE dedupe_key IN (${part.map(() => '?').join(', ')}) AND type IN (${behaviourTypes})`)
            .raw()
            .all(...part) as Array<[string, number, number | null]>)
        : await pgArrays<[string, number, number | null]>(
            db,
            `SELECT dedupe_key, id, resolved_at FROM safety_events WHERE dedupe_key = ANY($1::text[]) AND type IN (${behaviourTypes})`,
            [textArray(part)],
          )
    for (const [key, id, resolvedAt] of rows) found.set(key, {id: Number(id), resolvedAt: resolvedAt === null ? null : Number(resolvedAt)})
  }
  return found
}

const behaviourTypes = BEHAVIOUR_EVENT_TYPES.map((type) => `'${type}'`).join(', ')

/** The behaviour events still open (few: episodes going on), by dedupe key. */
export async function openBehaviourEvents(db: AnyDb): Promise<Map<string, number>> {
  const text = `SELECT dedupe_key, id FROM safety_events WHERE resolved_at IS NULL AND type IN (${behaviourTypes})`
  const rows = db.dialect === 'sqlite' ? (db.sqlite.prepare(text).raw().all() as Array<[string, number]>) : await pgArrays<[string, number]>(db, text)
  return new Map(rows.map(([key, id]) => [key, Number(id)]))
}

/** A new behaviour event: an ended episode is stored resolved at its end. */
export interface BehaviourEventRow extends EventRow {
  resolvedAt: number | null
}

/**
 * Inserts new behaviour events, each unless its key is stored already; returns the stored ones. Call inside
 * a write transaction.
 */
export async function insertBehaviourEvents(db: AnyDb, rows: readonly BehaviourEventRow[], now: number): Promise<SafetyEvent[]> {
  if (rows.length === 0) return []
  const stored: SafetyEvent[] = []
  if (db.dialect === 'sqlite') {
    const insert = db.sqlite
      .prepare(
        `INSERT INTO safety_events (type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, resolved_at, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
      )
      .pluck()
    for (const r of rows) {
      const id = insert.get(r.type, r.severity, r.zoneId, r.portId, r.mmsi, r.dedupeKey, r.title, r.lat, r.lon, r.source, r.observedAt, now, now, r.resolvedAt, JSON.stringify(r.metadata)) as
        | number
        | undefined
      if (id !== undefined) stored.push({...storedEvent(r, id, now), resolvedAt: r.resolvedAt})
    }
    return stored
  }
  const inserted = await pgArrays<[number, string]>(
    db,
    `INSERT INTO safety_events (type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, resolved_at, metadata)
     SELECT type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, $13::bigint, $13::bigint, resolved_at, metadata::jsonb
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::text[], $11::bigint[], $12::bigint[], $14::text[])
       WITH ORDINALITY AS e(type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, resolved_at, metadata, n)
     ORDER BY n
     ON CONFLICT DO NOTHING
     RETURNING id, dedupe_key`,
    [
      textArray(rows, (r) => r.type),
      textArray(rows, (r) => r.severity),
      int8Array(rows, (r) => r.zoneId),
      int8Array(rows, (r) => r.portId),
      int8Array(rows, (r) => r.mmsi),
      textArray(rows, (r) => r.dedupeKey),
      textArray(rows, (r) => r.title),
      float8Array(rows, (r) => r.lat),
      float8Array(rows, (r) => r.lon),
      textArray(rows, (r) => r.source),
      int8Array(rows, (r) => r.observedAt),
      int8Array(rows, (r) => r.resolvedAt),
      now,
      textArray(rows, (r) => JSON.stringify(r.metadata)),
    ],
  )
  const ids = new Map(inserted.map(([id, key]) => [key, Number(id)]))
  for (const r of rows) {
    const id = ids.get(r.dedupeKey)
    if (id === undefined) continue
    ids.delete(r.dedupeKey)
    stored.push({...storedEvent(r, id, now), resolvedAt: r.resolvedAt})
  }
  return stored
}

/** A stored, still open behaviour event found again: what the pass now knows of its episode. */
export interface BehaviourEventUpdate {
  id: number
  title: string
  metadata: Record<string, unknown>
  /** The episode's end, once it has ended. */
  resolvedAt: number | null
  lastSeenAt: number
}

/** Updates open behaviour events (those already ended stay as they are); returns how many changed. Call inside a write transaction. */
export async function updateBehaviourEvents(db: AnyDb, updates: readonly BehaviourEventUpdate[]): Promise<number> {
  if (updates.length === 0) return 0
  if (db.dialect === 'sqlite') {
    const update = db.sqlite.prepare(`UPDATE safety_events SET title = ?, metadata = ?, resolved_at = ?, last_seen_at = ? WHERE id = ? AND resolved_at IS NULL`)
    let changed = 0
    for (const u of updates) changed += update.run(u.title, JSON.stringify(u.metadata), u.resolvedAt, u.lastSeenAt, u.id).changes
    return changed
  }
  return pgExec(
    db,
    `UPDATE safety_events e SET title = u.title, metadata = u.metadata::jsonb, resolved_at = u.resolved_at, last_seen_at = u.last_seen_at
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS u(id, title, metadata, resolved_at, last_seen_at)
     WHERE e.id = u.id AND e.resolved_at IS NULL`,
    [
      int8Array(updates, (u) => u.id),
      textArray(updates, (u) => u.title),
      textArray(updates, (u) => JSON.stringify(u.metadata)),
      int8Array(updates, (u) => u.resolvedAt),
      int8Array(updates, (u) => u.lastSeenAt),
    ],
  )
}

/** SQLite's `?` placeholders numbered for PostgreSQL. */
function numbered(text: string): string {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}
