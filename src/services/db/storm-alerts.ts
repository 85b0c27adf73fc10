// Storm alerts in the database, on either database: marine alerts waiting for zone outlines
// (pending_storm_alerts), and the storm zones' lifecycle (upcoming until onset, inactive once ended, held
// when NWS is down).
import {and, asc, count, eq, gt, inArray, isNotNull, isNull, lt, lte, or, type SQL, sql, type SQLWrapper} from 'drizzle-orm'
import type {AnySQLiteColumn} from 'drizzle-orm/sqlite-core'

import type {ZoneGeometry} from '../geo/geometry.js'
import {preparedOnce} from './prepared.js'
import {affectedRows} from './query.js'
import type {DataSource, PendingStormAlert, StormAlertState} from './schema.js'
import {type AnyDb, write} from './transaction.js'

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

/** IN lists at most this long: well inside SQLite's and PostgreSQL's limits on parameters. */
const CHUNK = 500

/**
 * Alerts still waiting (pending) or that name no zone harbormaster can ask for (unplaceable): by state,
 * then as first seen (the order they are retried and reported in).
 */
export async function openPendingAlerts(db: AnyDb): Promise<PendingStormAlert[]> {
  const {pendingStormAlerts} = db.t
  return db.orm
    .select()
    .from(pendingStormAlerts)
    .where(inArray(pendingStormAlerts.state, OPEN))
    .orderBy(asc(pendingStormAlerts.state), asc(pendingStormAlerts.firstSeenAt), byteOrder(db, pendingStormAlerts.alertId))
}

/** A text column ordered by its bytes, as SQLite orders text, whatever the PostgreSQL database's collation. */
const byteOrder = (db: AnyDb, column: AnySQLiteColumn): SQL | AnySQLiteColumn => (db.dialect === 'sqlite' ? column : sql`${column} COLLATE "C"`)

/** `excluded.<column>`: the value an upsert's row proposed (both databases name it so). */
const excluded = (column: AnySQLiteColumn) => sql.raw(`excluded."${column.name}"`)

/** Records this run's attempt for each alert still short of outlines (a settled alert listed again reopens). */
export async function savePendingAlerts(db: AnyDb, updates: PendingAlertUpdate[], now: number): Promise<void> {
  if (updates.length === 0) return
  const t = db.t.pendingStormAlerts
  // One row per alert (PostgreSQL refuses an upsert touching a row twice; the last word on an alert wins).
  const latest = [...new Map(updates.map((u) => [u.alertId, u])).values()]
  // Alerts carried from an earlier answer keep when they were last listed; those listed now take its time.
  const groups = [latest.filter((u) => u.listedAt === null), latest.filter((u) => u.listedAt !== null)]
  await write(db, async () => {
    for (const [k, group] of groups.entries()) {
      for (let i = 0; i < group.length; i += 100) {
        const rows = group.slice(i, i + 100).map(({listedAt, ...fields}) => ({...fields, lastAttemptAt: now, settledAt: null, firstSeenAt: now, listedAt: listedAt ?? now, attempts: 1}))
        await db.orm
          .insert(t)
          .values(rows)
          .onConflictDoUpdate({
            target: t.alertId,
            set: {
              event: excluded(t.event),
              warning: excluded(t.warning),
              area: excluded(t.area),
              state: excluded(t.state),
              alert: excluded(t.alert),
              zones: excluded(t.zones),
              missingZones: excluded(t.missingZones),
              reason: excluded(t.reason),
              source: excluded(t.source),
              validFrom: excluded(t.validFrom),
              validTo: excluded(t.validTo),
              lastAttemptAt: excluded(t.lastAttemptAt),
              settledAt: null,
              attempts: sql`${t.attempts} + 1`,
              ...(k === 1 ? {listedAt: excluded(t.listedAt)} : {}),
            },
          })
      }
    }
  })
}

/** Settles open alerts: completed (every outline had), expired (ended while waiting), withdrawn (NWS stopped listing them). */
export async function settlePendingAlerts(db: AnyDb, alertIds: string[], state: 'completed' | 'expired' | 'withdrawn', now: number): Promise<number> {
  if (alertIds.length === 0) return 0
  const {pendingStormAlerts} = db.t
  return write(db, async () => {
    let settled = 0
    for (let i = 0; i < alertIds.length; i += CHUNK) {
      settled += affectedRows(
        await db.orm
          .update(pendingStormAlerts)
          .set({state, settledAt: now, ...(state === 'completed' ? {missingZones: [], reason: null} : {})})
          .where(and(inArray(pendingStormAlerts.alertId, alertIds.slice(i, i + CHUNK)), inArray(pendingStormAlerts.state, OPEN))),
      )
    }
    return settled
  })
}

/** Settled alerts are kept a while for operators to look back on, then dropped. */
export async function purgeSettledAlerts(db: AnyDb, settledBefore: number): Promise<number> {
  const {pendingStormAlerts} = db.t
  return write(db, async () =>
    affectedRows(await db.orm.delete(pendingStormAlerts).where(and(isNotNull(pendingStormAlerts.settledAt), lt(pendingStormAlerts.settledAt, settledBefore)))),
  )
}

