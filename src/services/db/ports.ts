// Ports as the rest of harbormaster reads them: one port by code or id.
import {eq, or} from 'drizzle-orm'

import type {Db} from './client.js'
import {type Port, ports} from './schema.js'
import type {AnyDb} from './transaction.js'

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

/** Whether the database holds any port (a fresh one holds none until the shipped ports are loaded). */
export async function hasPorts(db: AnyDb): Promise<boolean> {
  const [row] = await db.orm.select({id: db.t.ports.id}).from(db.t.ports).limit(1)
  return row !== undefined
}
