// Cleanup every 6 h: expired cache entries, and positions (with the vessel stops made from them and the
// reports the track rule discarded), congestion snapshots (with their daily medians), resolved events and
// alert events, notifications, job runs and health-check probes older than their retention, and providers' call
// counts of closed months. Exactly what is past retention.
// Positions and snapshots age from when they were stored (a shipped capture of 2023 is not deleted on
// arrival); events from when they were resolved; the rest from when they were made. With HARBORMASTER_ARCHIVE=on
// positions, resolved events and notifications of a month not archived yet stay.
import type {CleanupJobSummary} from '../../schemas/job-summaries.js'

import {purgeExpired} from '../cache/api-cache.js'
import type {Context} from '../context.js'
import {deleteDailyBefore} from '../db/port-congestion.js'
import {
  deleteAlertEventsResolvedBefore,
  deleteDiscardedPositionsStoredBefore,
  deleteJobRunsStartedBefore,
  deleteNotificationsMadeBefore,
  deletePositionsStoredBefore,
  deleteSafetyEventsResolvedBefore,
  deleteSnapshotsStoredBefore,
  deleteUsageWindowsBefore,
} from '../db/retention.js'
import {deleteProbesBefore} from '../db/provider-probes.js'
import {latestClosedMonth} from '../db/provider-usage-months.js'
import {quotaWindowOf} from '../providers/usage.js'
import {write} from '../db/transaction.js'
import {deletableBefore} from './archive.js'
import {deleteStopsEndedBefore} from '../db/vessel-stops.js'

/** Expired cache entries are kept this long as a stale fallback before they go. */
const CACHE_GRACE_MS = 7 * 86_400_000

export type {CleanupJobSummary} from '../../schemas/job-summaries.js'

export async function runCleanup(ctx: Context): Promise<CleanupJobSummary> {
  const now = ctx.clock.now()
  const days = (n: number) => now - n * 86_400_000
  const {db} = ctx
  const c = ctx.config
  const apiCache = await purgeExpired(db, now, CACHE_GRACE_MS)
  // Call counts go only once their month's totals are recorded (quota-reset): the history is never lost.
  const closedMonth = await latestClosedMonth(db)
  const usageBefore = closedMonth === null ? 0 : Math.min(days(c.retentionProviderUsageDays), quotaWindowOf('month', closedMonth).end)
  // One transaction, the deletes one after another in this order.
  const deleted: CleanupJobSummary['deleted'] = await write(db, async () => {
    const positionsBefore = await deletableBefore(ctx, 'vessel_positions', days(c.retentionPositionsDays))
    return {
      api_cache: apiCache,
      vessel_positions: await deletePositionsStoredBefore(db, positionsBefore),
      discarded_positions: await deleteDiscardedPositionsStoredBefore(db, positionsBefore),
      vessel_stops: await deleteStopsEndedBefore(db, positionsBefore),
      port_congestion: await deleteSnapshotsStoredBefore(db, days(c.retentionSnapshotsDays)),
      port_congestion_daily: await deleteDailyBefore(db, days(c.retentionSnapshotsDays)),
      notifications: await deleteNotificationsMadeBefore(db, await deletableBefore(ctx, 'notifications', days(c.retentionNotificationsDays))),
      safety_events: await deleteSafetyEventsResolvedBefore(db, await deletableBefore(ctx, 'safety_events', days(c.retentionEventsDays))),
      alert_events: await deleteAlertEventsResolvedBefore(db, await deletableBefore(ctx, 'alert_events', days(c.retentionEventsDays))),
      job_runs: await deleteJobRunsStartedBefore(db, days(c.retentionJobRunsDays)),
      provider_probes: await deleteProbesBefore(db, days(c.retentionProbesDays)),
      provider_usage: await deleteUsageWindowsBefore(db, usageBefore),
    }
  })
  const total = Object.values(deleted).reduce((a, b) => a + b, 0)
  ctx.logger.info(`cleanup deleted ${total} rows`, deleted)
  return {success: true, deleted}
}
