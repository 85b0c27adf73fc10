// Ports as the rest of harbormaster reads them: one port by code or id.
import {eq, or} from 'drizzle-orm'

import type {Port} from './schema.js'
import type {AnyDb} from './transaction.js'

export type {Port} from './schema.js'

/** Ports whose UN/LOCODE (any case, spaces ignored) or World Port Index number is `ref`. */
export async function portsByCode(db: AnyDb, ref: string): Promise<Port[]> {
  const {ports} = db.t
  const text = ref.trim()
  return db.orm
    .select()
    .from(ports)
    .where(or(eq(ports.unlocode, text.toUpperCase().replace(/\s+/g, '')), eq(ports.wpiNumber, text)))
}

export async function portById(db: AnyDb, id: number): Promise<Port | undefined> {
  const {ports} = db.t
  const [row] = await db.orm.select().from(ports).where(eq(ports.id, id))
  return row
}

/** Whether the database holds any port (a fresh one holds none until the shipped ports are loaded). */
export async function hasPorts(db: AnyDb): Promise<boolean> {
  const [row] = await db.orm.select({id: db.t.ports.id}).from(db.t.ports).limit(1)
  return row !== undefined
}
