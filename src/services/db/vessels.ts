// Vessels as services read them: one vessel with its latest accepted position, its recent history, the
// newest position held, the vessels in a band of latitudes, and the vessels in a box (by the lon/lat index).
import {and, asc, between, count, desc, eq, gte, isNotNull, isNull, lte, not, or, type SQL, sql} from 'drizzle-orm'

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
  /** Read by `vessels track`; checks that build reports by hand may leave it out. */
  cog?: number | null
  nav: number | null
  second: number | null
  source?: DataSource
  held: boolean
}

/** A report as read from the database: with its course and source. */
export type StoredTrackReport = TrackReport & Required<Pick<TrackReport, 'cog' | 'source'>>

/** A vessel's reports observed in [since, until], stored and held back, oldest first (at most `limit`, the newest kept). */
export async function trackOf(db: AnyDb, mmsi: number, since: number, until: number, limit = 20_000): Promise<StoredTrackReport[]> {
  const {vesselPositions: p, positionSuspects: s} = db.t
  const columns = (t: typeof p | typeof s) => ({at: t.observedAt, lat: t.lat, lon: t.lon, sog: t.sog, cog: t.cog, nav: t.navStatus, second: t.utcSecond, source: t.source})
  const window = (t: typeof p | typeof s) => and(eq(t.mmsi, mmsi), gte(t.observedAt, since), lte(t.observedAt, until))
  const [stored, held] = await Promise.all([
    db.orm.select(columns(p)).from(p).where(window(p)).orderBy(desc(p.observedAt)).limit(limit),
    db.orm.select(columns(s)).from(s).where(window(s)).orderBy(desc(s.observedAt)).limit(limit),
  ])
  const reports: StoredTrackReport[] = [...stored.map((r) => ({...r, held: false})), ...held.map((r) => ({...r, held: true}))]
  reports.sort((a, b) => a.at - b.at)
  return reports.length > limit ? reports.slice(reports.length - limit) : reports
}

/** A longitude/latitude box; minLon > maxLon spans the antimeridian. */
export interface LonLatBox {
  minLon: number
  minLat: number
  maxLon: number
  maxLat: number
}

export type CodeRange = readonly [number, number]

export interface VesselSelection {
  /** Latest position inside this box (edges included). */
  box?: LonLatBox
  /** Latest position observed at or after this time. */
  since?: number
  /** Ship type codes in any of these inclusive ranges... */
  shipTypes?: CodeRange[]
  /** ...or (when given) no ship type, or one in none of these ranges. */
  shipTypesOutside?: CodeRange[]
  limit?: number
}

/** A vessel and its latest accepted position. */
export interface PositionedVessel {
  mmsi: number
  imo: number | null
  name: string | null
  callsign: string | null
  shipType: number | null
  flag: string | null
  destination: string | null
  lat: number
  lon: number
  sog: number | null
  cog: number | null
  heading: number | null
  navStatus: number | null
  positionAt: number
  positionSource: DataSource | null
}

/**
 * Vessels whose latest position matches the selection, newest position first (then by MMSI). A box is
 * read through the (lon, lat) index: a range of longitudes, latitudes checked in the index entries before
 * any row is read. A box across the antimeridian is two such ranges, read apart and merged (an OR of the
 * two is not read through the index).
 */
export async function vesselsWhere(db: AnyDb, selection: VesselSelection): Promise<PositionedVessel[]> {
  const box = selection.box
  if (box && box.minLon > box.maxLon) {
    const [east, west] = await Promise.all([
      vesselsWhere(db, {...selection, box: {...box, maxLon: 180}}),
      vesselsWhere(db, {...selection, box: {...box, minLon: -180}}),
    ])
    const merged = [...east, ...west].sort((a, b) => b.positionAt - a.positionAt || a.mmsi - b.mmsi)
    return selection.limit === undefined ? merged : merged.slice(0, selection.limit)
  }
  const {vessels: v} = db.t
  const where: Array<SQL | undefined> = [isNotNull(v.positionAt)]
  // between() also leaves out positions without coordinates; without a box, so does this.
  if (box) where.push(between(v.lon, box.minLon, box.maxLon), between(v.lat, box.minLat, box.maxLat))
  else where.push(isNotNull(v.lat), isNotNull(v.lon))
  if (selection.since !== undefined) where.push(gte(v.positionAt, selection.since))
  const inRanges = (ranges: CodeRange[]) => ranges.map(([lo, hi]) => between(v.shipType, lo, hi))
  const types: Array<SQL | undefined> = inRanges(selection.shipTypes ?? [])
  if (selection.shipTypesOutside) {
    const known = inRanges(selection.shipTypesOutside)
    types.push(or(isNull(v.shipType), known.length > 0 ? not(or(...known) as SQL) : undefined))
  }
  if (selection.shipTypes || selection.shipTypesOutside) where.push(types.length > 0 ? or(...types) : sql`1 = 0`)
  const query = db.orm
    .select({
      mmsi: v.mmsi,
      imo: v.imo,
      name: v.name,
      callsign: v.callsign,
      shipType: v.shipType,
      flag: v.flag,
      destination: v.destination,
      lat: v.lat,
      lon: v.lon,
      sog: v.sog,
      cog: v.cog,
      heading: v.heading,
      navStatus: v.navStatus,
      positionAt: v.positionAt,
      positionSource: v.positionSource,
    })
    .from(v)
    .where(and(...where))
    .orderBy(desc(v.positionAt), asc(v.mmsi))
  const rows = selection.limit === undefined ? await query : await query.limit(selection.limit)
  return rows as PositionedVessel[]
}
