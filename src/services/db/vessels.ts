// Vessels as services read them: one vessel with its latest accepted position, its recent history, the
// newest position held, the vessels in a band of latitudes, the vessels in a box (by the lon/lat index), and
// the vessels heard in a period by where their positions came from.
import {and, asc, between, count, desc, eq, gte, isNotNull, isNull, lte, not, or, type SQL, sql} from 'drizzle-orm'

import {hotRows} from './pg-batch.js'
import {preparedOnce} from './prepared.js'
import type {DataSource, Vessel} from './schema.js'
import type {AnyDb} from './transaction.js'

export type {Vessel} from './schema.js'

export async function vesselByMmsi(db: AnyDb, mmsi: number): Promise<Vessel | undefined> {
  const {vessels} = db.t
  const [row] = await db.orm.select().from(vessels).where(eq(vessels.mmsi, mmsi))
  return row
}

/** One vessel's reports over a window, as its profile counts them. */
export interface VesselActivity {
  mmsi: number
  positions: number
  /** Distance between successive fixes (estimated fixes left out), nautical miles. */
  distanceNm: number
  /** UTC days with at least one report. */
  daysHeard: number
  firstAt: number
  lastAt: number
}

/**
 * Great-circle km between a row's (lat, lon) and its predecessor's (plat, plon), written for both databases
 * (the haversine of geo/geometry.ts; `least` is PostgreSQL's two-argument min, SQLite's is `min`).
 */
const haversineSql = (db: AnyDb) => `2 * 6371.0088 * asin(${db.dialect === 'postgres' ? 'least' : 'min'}(1, sqrt(
  power(sin(radians(lat - plat) / 2), 2) + cos(radians(plat)) * cos(radians(lat)) * power(sin(radians(lon - plon) / 2), 2))))`

/**
 * The activity of every vessel with an MMSI in [lo, hi] heard in [since, until], in one statement: reports,
 * days heard, and the distance sailed between successive fixes. Time stamp seconds 62 and 63 are estimates
 * (isEstimatedFix in vessels/track.ts): counted as reports, but the distance runs from fix to fix.
 */
export async function activityIn(db: AnyDb, lo: number, hi: number, since: number, until: number): Promise<VesselActivity[]> {
  const rows = await hotRows<Record<keyof VesselActivity, number | string>>(
    db,
    `SELECT mmsi, count(*) AS positions, count(DISTINCT observed_at / 86400000) AS "daysHeard", min(observed_at) AS "firstAt",
       max(observed_at) AS "lastAt", coalesce(sum(CASE WHEN fix = 1 AND plat IS NOT NULL THEN ${haversineSql(db)} END), 0) / 1.852 AS "distanceNm"
     FROM (
       SELECT mmsi, observed_at, lat, lon, fix, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
       FROM (
         SELECT mmsi, observed_at, lat, lon, CASE WHEN utc_second IN (62, 63) THEN 0 ELSE 1 END AS fix
         FROM vessel_positions WHERE mmsi BETWEEN ? AND ? AND observed_at >= ? AND observed_at <= ?
       ) p
       WINDOW w AS (PARTITION BY mmsi, fix ORDER BY observed_at)
     ) t
     GROUP BY mmsi`,
    [lo, hi, since, until],
  )
  return rows.map((r) => ({
    mmsi: Number(r.mmsi),
    positions: Number(r.positions),
    distanceNm: Number(r.distanceNm),
    daysHeard: Number(r.daysHeard),
    firstAt: Number(r.firstAt),
    lastAt: Number(r.lastAt),
  }))
}

/** Reports in the 24 h up to each vessel's latest position, for every vessel with an MMSI in [lo, hi] that has one. */
export async function positionsBeforeLatestIn(db: AnyDb, lo: number, hi: number): Promise<Map<number, number>> {
  const rows = await hotRows<{mmsi: number | string; n: number | string}>(
    db,
    `SELECT v.mmsi, count(*) AS n FROM vessels v JOIN vessel_positions p ON p.mmsi = v.mmsi AND p.observed_at >= v.position_at - 86400000
     WHERE v.mmsi BETWEEN ? AND ? GROUP BY v.mmsi`,
    [lo, hi],
  )
  return new Map(rows.map((r) => [Number(r.mmsi), Number(r.n)]))
}

/** Every stored vessel's MMSI, ascending. */
export async function vesselMmsis(db: AnyDb): Promise<number[]> {
  const rows = await hotRows<{mmsi: number | string}>(db, 'SELECT mmsi FROM vessels ORDER BY mmsi')
  return rows.map((r) => Number(r.mmsi))
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
