// Rows past their retention, deleted for cleanup, on either database: positions and congestion snapshots by
// when they were stored, resolved events by when they were resolved, the rest by when they were made. Each
// delete returns how many rows went; the caller holds them in one write transaction.
import {and, isNotNull, lt, ne} from 'drizzle-orm'

import {affectedRows} from './query.js'
import type {AnyDb} from './transaction.js'

export async function deletePositionsStoredBefore(db: AnyDb, before: number): Promise<number> {
  const {vesselPositions} = db.t
  return affectedRows(await db.orm.delete(vesselPositions).where(lt(vesselPositions.receivedAt, before)))
}

/** Reports the track rule discarded, by when they were received (they age with the positions). */
export async function deleteDiscardedPositionsStoredBefore(db: AnyDb, before: number): Promise<number> {
  const {discardedPositions} = db.t
  return affectedRows(await db.orm.delete(discardedPositions).where(lt(discardedPositions.receivedAt, before)))
}

export async function deleteSnapshotsStoredBefore(db: AnyDb, before: number): Promise<number> {
  const {portCongestion} = db.t
  return affectedRows(await db.orm.delete(portCongestion).where(lt(portCongestion.createdAt, before)))
}

export async function deleteNotificationsMadeBefore(db: AnyDb, before: number): Promise<number> {
  const {notifications} = db.t
  return affectedRows(await db.orm.delete(notifications).where(lt(notifications.createdAt, before)))
}

/** Safety events resolved before `before`; open events stay, however old. */
export async function deleteSafetyEventsResolvedBefore(db: AnyDb, before: number): Promise<number> {
  const {safetyEvents} = db.t
  return affectedRows(await db.orm.delete(safetyEvents).where(and(isNotNull(safetyEvents.resolvedAt), lt(safetyEvents.resolvedAt, before))))
}

/** Alert events resolved before `before`; open ones stay. */
export async function deleteAlertEventsResolvedBefore(db: AnyDb, before: number): Promise<number> {
  const {alertEvents} = db.t
  return affectedRows(await db.orm.delete(alertEvents).where(and(isNotNull(alertEvents.resolvedAt), lt(alertEvents.resolvedAt, before))))
}

/** Job runs started before `before`, except those still running. */
export async function deleteJobRunsStartedBefore(db: AnyDb, before: number): Promise<number> {
  const {jobRuns} = db.t
  return affectedRows(await db.orm.delete(jobRuns).where(and(ne(jobRuns.status, 'running'), lt(jobRuns.startedAt, before))))
}

/** Providers' per-window call counts of windows starting before `before`. */
export async function deleteUsageWindowsBefore(db: AnyDb, before: number): Promise<number> {
  const {providerUsage} = db.t
  return affectedRows(await db.orm.delete(providerUsage).where(lt(providerUsage.windowStart, before)))
}
