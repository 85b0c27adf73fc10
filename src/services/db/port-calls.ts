// Port calls in the database: the open visits the behaviour pass carries on, the writes one pass makes, and
// what `ports calls`, the report and congestion's median wait read back.
import type {Db} from './client.js'
import type {AreaCellKind, DataSource} from './model.js'
import {float8Array, hotRows, int8Array, pgExec, textArray} from './pg-batch.js'
import type {PostgresDb} from './pg-client.js'
import type {AnyDb} from './transaction.js'

export interface PortVisitRow {
  id: number
  mmsi: number
  portId: number
  arrivedAt: number
  /** null while the visit goes on. */
  departedAt: number | null
  lastAt: number
  berthedAt: number | null
  /** Time stopped at anchorage before berthing, ms. */
  anchorageMs: number
  berthMs: number
  stops: number
  gaps: number
  /** true: a call; false: a port stop; null: open and under 3 h so far. */
  isCall: boolean | null
  entryLat: number
  entryLon: number
  /** Where the vessel lay stopped at its last report; null while under way. */
  stopPlace: AreaCellKind | null
  source: DataSource
}

export type NewPortVisit = Omit<PortVisitRow, 'id'>

/** A visit's columns as its row's fields, of the table aliased `c`. */
const VISIT_COLUMNS = `c.id, c.mmsi, c.port_id AS "portId", c.arrived_at AS "arrivedAt", c.departed_at AS "departedAt", c.last_at AS "lastAt",
  c.berthed_at AS "berthedAt", c.anchorage_ms AS "anchorageMs", c.berth_ms AS "berthMs", c.stops, c.gaps, c.is_call AS "isCall",
  c.entry_lat AS "entryLat", c.entry_lon AS "entryLon", c.stop_place AS "stopPlace", c.source`

/** SQLite keeps booleans as 0/1. */
const asBoolean = (v: unknown): boolean | null => (v === null || v === undefined ? null : v === true || v === 1)

function visitOf(row: PortVisitRow): PortVisitRow {
  row.isCall = asBoolean(row.isCall)
  return row
}

/** Every vessel's open visit (at most one each). */
export async function openPortVisits(db: AnyDb): Promise<PortVisitRow[]> {
  return (await hotRows<PortVisitRow>(db, `SELECT ${VISIT_COLUMNS} FROM port_calls c WHERE c.departed_at IS NULL`)).map(visitOf)
}

/** Each vessel's latest departure at or after `since`: reports from before it belong to a visit already closed. */
export async function departuresSince(db: AnyDb, since: number): Promise<Map<number, number>> {
  const rows = await hotRows<{mmsi: number; departedAt: number}>(
    db,
    `SELECT mmsi, max(departed_at) AS "departedAt" FROM port_calls WHERE departed_at >= ? GROUP BY mmsi`,
    [since],
  )
  return new Map(rows.map((r) => [Number(r.mmsi), Number(r.departedAt)]))
}

export interface PortVisitWrites {
  /** Visits begun in the pass; those still open keep their vessel's one open visit. */
  inserts: NewPortVisit[]
  /** Stored open visits the pass carried on or ended. */
  updates: PortVisitRow[]
}

/** Closed visits first, so a vessel's new open visit never meets its old one in the open-visit index. */
const closedFirst = (inserts: NewPortVisit[]) => [...inserts].sort((a, b) => (a.departedAt === null ? 1 : 0) - (b.departedAt === null ? 1 : 0))

/**
 * Applies a pass's visits; call inside the pass's write transaction. A visit already stored under its
 * vessel and arrival (the same reports read again) is overwritten with what this pass found, never doubled.
 */
export async function applyPortVisitWrites(db: AnyDb, writes: PortVisitWrites, now: number): Promise<void> {
  if (writes.inserts.length === 0 && writes.updates.length === 0) return
  if (db.dialect === 'postgres') await applyPostgres(db, writes, now)
  else applySqlite(db, writes, now)
}

const bool = (v: boolean | null) => (v === null ? null : v ? 1 : 0)

