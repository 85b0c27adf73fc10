// What the queue's vessel checks found (identity checks, track analyses), on either database: each finding
// once by its dedupe key, a finding found again only moving last_seen_at, so a check that runs twice stores
// nothing twice; and a vessel's findings read back.
import {and, asc, eq, inArray, sql} from 'drizzle-orm'

import type {FindingCheck, Severity, VesselFinding} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type {VesselFinding}

/** One finding as a check makes it. */
export interface FindingDraft {
  mmsi: number
  check: FindingCheck
  kind: string
  /** The same finding found again has the same key (e.g. `identity:imo-check-digit:<mmsi>:<imo>`). */
  dedupeKey: string
  severity: Severity
  title: string
  detail: Record<string, unknown>
  /** When what was found happened, if it has a time. */
  observedAt: number | null
}

/** Stores the findings (new ones inserted, known ones seen again); returns the dedupe keys that were new. */
export async function recordFindings(db: AnyDb, drafts: FindingDraft[], now: number): Promise<Set<string>> {
  const created = new Set<string>()
  if (drafts.length === 0) return created
  const {vesselFindings} = db.t
  return write(db, async () => {
    const known = new Set(
      (await db.orm.select({key: vesselFindings.dedupeKey}).from(vesselFindings).where(inArray(vesselFindings.dedupeKey, drafts.map((d) => d.dedupeKey)))).map(
        (r) => r.key,
      ),
    )
    for (const d of drafts) {
      await db.orm
        .insert(vesselFindings)
        .values({...d, firstSeenAt: now, lastSeenAt: now})
        .onConflictDoUpdate({target: vesselFindings.dedupeKey, set: {lastSeenAt: now, detail: d.detail, title: d.title, severity: d.severity}})
      if (!known.has(d.dedupeKey)) created.add(d.dedupeKey)
    }
    return created
  })
}

/** A vessel's findings, oldest first, optionally of one check. */
export async function findingsOf(db: AnyDb, mmsi: number, check?: FindingCheck): Promise<VesselFinding[]> {
  const {vesselFindings} = db.t
  return db.orm
    .select()
    .from(vesselFindings)
    .where(check ? and(eq(vesselFindings.mmsi, mmsi), eq(vesselFindings.check, check)) : eq(vesselFindings.mmsi, mmsi))
    .orderBy(asc(vesselFindings.id))
}

/** How many findings are stored (health, tests). */
export async function countFindings(db: AnyDb): Promise<number> {
  const {vesselFindings} = db.t
  const [row] = await db.orm.select({n: sql<number>`count(*)`}).from(vesselFindings)
  return Number(row?.n ?? 0)
}
