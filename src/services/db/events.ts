// Safety events in the database, on either database: listing with filters, the open events detection
// weighs, new events stored unless one with their key is open (SQLite's prepared batch, PostgreSQL's
// unnest), resolutions and last-seen times set-based, and moving an open event along.
import {and, asc, count, desc, eq, gte, inArray, isNull, lt, or, type SQL, sql} from 'drizzle-orm'

import {type EventRow, hotStatements, storedEvent} from './hot-statements.js'
import {hotRows} from './pg-batch.js'
import {affectedRows, rawRows} from './query.js'
import {SAFETY_EVENT_TYPES} from './model.js'
import type {BehaviourEventType, DataSource, EventType, SafetyEvent} from './schema.js'
import type {AnyDb} from './transaction.js'

export type {EventRow, SafetyEvent}

export interface EventFilter {
  types?: EventType[]
  /** Only events not yet resolved. */
  open?: boolean
  /** Created at or after this time (epoch ms). */
  since?: number
  mmsi?: number
  /** The one event with this id. */
  id?: number
  /** Keyset paging: only events older than this one (created earlier, or at the same time with a smaller id). */
  before?: {createdAt: number; id: number}
  limit?: number
}

export interface ListedEvent extends SafetyEvent {
  portName: string | null
  portUnlocode: string | null
  zoneExternalId: string | null
  vesselName: string | null
}

/** IN lists at most this long: well inside SQLite's and PostgreSQL's limits on parameters. */
const CHUNK = 500

/** Events newest first, with their port's name, their zone's external id and their vessel's name. */
export async function listEvents(db: AnyDb, filter: EventFilter = {}): Promise<ListedEvent[]> {
  const {ports, safetyEvents, safetyZones, vessels} = db.t
  const where: SQL[] = []
  if (filter.types && filter.types.length > 0) where.push(inArray(safetyEvents.type, filter.types))
  if (filter.open) where.push(isNull(safetyEvents.resolvedAt))
  if (filter.since !== undefined) where.push(gte(safetyEvents.createdAt, filter.since))
  if (filter.mmsi !== undefined) where.push(eq(safetyEvents.mmsi, filter.mmsi))
  if (filter.id !== undefined) where.push(eq(safetyEvents.id, filter.id))
  if (filter.before) {
    const {createdAt, id} = filter.before
    where.push(or(lt(safetyEvents.createdAt, createdAt), and(eq(safetyEvents.createdAt, createdAt), lt(safetyEvents.id, id))) as SQL)
  }
  const rows = await db.orm
    .select({event: safetyEvents, portName: ports.name, portUnlocode: ports.unlocode, zoneExternalId: safetyZones.externalId, vesselName: vessels.name})
    .from(safetyEvents)
    .leftJoin(ports, eq(ports.id, safetyEvents.portId))
    .leftJoin(safetyZones, eq(safetyZones.id, safetyEvents.zoneId))
    .leftJoin(vessels, eq(vessels.mmsi, safetyEvents.mmsi))
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(safetyEvents.createdAt), desc(safetyEvents.id))
    .limit(filter.limit ?? 1000)
  return rows.map((r) => ({...r.event, portName: r.portName, portUnlocode: r.portUnlocode, zoneExternalId: r.zoneExternalId, vesselName: r.vesselName}))
}

export interface EventTally {
  type: EventType
  source: DataSource
  created: number
  /** Of those, not yet resolved. */
  open: number
  newestAt: number
}

/** Events created at or after `since`, counted by type and source (the report's new events by type). */
export async function eventTallySince(db: AnyDb, since: number): Promise<EventTally[]> {
  const {safetyEvents} = db.t
  return db.orm
    .select({
      type: safetyEvents.type,
      source: safetyEvents.source,
      created: count(),
      open: sql<number>`sum(CASE WHEN ${safetyEvents.resolvedAt} IS NULL THEN 1 ELSE 0 END)`.mapWith(Number),
      newestAt: sql<number>`max(${safetyEvents.createdAt})`.mapWith(Number),
    })
    .from(safetyEvents)
    .where(gte(safetyEvents.createdAt, since))
    .groupBy(safetyEvents.type, safetyEvents.source)
    .orderBy(safetyEvents.type, safetyEvents.source)
}

export interface OpenEvent {
  id: number
  type: EventType
  title: string
  dedupeKey: string
}

/**
 * Every safety event (storm, piracy, congestion, distress) not yet resolved, by dedupe key (byte order, as
 * SQLite's index of open events reads them: sorted here, so a PostgreSQL collation does not reorder them).
 */
export async function openEvents(db: AnyDb): Promise<OpenEvent[]> {
  const {safetyEvents} = db.t
  const rows = await db.orm
    .select({id: safetyEvents.id, type: safetyEvents.type, title: safetyEvents.title, dedupeKey: safetyEvents.dedupeKey})
    .from(safetyEvents)
    .where(and(isNull(safetyEvents.resolvedAt), inArray(safetyEvents.type, [...SAFETY_EVENT_TYPES])))
  return rows.sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : a.id - b.id))
}

