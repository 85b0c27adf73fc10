// Safety events as services read and amend them: listing with filters, and moving an open event along.
import {and, desc, eq, gte, inArray, isNull, type SQL} from 'drizzle-orm'

import type {Db} from './client.js'
import {type EventType, ports, type SafetyEvent, safetyEvents, safetyZones} from './schema.js'

export interface EventFilter {
  types?: EventType[]
  /** Only events not yet resolved. */
  open?: boolean
  /** Created at or after this time (epoch ms). */
  since?: number
  mmsi?: number
  limit?: number
}

export interface ListedEvent extends SafetyEvent {
  portName: string | null
  portUnlocode: string | null
  zoneExternalId: string | null
}

/** Events newest first, with their port's name and their zone's external id. */
export function listEvents(db: Db, filter: EventFilter = {}): ListedEvent[] {
  const where: SQL[] = []
  if (filter.types && filter.types.length > 0) where.push(inArray(safetyEvents.type, filter.types))
  if (filter.open) where.push(isNull(safetyEvents.resolvedAt))
  if (filter.since !== undefined) where.push(gte(safetyEvents.createdAt, filter.since))
  if (filter.mmsi !== undefined) where.push(eq(safetyEvents.mmsi, filter.mmsi))
  const rows = db.orm
    .select({event: safetyEvents, portName: ports.name, portUnlocode: ports.unlocode, zoneExternalId: safetyZones.externalId})
    .from(safetyEvents)
    .leftJoin(ports, eq(ports.id, safetyEvents.portId))
    .leftJoin(safetyZones, eq(safetyZones.id, safetyEvents.zoneId))
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(safetyEvents.createdAt), desc(safetyEvents.id))
    .limit(filter.limit ?? 1000)
    .all()
  return rows.map((r) => ({...r.event, portName: r.portName, portUnlocode: r.portUnlocode, zoneExternalId: r.zoneExternalId}))
}

/** Moves the open event with this key to a newer report; true when one was open. Call inside a write transaction. */
export function touchOpenEvent(
  db: Db,
  dedupeKey: string,
  update: {lat: number | null; lon: number | null; observedAt: number; title: string; now: number},
): boolean {
  const changes = db.orm
    .update(safetyEvents)
    .set({lat: update.lat, lon: update.lon, observedAt: update.observedAt, title: update.title, lastSeenAt: update.now})
    .where(and(eq(safetyEvents.dedupeKey, dedupeKey), isNull(safetyEvents.resolvedAt)))
    .run().changes
  return changes > 0
}
