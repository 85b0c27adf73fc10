// Safety zones as services read them: listing by kind and validity.
import {and, asc, eq, gt, inArray, isNull, lte, or, type SQL} from 'drizzle-orm'

import type {Db} from './client.js'
import {type SafetyZone, safetyZones, type ZoneKind} from './schema.js'
import type {AnyDb} from './transaction.js'

export interface ZoneFilter {
  kinds?: ZoneKind[]
  /** Only zones in force at this time (active, begun, not yet ended). */
  inForceAt?: number
}

export function listZones(db: Db, filter: ZoneFilter = {}): SafetyZone[] {
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
    .all()
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
