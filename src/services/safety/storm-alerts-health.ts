// Health's view of marine alerts: degraded while a warning in force has no outline to place it by. Kept
// apart from the storm refresh so health loads no provider or geometry code.
import type {StormAlertsHealth} from '../../schemas/health.js'
import type {Context} from '../context.js'
import {openAlertCounts, warningsWithoutOutline} from '../db/storm-alerts.js'

/** How many warnings a health reason names before it says "and N more". */
const NAMED = 5


/** Degraded while a marine warning in force (or yet to begin) has no outline: a storm harbormaster cannot place. */
export async function stormAlertsHealth(ctx: Context): Promise<StormAlertsHealth> {
  const warnings = await warningsWithoutOutline(ctx.db, ctx.clock.now())
  const open = await openAlertCounts(ctx.db)
  const base = {alerts_waiting: open.pending, alerts_unplaceable: open.unplaceable, warnings_without_outline: warnings.length}
  if (warnings.length === 0) return {status: 'healthy', ...base}
  const named = warnings.slice(0, NAMED).map((w) => `${w.event}${w.area ? ` for ${w.area}` : ''} (${w.alertId}): ${w.reason}`)
  const more = warnings.length > NAMED ? `; and ${warnings.length - NAMED} more` : ''
  return {status: 'degraded', ...base, reason: `${warnings.length} marine warning(s) without an outline: ${named.join('; ')}${more}`}
}
