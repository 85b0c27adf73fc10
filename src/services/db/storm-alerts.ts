// Storm alerts in the database: marine alerts waiting for zone outlines (pending_storm_alerts), and the
// storm zones' lifecycle (upcoming until onset, inactive once ended, held when NWS is down).
import {and, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql} from 'drizzle-orm'

import type {ZoneGeometry} from '../geo/geometry.js'
import {type Db, writeTransaction} from './client.js'
import {preparedOnce} from './prepared.js'
import {type DataSource, type PendingStormAlert, pendingStormAlerts, safetyZones, type StormAlertState} from './schema.js'

export type {PendingStormAlert}

/** What a run learned about one alert still short of outlines. */
export interface PendingAlertUpdate {
  alertId: string
  event: string
  warning: boolean
  area: string | null
  state: 'pending' | 'unplaceable'
  alert: Record<string, unknown>
  zones: string[]
  missingZones: string[]
  reason: string
  source: DataSource
  validFrom: number | null
  validTo: number | null
  /** When the NWS answer listing it was fetched; null when it was carried from an earlier run. */
  listedAt: number | null
}

const OPEN: StormAlertState[] = ['pending', 'unplaceable']

/** Alerts still waiting (pending) or that name no zone harbormaster can ask for (unplaceable). */
export async function openPendingAlerts(db: Db): Promise<PendingStormAlert[]> {
  return db.orm.select().from(pendingStormAlerts).where(inArray(pendingStormAlerts.state, OPEN)).all()
}

/** Records this run's attempt for each alert still short of outlines (a settled alert listed again reopens). */
export async function savePendingAlerts(db: Db, updates: PendingAlertUpdate[], now: number): Promise<void> {
  if (updates.length === 0) return
  writeTransaction(db, () => {
    for (const u of updates) {
      const {listedAt, ...fields} = u
      const values = {...fields, lastAttemptAt: now, settledAt: null}
      db.orm
        .insert(pendingStormAlerts)
        .values({...values, firstSeenAt: now, listedAt: listedAt ?? now, attempts: 1})
        .onConflictDoUpdate({
          target: pendingStormAlerts.alertId,
          set: {
            ...values,
            attempts: sql`${pendingStormAlerts.attempts} + 1`,
            ...(listedAt === null ? {} : {listedAt}),
          },
        })
        .run()
    }
  })
}

/** Settles open alerts: completed (every outline had), expired (ended while waiting), withdrawn (NWS stopped listing them). */
export async function settlePendingAlerts(db: Db, alertIds: string[], state: 'completed' | 'expired' | 'withdrawn', now: number): Promise<number> {
  if (alertIds.length === 0) return 0
  return writeTransaction(db, () => {
    let settled = 0
    for (let i = 0; i < alertIds.length; i += 500) {
      settled += db.orm
        .update(pendingStormAlerts)
        .set({state, settledAt: now, ...(state === 'completed' ? {missingZones: [], reason: null} : {})})
        .where(and(inArray(pendingStormAlerts.alertId, alertIds.slice(i, i + 500)), inArray(pendingStormAlerts.state, OPEN)))
        .run().changes
    }
    return settled
  })
}

/** Settled alerts are kept a while for operators to look back on, then dropped. */
export async function purgeSettledAlerts(db: Db, settledBefore: number): Promise<number> {
  return writeTransaction(db, () =>
    db.orm
      .delete(pendingStormAlerts)
      .where(and(isNotNull(pendingStormAlerts.settledAt), lt(pendingStormAlerts.settledAt, settledBefore)))
      .run().changes,
  )
}

/**
 * Warning-level alerts in force (or yet to begin) that still lack an outline: what health and providers
 * status report (synchronous, as providers status is).
 */
export function warningsWithoutOutline(db: Db, now: number): PendingStormAlert[] {
  return preparedOnce(db, 'storm-alerts:warnings-without-outline', () =>
    db.orm
      .select()
      .from(pendingStormAlerts)
      .where(
        and(
          inArray(pendingStormAlerts.state, OPEN),
          eq(pendingStormAlerts.warning, true),
          or(isNull(pendingStormAlerts.validTo), gt(pendingStormAlerts.validTo, sql.placeholder('now'))),
        ),
      )
      .orderBy(pendingStormAlerts.event, pendingStormAlerts.alertId)
      .prepare(),
  ).all({now})
}

