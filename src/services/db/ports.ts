// Ports as the rest of harbormaster reads them: the rows spatial lookups index, and one port by code or id.
import {eq, or} from 'drizzle-orm'

import type {Db} from './client.js'
import {type Port, ports} from './schema.js'

export interface PortLookupRow {
  id: number
  name: string
  unlocode: string | null
  lat: number
  lon: number
  radiusKm: number
}

/** Every port's position and limits, for a spatial index. */
export function portLookupRows(db: Db): PortLookupRow[] {
  return db.orm
    .select({id: ports.id, name: ports.name, unlocode: ports.unlocode, lat: ports.lat, lon: ports.lon, radiusKm: ports.radiusKm})
    .from(ports)
    .all()
}

/** Ports whose UN/LOCODE (any case, spaces ignored) or World Port Index number is `ref`. */
export function portsByCode(db: Db, ref: string): Port[] {
  const text = ref.trim()
  return db.orm
    .select()
    .from(ports)
    .where(or(eq(ports.unlocode, text.toUpperCase().replace(/\s+/g, '')), eq(ports.wpiNumber, text)))
    .all()
}

export function portById(db: Db, id: number): Port | undefined {
  return db.orm.select().from(ports).where(eq(ports.id, id)).get()
}
