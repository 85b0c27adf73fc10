// Sea behaviour episodes still going on when the behaviour pass last looked (behaviour_episodes): read by
// kind before a pass, replaced in the pass's write transaction. On either database.
import {and, eq} from 'drizzle-orm'

import type {BehaviourEventType} from './schema.js'
import type {AnyDb} from './transaction.js'

export interface StoredEpisode {
  kind: BehaviourEventType
  mmsi: number
  /** 0 but for encounters. */
  otherMmsi: number
  startedAt: number
  lastAt: number
  state: Record<string, unknown>
}

export async function openEpisodes(db: AnyDb, kind: BehaviourEventType): Promise<StoredEpisode[]> {
  const t = db.t.behaviourEpisodes
  const rows = await db.orm.select().from(t).where(eq(t.kind, kind))
  return rows.map((r) => ({kind: r.kind, mmsi: Number(r.mmsi), otherMmsi: Number(r.otherMmsi), startedAt: Number(r.startedAt), lastAt: Number(r.lastAt), state: r.state}))
}

/** Stores these episodes of a kind (replacing the vessel's or pair's) and forgets the ended ones; call inside a write transaction. */
export async function saveEpisodes(db: AnyDb, kind: BehaviourEventType, open: StoredEpisode[], ended: Array<{mmsi: number; otherMmsi: number}>): Promise<void> {
  const t = db.t.behaviourEpisodes
  // A few rows a pass: one delete each, by the primary key.
  for (const e of [...ended, ...open]) await db.orm.delete(t).where(and(eq(t.kind, kind), eq(t.mmsi, e.mmsi), eq(t.otherMmsi, e.otherMmsi)))
  for (let i = 0; i < open.length; i += 500) {
    await db.orm.insert(t).values(open.slice(i, i + 500).map((e) => ({kind, mmsi: e.mmsi, otherMmsi: e.otherMmsi, startedAt: e.startedAt, lastAt: e.lastAt, state: e.state})))
  }
}
