// Safety zones in the database, on either database: listing by kind and validity, the active zones
// detection reads, and the writes the zone store makes (by external id, set-based).
import {and, asc, eq, gt, inArray, isNotNull, isNull, lte, notInArray, or, type SQL, sql} from 'drizzle-orm'

import type {NewSafetyZone, Origin, SafetyZone, ZoneKind} from './schema.js'
import {affectedRows} from './query.js'
import type {AnyDb} from './transaction.js'

export type {NewSafetyZone, SafetyZone}

export interface ZoneFilter {
  kinds?: ZoneKind[]
  /** Only zones in force at this time (active, begun, not yet ended). */
  inForceAt?: number
}

/** IN lists at most this long: well inside SQLite's and PostgreSQL's limits on parameters. */
const CHUNK = 500

export async function listZones(db: AnyDb, filter: ZoneFilter = {}): Promise<SafetyZone[]> {
  const {safetyZones} = db.t
  const where: SQL[] = []
  if (filter.kinds && filter.kinds.length > 0) where.push(inArray(safetyZones.kind, filter.kinds))
  if (filter.inForceAt !== undefined) {
    const at = filter.inForceAt
    where.push(eq(safetyZones.active, true))
    where.push(or(isNull(safetyZones.validFrom), lte(safetyZones.validFrom, at)) as SQL)
    where.push(or(isNull(safetyZones.validTo), gt(safetyZones.validTo, at)) as SQL)
  }
  return db.orm
    .select()
    .from(safetyZones)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(asc(safetyZones.kind), asc(safetyZones.id))
}

export async function zoneById(db: AnyDb, id: number): Promise<SafetyZone | undefined> {
  const {safetyZones} = db.t
  const [row] = await db.orm.select().from(safetyZones).where(eq(safetyZones.id, id))
  return row
}

/** Active zones of these kinds, whatever their validity (detection compares each position's time with it), by kind and id. */
export async function activeZones(db: AnyDb, kinds: ZoneKind[]): Promise<SafetyZone[]> {
  const {safetyZones} = db.t
  return db.orm
    .select()
    .from(safetyZones)
    .where(and(eq(safetyZones.active, true), inArray(safetyZones.kind, kinds)))
    .orderBy(asc(safetyZones.kind), asc(safetyZones.id))
}

/**
 * Zones of these kinds in force at some time in [since, until] (begun by `until`, not ended by `since`),
 * active or since ended, by kind and id: what a check of reports over that window compares each report's
 * time with. A zone marked inactive without an end was never in force.
 */
export async function zonesInForceDuring(db: AnyDb, kinds: ZoneKind[], since: number, until: number): Promise<SafetyZone[]> {
  const {safetyZones: z} = db.t
  return db.orm
    .select()
    .from(z)
    .where(
      and(
        inArray(z.kind, kinds),
        or(isNull(z.validFrom), lte(z.validFrom, until)),
        or(isNull(z.validTo), gt(z.validTo, since)),
        or(eq(z.active, true), isNotNull(z.validTo)),
      ),
    )
    .orderBy(asc(z.kind), asc(z.id))
}

/** The stored zones with these external ids, by external id. */
export async function zonesByExternalId(db: AnyDb, externalIds: string[]): Promise<Map<string, SafetyZone>> {
  const {safetyZones} = db.t
  const out = new Map<string, SafetyZone>()
  const ids = [...new Set(externalIds)]
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db.orm
      .select()
      .from(safetyZones)
      .where(inArray(safetyZones.externalId, ids.slice(i, i + CHUNK)))
    for (const row of rows) out.set(row.externalId, row)
  }
  return out
}

type ZoneValues = Omit<NewSafetyZone, 'id'>

/** Inserts new zones, a hundred rows per statement. */
export async function insertZones(db: AnyDb, rows: ZoneValues[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) await db.orm.insert(db.t.safetyZones).values(rows.slice(i, i + 100))
}

/** Rewrites a zone's values (everything but its id and creation time). */
export async function updateZone(db: AnyDb, id: number, values: Omit<ZoneValues, 'createdAt'>): Promise<void> {
  const {safetyZones} = db.t
  await db.orm.update(safetyZones).set(values).where(eq(safetyZones.id, id))
}

/**
 * Deactivates the active zones of `kind` from `origins` whose external id is not in `keep`, ending them now
 * (a zone already over keeps its end). Returns how many.
 */
export async function deactivateZonesOutside(db: AnyDb, scope: {kind: ZoneKind; origins: Origin[]; keep: string[]}, now: number): Promise<number> {
  const {safetyZones} = db.t
  return affectedRows(
    await db.orm
      .update(safetyZones)
      .set({
        active: false,
        validTo: sql`CASE WHEN ${safetyZones.validTo} IS NULL OR ${safetyZones.validTo} > ${now} THEN ${now} ELSE ${safetyZones.validTo} END`,
        updatedAt: now,
      })
      .where(
        and(
          eq(safetyZones.kind, scope.kind),
          eq(safetyZones.active, true),
          inArray(safetyZones.origin, scope.origins),
          scope.keep.length > 0 ? notInArray(safetyZones.externalId, scope.keep) : undefined,
        ),
      ),
  )
}

/** The zones marked active (whatever their validity), by id: what alert rules on zones count vessels in. */
export async function activeZonesById(db: AnyDb): Promise<SafetyZone[]> {
  const {safetyZones} = db.t
  return db.orm.select().from(safetyZones).where(eq(safetyZones.active, true)).orderBy(asc(safetyZones.id))
}

export async function zoneExists(db: AnyDb, id: number): Promise<boolean> {
  const {safetyZones} = db.t
  const [row] = await db.orm.select({id: safetyZones.id}).from(safetyZones).where(eq(safetyZones.id, id)).limit(1)
  return row !== undefined
}
