// Vessels as services read them: one vessel with its latest accepted position, its recent history, the
// newest position held, and the vessels in a band of latitudes.
import {and, count, desc, eq, gte, isNotNull, lte} from 'drizzle-orm'

import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import {type DataSource, type Vessel, vesselPositions, vessels} from './schema.js'

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

/** The newest position any vessel holds, and its source; undefined when none has one. */
export function newestPosition(db: Db): {at: number; source: DataSource | null} | undefined {
  const row = preparedOnce(db, 'vessels:newest-position', () =>
    db.orm
      .select({at: vessels.positionAt, source: vessels.positionSource})
      .from(vessels)
      .where(isNotNull(vessels.positionAt))
      .orderBy(desc(vessels.positionAt))
      .limit(1)
      .prepare(),
  ).get()
  return row?.at == null ? undefined : {at: row.at, source: row.source}
}

/** Vessels with a position between two latitudes (inclusive), newest position first. */
export function vesselsBetweenLatitudes(db: Db, minLat: number, maxLat: number): Vessel[] {
  return db.orm
    .select()
    .from(vessels)
    .where(and(gte(vessels.lat, minLat), lte(vessels.lat, maxLat), isNotNull(vessels.lon), isNotNull(vessels.positionAt)))
    .orderBy(desc(vessels.positionAt))
    .all()
}

/** Whether any vessel holds a position at all. */
export function anyVesselPosition(db: Db): boolean {
  return db.orm.select({mmsi: vessels.mmsi}).from(vessels).where(gte(vessels.positionAt, 0)).limit(1).get() !== undefined
}