function applySqlite(db: Db, writes: PortVisitWrites, now: number): void {
  const s = db.sqlite
  const update = s.prepare(
    `UPDATE port_calls SET port_id = ?, departed_at = ?, last_at = ?, berthed_at = ?, anchorage_ms = ?, berth_ms = ?, stops = ?, gaps = ?,
       is_call = ?, stop_place = ?, source = ?, updated_at = ? WHERE id = ?`,
  )
  for (const v of writes.updates) {
    update.run(v.portId, v.departedAt, v.lastAt, v.berthedAt, v.anchorageMs, v.berthMs, v.stops, v.gaps, bool(v.isCall), v.stopPlace, v.source, now, v.id)
  }
  const insert = s.prepare(
    `INSERT INTO port_calls (mmsi, port_id, arrived_at, departed_at, last_at, berthed_at, anchorage_ms, berth_ms, stops, gaps, is_call,
       entry_lat, entry_lon, stop_place, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (mmsi, arrived_at) DO UPDATE SET port_id = excluded.port_id, departed_at = excluded.departed_at, last_at = excluded.last_at,
       berthed_at = excluded.berthed_at, anchorage_ms = excluded.anchorage_ms, berth_ms = excluded.berth_ms, stops = excluded.stops,
       gaps = excluded.gaps, is_call = excluded.is_call, stop_place = excluded.stop_place, source = excluded.source, updated_at = excluded.updated_at`,
  )
  for (const v of closedFirst(writes.inserts)) {
    insert.run(
      v.mmsi, v.portId, v.arrivedAt, v.departedAt, v.lastAt, v.berthedAt, v.anchorageMs, v.berthMs, v.stops, v.gaps, bool(v.isCall),
      v.entryLat, v.entryLon, v.stopPlace, v.source, now, now,
    )
  }
}

/** The same in two statements (updates, then inserts), whatever the number of visits. */
async function applyPostgres(db: PostgresDb, writes: PortVisitWrites, now: number): Promise<void> {
  const u = writes.updates
  const isCall = (v: NewPortVisit) => (v.isCall === null ? null : String(v.isCall))
  if (u.length > 0) {
    await pgExec(
      db,
      `UPDATE port_calls c SET port_id = u.port_id, departed_at = u.departed_at, last_at = u.last_at, berthed_at = u.berthed_at,
         anchorage_ms = u.anchorage_ms, berth_ms = u.berth_ms, stops = u.stops, gaps = u.gaps, is_call = u.is_call::boolean,
         stop_place = u.stop_place, source = u.source, updated_at = $13
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
         $10::text[], $11::text[], $12::text[])
         AS u(id, port_id, departed_at, last_at, berthed_at, anchorage_ms, berth_ms, stops, gaps, is_call, stop_place, source)
       WHERE c.id = u.id`,
      [
        int8Array(u, (v) => v.id),
        int8Array(u, (v) => v.portId),
        int8Array(u, (v) => v.departedAt),
        int8Array(u, (v) => v.lastAt),
        int8Array(u, (v) => v.berthedAt),
        int8Array(u, (v) => v.anchorageMs),
        int8Array(u, (v) => v.berthMs),
        int8Array(u, (v) => v.stops),
        int8Array(u, (v) => v.gaps),
        textArray(u, isCall),
        textArray(u, (v) => v.stopPlace),
        textArray(u, (v) => v.source),
        now,
      ],
    )
  }
  const i = closedFirst(writes.inserts)
  if (i.length === 0) return
  await pgExec(
    db,
    `INSERT INTO port_calls (mmsi, port_id, arrived_at, departed_at, last_at, berthed_at, anchorage_ms, berth_ms, stops, gaps, is_call,
       entry_lat, entry_lon, stop_place, source, created_at, updated_at)
     SELECT mmsi, port_id, arrived_at, departed_at, last_at, berthed_at, anchorage_ms, berth_ms, stops, gaps, is_call::boolean,
       entry_lat, entry_lon, stop_place, source, $16, $16
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
       $10::bigint[], $11::text[], $12::float8[], $13::float8[], $14::text[], $15::text[])
       AS u(mmsi, port_id, arrived_at, departed_at, last_at, berthed_at, anchorage_ms, berth_ms, stops, gaps, is_call, entry_lat, entry_lon, stop_place, source)
     ON CONFLICT (mmsi, arrived_at) DO UPDATE SET port_id = excluded.port_id, departed_at = excluded.departed_at, last_at = excluded.last_at,
       berthed_at = excluded.berthed_at, anchorage_ms = excluded.anchorage_ms, berth_ms = excluded.berth_ms, stops = excluded.stops,
       gaps = excluded.gaps, is_call = excluded.is_call, stop_place = excluded.stop_place, source = excluded.source, updated_at = excluded.updated_at`,
    [
      int8Array(i, (v) => v.mmsi),
      int8Array(i, (v) => v.portId),
      int8Array(i, (v) => v.arrivedAt),
      int8Array(i, (v) => v.departedAt),
      int8Array(i, (v) => v.lastAt),
      int8Array(i, (v) => v.berthedAt),
      int8Array(i, (v) => v.anchorageMs),
      int8Array(i, (v) => v.berthMs),
      int8Array(i, (v) => v.stops),
      int8Array(i, (v) => v.gaps),
      textArray(i, isCall),
      float8Array(i, (v) => v.entryLat),
      float8Array(i, (v) => v.entryLon),
      textArray(i, (v) => v.stopPlace),
      textArray(i, (v) => v.source),
      now,
    ],
  )
}

