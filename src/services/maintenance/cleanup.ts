// Cleanup every 6 h: expired cache entries, and positions (with the vessel stops made from them),
// congestion snapshots (with their daily medians), resolved events and alert events, notifications and
// job runs older than their retention. Exactly what is past retention.
// Positions and snapshots age from when they were stored (a shipped capture of 2023 is not deleted on
// arrival); events from when they were resolved; the rest from when they were made.
import type {CleanupJobSummary} from '../../schemas/job-summaries.js'
import {and, isNotNull, lt, ne} from 'drizzle-orm'

import {purgeExpired} from '../cache/api-cache.js'
import type {Context} from '../context.js'
import {write} from '../db/transaction.js'
import {deleteDailyBefore} from '../db/port-congestion.js'
import {alertEvents, jobRuns, notifications, portCongestion, safetyEvents, vesselPositions} from '../db/schema.js'
import {deleteStopsEndedBefore} from '../db/vessel-stops.js'

/** Expired cache entries are kept this long as a stale fallback before they go. */
const CACHE_GRACE_MS = 7 * 86_400_000

export type {CleanupJobSummary} from '../../schemas/job-summaries.js'

export async function runCleanup(ctx: Context): Promise<CleanupJobSummary> {
  const now = ctx.clock.now()
  const days = (n: number) => now - n * 86_400_000
  const {orm} = ctx.db
  const c = ctx.config
  const apiCache = purgeExpired(ctx.db, now, CACHE_GRACE_MS)
  const deleted: CleanupJobSummary['deleted'] = await write(ctx.db, async () => ({
    api_cache: apiCache,
    vessel_positions: orm.delete(vesselPositions).where(lt(vesselPositions.receivedAt, days(c.retentionPositionsDays))).run().changes,
    vessel_stops: await deleteStopsEndedBefore(ctx.db, days(c.retentionPositionsDays)),
    port_congestion: orm.delete(portCongestion).where(lt(portCongestion.createdAt, days(c.retentionSnapshotsDays))).run().changes,
    port_congestion_daily: await deleteDailyBefore(ctx.db, days(c.retentionSnapshotsDays)),
    notifications: orm.delete(notifications).where(lt(notifications.createdAt, days(c.retentionNotificationsDays))).run().changes,
    safety_events: orm
      .delete(safetyEvents)
      .where(and(isNotNull(safetyEvents.resolvedAt), lt(safetyEvents.resolvedAt, days(c.retentionEventsDays))))
      .run().changes,
    alert_events: orm
      .delete(alertEvents)
      .where(and(isNotNull(alertEvents.resolvedAt), lt(alertEvents.resolvedAt, days(c.retentionEventsDays))))
      .run().changes,
    job_runs: orm
      .delete(jobRuns)
      .where(and(ne(jobRuns.status, 'running'), lt(jobRuns.startedAt, days(c.retentionJobRunsDays))))
      .run().changes,
  }))
  const total = Object.values(deleted).reduce((a, b) => a + b, 0)
  ctx.logger.info(`cleanup deleted ${total} rows`, deleted)
  return {success: true, deleted}
}