/**
 * Warning-level alerts in force (or yet to begin) that still lack an outline: what health and providers
 * status report (on SQLite a statement prepared once: health runs it on every check).
 */
export async function warningsWithoutOutline(db: AnyDb, now: number): Promise<PendingStormAlert[]> {
  const {pendingStormAlerts} = db.t
  const where = (at: number | SQLWrapper) =>
    and(
      inArray(pendingStormAlerts.state, OPEN),
      eq(pendingStormAlerts.warning, true),
      or(isNull(pendingStormAlerts.validTo), gt(pendingStormAlerts.validTo, at)),
    )
  if (db.dialect === 'sqlite') {
    return preparedOnce(db, 'storm-alerts:warnings-without-outline', () =>
      db.orm.select().from(pendingStormAlerts).where(where(sql.placeholder('now'))).orderBy(pendingStormAlerts.event, pendingStormAlerts.alertId).prepare(),
    ).all({now})
  }
  return db.orm.select().from(pendingStormAlerts).where(where(now)).orderBy(byteOrder(db, pendingStormAlerts.event), byteOrder(db, pendingStormAlerts.alertId))
}

export async function openAlertCounts(db: AnyDb): Promise<{pending: number; unplaceable: number}> {
  const {pendingStormAlerts} = db.t
  const query = () =>
    db.orm
      .select({state: pendingStormAlerts.state, n: count()})
      .from(pendingStormAlerts)
      .where(inArray(pendingStormAlerts.state, OPEN))
      .groupBy(pendingStormAlerts.state)
  const rows = db.dialect === 'sqlite' ? preparedOnce(db, 'storm-alerts:open-counts', () => query().prepare()).all() : await query()
  const of = (state: StormAlertState) => rows.find((r) => r.state === state)?.n ?? 0
  return {pending: of('pending'), unplaceable: of('unplaceable')}
}

/** The outline a storm zone already has, by external id (an alert whose outlines are unavailable this run keeps it). */
export async function storedStormGeometry(db: AnyDb, externalIds: string[]): Promise<Map<string, ZoneGeometry>> {
  const {safetyZones} = db.t
  const out = new Map<string, ZoneGeometry>()
  for (let i = 0; i < externalIds.length; i += CHUNK) {
    const rows = await db.orm
      .select({externalId: safetyZones.externalId, geometry: safetyZones.geometry})
      .from(safetyZones)
      .where(and(eq(safetyZones.kind, 'storm'), eq(safetyZones.origin, 'ingest'), inArray(safetyZones.externalId, externalIds.slice(i, i + CHUNK))))
    for (const r of rows) out.set(r.externalId, r.geometry as ZoneGeometry)
  }
  return out
}

/** Active storm zones from NWS that have not ended: what serves when NWS is unavailable. */
export async function heldStormZones(db: AnyDb, now: number): Promise<Array<{id: number; observedAt: number}>> {
  const {safetyZones} = db.t
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
    .orderBy(asc(safetyZones.id))
}

/**
 * Brings storm zones from NWS up to `now`, whatever NWS answered: a zone whose alert has ended becomes
 * inactive (detection then resolves its events), and an upcoming zone whose onset has come stops being
 * marked upcoming.
 */
export async function settleStormZones(db: AnyDb, now: number): Promise<{ended: number; begun: number}> {
  const {safetyZones} = db.t
  const m = safetyZones.metadata
  // The metadata flag, read and cleared in each database's JSON functions.
  const upcoming = db.dialect === 'sqlite' ? sql`json_extract(${m}, '$.upcoming') = 1` : sql`(${m} -> 'upcoming') = 'true'::jsonb`
  const cleared = db.dialect === 'sqlite' ? sql`json_set(${m}, '$.upcoming', json('false'))` : sql`jsonb_set(${m}, '{upcoming}', 'false'::jsonb)`
  return write(db, async () => {
    const ended = affectedRows(
      await db.orm
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
        ),
    )
    const begun = affectedRows(
      await db.orm
        .update(safetyZones)
        .set({metadata: cleared, updatedAt: now})
        .where(and(eq(safetyZones.kind, 'storm'), eq(safetyZones.origin, 'ingest'), eq(safetyZones.active, true), lte(safetyZones.validFrom, now), upcoming)),
    )
    return {ended, begun}
  })
}

/**
 * Storm zones from NWS used to be stored as `nws:<alert id>`; their external id is now the alert id itself.
 * Renaming keeps the zones (and their open events) instead of replacing them with new rows.
 */
export async function adoptLegacyStormIds(db: AnyDb): Promise<number> {
  const {safetyZones} = db.t
  return write(db, async () =>
    affectedRows(
      await db.orm
        .update(safetyZones)
        .set({externalId: sql`substr(${safetyZones.externalId}, 5)`})
        .where(and(eq(safetyZones.kind, 'storm'), eq(safetyZones.origin, 'ingest'), sql`${safetyZones.externalId} LIKE 'nws:%'`)),
    ),
  )
}