export interface PortCallFilter {
  /** Visits in port at any time since then: open, or departed at or after it. */
  since: number
  /** One port, or any of several (a UN/LOCODE a few ports share). */
  portId?: number | readonly number[]
  mmsi?: number
  /** Only calls (3 h or more), not port stops or visits still under 3 h. */
  callsOnly?: boolean
  limit?: number
}

export interface PortCallListing extends PortVisitRow {
  portName: string
  unlocode: string | null
  country: string | null
  vesselName: string | null
  shipType: number | null
}

/** Port visits since `since`, newest arrival first, with their port's name and UN/LOCODE and the vessel's name. */
export async function listPortCalls(db: AnyDb, filter: PortCallFilter): Promise<PortCallListing[]> {
  const where = ['(c.departed_at IS NULL OR c.departed_at >= ?)']
  const values: unknown[] = [filter.since]
  if (filter.portId !== undefined) {
    const ids = typeof filter.portId === 'number' ? [filter.portId] : filter.portId
    where.push(ids.length === 0 ? 'false' : `c.port_id IN (${ids.map(() => '?').join(', ')})`)
    values.push(...ids)
  }
  if (filter.mmsi !== undefined) {
    where.push('c.mmsi = ?')
    values.push(filter.mmsi)
  }
  if (filter.callsOnly) where.push('c.is_call = ?')
  if (filter.callsOnly) values.push(db.dialect === 'postgres' ? true : 1)
  values.push(filter.limit ?? 1000)
  const rows = await hotRows<PortCallListing>(
    db,
    `SELECT ${VISIT_COLUMNS}, p.name AS "portName", p.unlocode, p.country, v.name AS "vesselName", v.ship_type AS "shipType"
     FROM port_calls c JOIN ports p ON p.id = c.port_id LEFT JOIN vessels v ON v.mmsi = c.mmsi
     WHERE ${where.join(' AND ')}
     ORDER BY c.arrived_at DESC, c.mmsi LIMIT ?`,
    values,
  )
  return rows.map((r) => visitOf(r) as PortCallListing)
}

export interface AnchorageWaitRow {
  portId: number
  mmsi: number
  anchorageMs: number
  /** When the wait ended: berthing, or leaving without berthing; null while the vessel still waits. */
  waitEndedAt: number | null
  isCall: boolean | null
  shipType: number | null
}

/**
 * The waits at anchorage of visits whose wait ended at or after `since` or goes on, with the vessel's AIS
 * ship type, and which ports have any visit since then (where calls, not stops, measure waiting).
 */
