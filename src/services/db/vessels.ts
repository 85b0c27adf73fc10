// Vessels as services read them: one vessel with its latest accepted position, its recent history, the
// newest position held, and the vessels in a band of latitudes.
import {and, count, desc, eq, gte, isNotNull, lte, sql} from 'drizzle-orm'

import {preparedOnce} from './prepared.js'
import type {DataSource, Vessel} from './schema.js'
import type {AnyDb} from './transaction.js'

export type {Vessel} from './schema.js'

export async function vesselByMmsi(db: AnyDb, mmsi: number): Promise<Vessel | undefined> {
  const {vessels} = db.t
  const [row] = await db.orm.select().from(vessels).where(eq(vessels.mmsi, mmsi))
  return row
}

/** Positions stored for a vessel observed at or after `since`. */
export async function positionCountSince(db: AnyDb, mmsi: number, since: number): Promise<number> {
  const {vesselPositions} = db.t
  const [row] = await db.orm
    .select({n: count()})
    .from(vesselPositions)
    .where(and(eq(vesselPositions.mmsi, mmsi), gte(vesselPositions.observedAt, since)))
  return row?.n ?? 0
}

const newestQuery = (db: AnyDb) =>
  db.orm
    .select({at: db.t.vessels.positionAt, source: db.t.vessels.positionSource})
    .from(db.t.vessels)
    .where(isNotNull(db.t.vessels.positionAt))
    .orderBy(desc(db.t.vessels.positionAt))
    .limit(1)

/** The newest position any vessel holds, and its source; undefined when none has one. */
export async function newestPosition(db: AnyDb): Promise<{at: number; source: DataSource | null} | undefined> {
  // Read on every health check: on SQLite a statement prepared once.
  const [row] = db.dialect === 'sqlite' ? [preparedOnce(db, 'vessels:newest-position', () => newestQuery(db).prepare()).get()] : await newestQuery(db)
  return row?.at == null ? undefined : {at: row.at, source: row.source}
}

export interface PositionSourceTally {
  source: DataSource | null
  vessels: number
  newestAt: number
}

/** Vessels whose latest position was observed at or after `since`, counted by where that position came from. */
export async function positionSourcesSince(db: AnyDb, since: number): Promise<PositionSourceTally[]> {
  const {vessels} = db.t
  return db.orm
    .select({source: vessels.positionSource, vessels: count(), newestAt: sql<number>`max(${vessels.positionAt})`.mapWith(Number)})
    .from(vessels)
    .where(gte(vessels.positionAt, since))
    .groupBy(vessels.positionSource)
    .orderBy(vessels.positionSource)
}

/** Vessels with a position between two latitudes (inclusive), newest position first. */
export async function vesselsBetweenLatitudes(db: AnyDb, minLat: number, maxLat: number): Promise<Vessel[]> {
  const {vessels} = db.t
  return db.orm
    .select()
    .from(vessels)
    .where(and(gte(vessels.lat, minLat), lte(vessels.lat, maxLat), isNotNull(vessels.lon), isNotNull(vessels.positionAt)))
    .orderBy(desc(vessels.positionAt))
}

/** Whether any vessel holds a position at all. */
export async function anyVesselPosition(db: AnyDb): Promise<boolean> {
  const {vessels} = db.t
  const rows = await db.orm.select({mmsi: vessels.mmsi}).from(vessels).where(gte(vessels.positionAt, 0)).limit(1)
  return rows.length > 0
}

/** One report of a vessel's track as its checks read it: stored, or held back by the track rule (`held`). */
export interface TrackReport {
  at: number
  lat: number
  lon: number
  sog: number | null
  nav: number | null
  second: number | null
  held: boolean
}

/** A vessel's reports observed in [since, until], stored and held back, oldest first (at most `limit`, the newest kept). */
export async function trackOf(db: AnyDb, mmsi: number, since: number, until: number, limit = 20_000): Promise<TrackReport[]> {
  const {vesselPositions: p, positionSuspects: s} = db.t
  const columns = (t: typeof p | typeof s) => ({at: t.observedAt, lat: t.lat, lon: t.lon, sog: t.sog, nav: t.navStatus, second: t.utcSecond})
  const window = (t: typeof p | typeof s) => and(eq(t.mmsi, mmsi), gte(t.observedAt, since), lte(t.observedAt, until))
  const [stored, held] = await Promise.all([
    db.orm.select(columns(p)).from(p).where(window(p)).orderBy(desc(p.observedAt)).limit(limit),
    db.orm.select(columns(s)).from(s).where(window(s)).orderBy(desc(s.observedAt)).limit(limit),
  ])
  const reports: TrackReport[] = [...stored.map((r) => ({...r, held: false})), ...held.map((r) => ({...r, held: true}))]
  reports.sort((a, b) => a.at - b.at)
  return reports.length > limit ? reports.slice(reports.length - limit) : reports
}
