// Vessels as services read them: one vessel with its latest accepted position, and its recent history.
import {and, count, eq, gte} from 'drizzle-orm'

import type {Db} from './client.js'
import {type Vessel, vesselPositions, vessels} from './schema.js'

export function vesselByMmsi(db: Db, mmsi: number): Vessel | undefined {
  return db.orm.select().from(vessels).where(eq(vessels.mmsi, mmsi)).get()
}

/** Positions stored for a vessel observed at or after `since`. */
export function positionCountSince(db: Db, mmsi: number, since: number): number {
  return db.orm
    .select({n: count()})
    .from(vesselPositions)
    .where(and(eq(vesselPositions.mmsi, mmsi), gte(vesselPositions.observedAt, since)))
    .get()?.n ?? 0
}