export async function anchorageWaitsSince(db: AnyDb, since: number): Promise<{waits: AnchorageWaitRow[]; ports: Set<number>}> {
  const waits = await hotRows<AnchorageWaitRow>(
    db,
    `SELECT c.port_id AS "portId", c.mmsi, c.anchorage_ms AS "anchorageMs", coalesce(c.berthed_at, c.departed_at) AS "waitEndedAt",
       c.is_call AS "isCall", v.ship_type AS "shipType"
     FROM port_calls c LEFT JOIN vessels v ON v.mmsi = c.mmsi
     WHERE c.anchorage_ms > 0 AND (coalesce(c.berthed_at, c.departed_at) IS NULL OR coalesce(c.berthed_at, c.departed_at) >= ?)`,
    [since],
  )
  const ports = await hotRows<{portId: number}>(db, `SELECT DISTINCT port_id AS "portId" FROM port_calls WHERE departed_at IS NULL OR departed_at >= ?`, [since])
  for (const w of waits) w.isCall = asBoolean(w.isCall)
  return {waits, ports: new Set(ports.map((p) => Number(p.portId)))}
}

/** A port a vessel calls at, with how often: part of its profile. */
export interface PortCallTally {
  mmsi: number
  portId: number
  port: string
  unlocode: string | null
  country: string | null
  calls: number
  lastArrivedAt: number
}

/** Calls (3 h or more) of every vessel with an MMSI in [lo, hi], counted by port: each vessel's most called port first. */
export async function callsByPortIn(db: AnyDb, lo: number, hi: number): Promise<PortCallTally[]> {
  const rows = await hotRows<PortCallTally>(
    db,
    `SELECT c.mmsi, c.port_id AS "portId", p.name AS port, p.unlocode, p.country, count(*) AS calls, max(c.arrived_at) AS "lastArrivedAt"
     FROM port_calls c JOIN ports p ON p.id = c.port_id
     WHERE c.mmsi BETWEEN ? AND ? AND c.is_call = ?
     GROUP BY c.mmsi, c.port_id, p.name, p.unlocode, p.country
     ORDER BY c.mmsi, calls DESC, "lastArrivedAt" DESC, c.port_id`,
    [lo, hi, db.dialect === 'postgres' ? true : 1],
  )
  return rows.map((r) => ({...r, mmsi: Number(r.mmsi), portId: Number(r.portId), calls: Number(r.calls), lastArrivedAt: Number(r.lastArrivedAt)}))
}

/** A vessel's latest call, or the visit it is on now. */
export interface LastPortCall {
  mmsi: number
  portId: number
  port: string
  unlocode: string | null
  country: string | null
  arrivedAt: number
  departedAt: number | null
  isCall: boolean | null
}

/** The latest call (or visit going on) of every vessel with an MMSI in [lo, hi] that has one. */
export async function lastCallsIn(db: AnyDb, lo: number, hi: number): Promise<LastPortCall[]> {
  const rows = await hotRows<LastPortCall>(
    db,
    `SELECT mmsi, "portId", port, unlocode, country, "arrivedAt", "departedAt", "isCall" FROM (
       SELECT c.mmsi, c.port_id AS "portId", p.name AS port, p.unlocode, p.country, c.arrived_at AS "arrivedAt", c.departed_at AS "departedAt",
         c.is_call AS "isCall", row_number() OVER (PARTITION BY c.mmsi ORDER BY c.arrived_at DESC) AS newest
       FROM port_calls c JOIN ports p ON p.id = c.port_id
       WHERE c.mmsi BETWEEN ? AND ? AND (c.is_call = ? OR c.departed_at IS NULL)
     ) l WHERE newest = 1`,
    [lo, hi, db.dialect === 'postgres' ? true : 1],
  )
  return rows.map((r) => ({
    ...r,
    mmsi: Number(r.mmsi),
    portId: Number(r.portId),
    arrivedAt: Number(r.arrivedAt),
    departedAt: r.departedAt === null ? null : Number(r.departedAt),
    isCall: asBoolean(r.isCall),
  }))
}