/** The open events of one behaviour type (episodes still going on), oldest first. */
export async function openEventsOfType(db: AnyDb, type: BehaviourEventType): Promise<SafetyEvent[]> {
  const {safetyEvents} = db.t
  return db.orm
    .select()
    .from(safetyEvents)
    .where(and(eq(safetyEvents.type, type), isNull(safetyEvents.resolvedAt)))
    .orderBy(asc(safetyEvents.observedAt), asc(safetyEvents.id))
}

export async function countOpenEvents(db: AnyDb): Promise<number> {
  const {safetyEvents} = db.t
  const [row] = await db.orm.select({n: count()}).from(safetyEvents).where(isNull(safetyEvents.resolvedAt))
  return row?.n ?? 0
}

/** Resolves these events (those still open) at `now`; returns how many it resolved. */
export async function resolveEvents(db: AnyDb, ids: number[], now: number): Promise<number> {
  const {safetyEvents} = db.t
  let resolved = 0
  for (let i = 0; i < ids.length; i += CHUNK) {
    resolved += affectedRows(
      await db.orm
        .update(safetyEvents)
        .set({resolvedAt: now})
        .where(and(inArray(safetyEvents.id, ids.slice(i, i + CHUNK)), isNull(safetyEvents.resolvedAt))),
    )
  }
  return resolved
}

/** Records that the condition of these events still held at `now`. */
export async function markEventsSeen(db: AnyDb, ids: number[], now: number): Promise<void> {
  const {safetyEvents} = db.t
  for (let i = 0; i < ids.length; i += CHUNK) {
    await db.orm
      .update(safetyEvents)
      .set({lastSeenAt: now})
      .where(inArray(safetyEvents.id, ids.slice(i, i + CHUNK)))
  }
}

/**
 * Inserts events, each unless one with its dedupe key is open; returns the stored ones in the order given
 * (of two with the same key, the first). Call inside a write transaction. SQLite runs its prepared
 * hundred-row statement; PostgreSQL inserts them all in one statement from arrays.
 */
export async function insertEvents(db: AnyDb, rows: EventRow[], now: number): Promise<SafetyEvent[]> {
  if (rows.length === 0) return []
  if (db.dialect === 'sqlite') return hotStatements(db).insertEvents(rows, now)
  const column = <T>(pick: (r: EventRow) => T) => sql.param(rows.map(pick))
  // WITH ORDINALITY keeps the order given, so of two rows with one key the first is the one stored.
  const inserted = await rawRows<{id: number; dedupe_key: string}>(
    db,
    sql`INSERT INTO safety_events (type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, metadata)
        SELECT type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, ${now}::bigint, ${now}::bigint, metadata::jsonb
        FROM unnest(${column((r) => r.type)}::text[], ${column((r) => r.severity)}::text[], ${column((r) => r.zoneId)}::bigint[],
                    ${column((r) => r.portId)}::bigint[], ${column((r) => r.mmsi)}::bigint[], ${column((r) => r.dedupeKey)}::text[],
                    ${column((r) => r.title)}::text[], ${column((r) => r.lat)}::float8[], ${column((r) => r.lon)}::float8[],
                    ${column((r) => r.source)}::text[], ${column((r) => r.observedAt)}::bigint[], ${column((r) => JSON.stringify(r.metadata))}::text[])
             WITH ORDINALITY AS e(type, severity, zone_id, port_id, mmsi, dedupe_key, title, lat, lon, source, observed_at, metadata, n)
        ORDER BY n
        ON CONFLICT DO NOTHING
        RETURNING id, dedupe_key`,
  )
  const ids = new Map(inserted.map((r) => [r.dedupe_key, Number(r.id)]))
  const stored: SafetyEvent[] = []
  for (const r of rows) {
    const id = ids.get(r.dedupeKey)
    if (id === undefined) continue
    ids.delete(r.dedupeKey)
    stored.push(storedEvent(r, id, now))
  }
  return stored
}

/** Moves the open event with this key to a newer report; true when one was open. Call inside a write transaction. */
export async function touchOpenEvent(
  db: AnyDb,
  dedupeKey: string,
  update: {lat: number | null; lon: number | null; observedAt: number; title: string; now: number},
): Promise<boolean> {
  const {safetyEvents} = db.t
  const result = await db.orm
    .update(safetyEvents)
    .set({lat: update.lat, lon: update.lon, observedAt: update.observedAt, title: update.title, lastSeenAt: update.now})
    .where(and(eq(safetyEvents.dedupeKey, dedupeKey), isNull(safetyEvents.resolvedAt)))
  return affectedRows(result) > 0
}

/** Events of every vessel with an MMSI in [lo, hi] observed in [since, until], counted by vessel and type. */
export async function eventCountsByTypeIn(db: AnyDb, lo: number, hi: number, since: number, until: number): Promise<Array<{mmsi: number; type: EventType; events: number}>> {
  const rows = await hotRows<{mmsi: number | string; type: EventType; events: number | string}>(
    db,
    `SELECT mmsi, type, count(*) AS events FROM safety_events WHERE mmsi BETWEEN ? AND ? AND observed_at >= ? AND observed_at <= ?
     GROUP BY mmsi, type ORDER BY mmsi, type`,
    [lo, hi, since, until],
  )
  return rows.map((r) => ({mmsi: Number(r.mmsi), type: r.type, events: Number(r.events)}))
}
