// Cleanup every 6 h: expired cache entries, and positions (with the vessel stops made from them),
// congestion snapshots (with their daily medians), resolved events and alert events, notifications and
// job runs older than their retention. Exactly what is past retention.
// Positions and snapshots age from when they were stored (a shipped capture of 2023 is not deleted on
// arrival); events from when they were resolved; the rest from when they were made.
import {and, isNotNull, lt, ne} from 'drizzle-orm'

import {purgeExpired} from '../cache/api-cache.js'
import type {Context} from '../context.js'
import {writeTransaction} from '../db/client.js'
import {deleteDailyBefore} from '../db/port-congestion.js'
import {alertEvents, jobRuns, notifications, portCongestion, safetyEvents, vesselPositions} from '../db/schema.js'
import {deleteStopsEndedBefore} from '../db/vessel-stops.js'

/** Expired cache entries are kept this long as a stale fallback before they go. */
const CACHE_GRACE_MS = 7 * 86_400_000

export interface CleanupSummary {
  success: true
  deleted: Record<string, number>
}

export async function runCleanup(ctx: Context): Promise<CleanupSummary> {
  const now = ctx.clock.now()
  const days = (n: number) => now - n * 86_400_000
  const {orm} = ctx.db
  const c = ctx.config
  const deleted: Record<string, number> = {}
  deleted.api_cache = purgeExpired(ctx.db, now, CACHE_GRACE_MS)
  writeTransaction(ctx.db, () => {
    deleted.vessel_positions = orm.delete(vesselPositions).where(lt(vesselPositions.receivedAt, days(c.retentionPositionsDays))).run().changes
    deleted.vessel_stops = deleteStopsEndedBefore(ctx.db, days(c.retentionPositionsDays))
    deleted.port_congestion = orm.delete(portCongestion).where(lt(portCongestion.createdAt, days(c.retentionSnapshotsDays))).run().changes
    deleted.port_congestion_daily = deleteDailyBefore(ctx.db, days(c.retentionSnapshotsDays))
    deleted.notifications = orm.delete(notifications).where(lt(notifications.createdAt, days(c.retentionNotificationsDays))).run().changes
    deleted.safety_events = orm
      .delete(safetyEvents)
      .where(and(isNotNull(safetyEvents.resolvedAt), lt(safetyEvents.resolvedAt, days(c.retentionEventsDays))))
      .run().changes
    deleted.alert_events = orm
      .delete(alertEvents)
      .where(and(isNotNull(alertEvents.resolvedAt), lt(alertEvents.resolvedAt, days(c.retentionEventsDays))))
      .run().changes
    deleted.job_runs = orm
      .delete(jobRuns)
      .where(and(ne(jobRuns.status, 'running'), lt(jobRuns.startedAt, days(c.retentionJobRunsDays))))
      .run().changes
  })
  const total = Object.values(deleted).reduce((a, b) => a + b, 0)
  ctx.logger.info(`cleanup deleted ${total} rows`, deleted)
  return {success: true, deleted}
}