export function openAlertCounts(db: Db): {pending: number; unplaceable: number} {
  const rows = preparedOnce(db, 'storm-alerts:open-counts', () =>
    db.orm
      .select({state: pendingStormAlerts.state, n: sql<number>`count(*)`})
      .from(pendingStormAlerts)
      .where(inArray(pendingStormAlerts.state, OPEN))
      .groupBy(pendingStormAlerts.state)
      .prepare(),
  ).all()
  const of = (state: StormAlertState) => rows.find((r) => r.state === state)?.n ?? 0
  return {pending: of('pending'), unplaceable: of('unplaceable')}
}

/** The outline a storm zone already has, by external id (an alert whose outlines are unavailable this run keeps it). */
export async function storedStormGeometry(db: Db, externalIds: string[]): Promise<Map<string, ZoneGeometry>> {
  const out = new Map<string, ZoneGeometry>()
  for (let i = 0; i < externalIds.length; i += 500) {
    const rows = db.orm
      .select({externalId: safetyZones.externalId, geometry: safetyZones.geometry})
      .from(safetyZones)
      .where(and(eq(safetyZones.kind, 'storm'), eq(safetyZones.origin, 'ingest'), inArray(safetyZones.externalId, externalIds.slice(i, i + 500))))
      .all()
    for (const r of rows) out.set(r.externalId, r.geometry as ZoneGeometry)
  }
  return out
}

/** Active storm zones from NWS that have not ended: what serves when NWS is unavailable. */
export async function heldStormZones(db: Db, now: number): Promise<Array<{id: number; observedAt: number}>> {
  return db.orm
    .select({id: safetyZones.id, observedAt: safetyZones.observedAt})
    .from(safetyZones)
    .where(
      and(
        eq(safetyZones.kind, 'storm'),
        eq(safetyZones.origin, 'ingest'),
        eq(safetyZones.active, true),
        or(isNull(safetyZones.validTo), gt(safetyZones.validTo, now)),
      ),
    )
    .all()
}

/**
 * Brings storm zones from NWS up to `now`, whatever NWS answered: a zone whose alert has ended becomes
 * inactive (detection then resolves its events), and an upcoming zone whose onset has come stops being
 * marked upcoming.
 */
export async function settleStormZones(db: Db, now: number): Promise<{ended: number; begun: number}> {
  return writeTransaction(db, () => {
    const ended = db.orm
      .update(safetyZones)
      .set({active: false, updatedAt: now})
      .where(
        and(
          eq(safetyZones.kind, 'storm'),
          eq(safetyZones.origin, 'ingest'),
          eq(safetyZones.active, true),
          isNotNull(safetyZones.validTo),
          lte(safetyZones.validTo, now),
        ),
      )
      .run().changes
    const begun = db.orm
      .update(safetyZones)
      .set({metadata: sql`json_set(${safetyZones.metadata}, '$.upcoming', json('false'))`, updatedAt: now})
      .where(
        and(
          eq(safetyZones.kind, 'storm'),
          eq(safetyZones.origin, 'ingest'),
          eq(safetyZones.active, true),
          lte(safetyZones.validFrom, now),
          sql`json_extract(${safetyZones.metadata}, '$.upcoming') = 1`,
        ),
      )
      .run().changes
    return {ended, begun}
  })
}

/**
 * Storm zones from NWS used to be stored as `nws:<alert id>`; their external id is now the alert id itself.
 * Renaming keeps the zones (and their open events) instead of replacing them with new rows.
 */
export async function adoptLegacyStormIds(db: Db): Promise<number> {
  return writeTransaction(db, () =>
    db.orm
      .update(safetyZones)
      .set({externalId: sql`substr(${safetyZones.externalId}, 5)`})
      .where(and(eq(safetyZones.kind, 'storm'), eq(safetyZones.origin, 'ingest'), sql`${safetyZones.externalId} LIKE 'nws:%'`))
      .run().changes,
  )
}
