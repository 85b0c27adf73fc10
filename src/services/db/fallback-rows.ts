// The rows ensure-fallback-data creates from shipped data and --force rewrites (origin 'fallback'): ports
// keyed by their WPI number and the vessels of the sample capture, on either database.
import {and, eq, inArray, sql} from 'drizzle-orm'

import type {NewPort, Origin} from './schema.js'
import type {AnyDb} from './transaction.js'

/** Rows per statement: well under either database's limit of bound values. */
const CHUNK = 500

/** The shipped fields of a port: what --force rewrites. */
export type ShippedPortFields = Omit<NewPort, 'id' | 'origin' | 'createdAt' | 'updatedAt'> & {wpiNumber: string}

/** Every port with a WPI number, and where it came from. */
export async function portOriginsByWpi(db: AnyDb): Promise<Map<string, Origin>> {
  const {ports} = db.t
  const rows = await db.orm.select({wpi: ports.wpiNumber, origin: ports.origin}).from(ports)
  return new Map(rows.filter((r) => r.wpi !== null).map((r) => [r.wpi as string, r.origin]))
}

/**
 * Stores shipped ports, in the order given: a WPI number not yet stored is a new fallback port; one stored
 * with origin 'fallback' gets its shipped fields back. Ports of any other origin are never changed. Call
 * inside a write.
 */
export async function storeFallbackPorts(db: AnyDb, shipped: ShippedPortFields[], now: number): Promise<void> {
  const {ports} = db.t
  const excluded = (column: {name: string}) => sql.raw(`excluded."${column.name}"`)
  const set = {
    unlocode: excluded(ports.unlocode),
    name: excluded(ports.name),
    country: excluded(ports.country),
    region: excluded(ports.region),
    waterBody: excluded(ports.waterBody),
    lat: excluded(ports.lat),
    lon: excluded(ports.lon),
    radiusKm: excluded(ports.radiusKm),
    harborSize: excluded(ports.harborSize),
    harborType: excluded(ports.harborType),
    updatedAt: excluded(ports.updatedAt),
  }
  for (let i = 0; i < shipped.length; i += CHUNK) {
    await db.orm
      .insert(ports)
      .values(shipped.slice(i, i + CHUNK).map((p) => ({...p, origin: 'fallback' as const, createdAt: now, updatedAt: now})))
      .onConflictDoUpdate({target: ports.wpiNumber, set, setWhere: eq(ports.origin, 'fallback')})
  }
}

/** Where each of these vessels came from (vessels not stored are left out). */
export async function vesselOrigins(db: AnyDb, mmsis: number[]): Promise<Map<number, Origin>> {
  const {vessels} = db.t
  const out = new Map<number, Origin>()
  for (let i = 0; i < mmsis.length; i += CHUNK) {
    const rows = await db.orm.select({mmsi: vessels.mmsi, origin: vessels.origin}).from(vessels).where(inArray(vessels.mmsi, mmsis.slice(i, i + CHUNK)))
    for (const r of rows) out.set(r.mmsi, r.origin)
  }
  return out
}

/** Deletes these vessels and their shipped (emergency) positions; their other positions stay. Call inside a write. */
export async function deleteFallbackVessels(db: AnyDb, mmsis: number[]): Promise<void> {
  const {vesselPositions, vessels} = db.t
  for (let i = 0; i < mmsis.length; i += CHUNK) {
    const chunk = mmsis.slice(i, i + CHUNK)
    await db.orm.delete(vesselPositions).where(and(inArray(vesselPositions.mmsi, chunk), eq(vesselPositions.source, 'emergency')))
    await db.orm.delete(vessels).where(inArray(vessels.mmsi, chunk))
  }
}
