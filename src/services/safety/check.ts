// check-events: detection on its own, through the runner (sharing the safety job's lease, since both
// write events), or as a dry run that only reads and writes nothing at all.
import type {EventCheckResult, EventLine} from '../../schemas/safety.js'
import type {Context} from '../context.js'
import {CHECK_EVENTS_JOB} from '../jobs/names.js'
import {runJob} from '../jobs/runner.js'
import {applyDetection, type DetectionPlan, planDetection} from './detect.js'
import {deliverWebhooks} from './webhooks.js'


export type {EventCheckResult, EventLine} from '../../schemas/safety.js'

function resolvedLines(plan: DetectionPlan): EventLine[] {
  return plan.resolve.map((e) => ({id: e.id, type: e.type, title: e.title, dedupe_key: e.dedupeKey}))
}

export async function checkEvents(ctx: Context, options: {dryRun?: boolean} = {}): Promise<EventCheckResult> {
  if (options.dryRun) {
    const plan = await planDetection(ctx)
    return {
      dry_run: true,
      status: 'dry_run',
      events_created: plan.create.length,
      events_resolved: plan.resolve.length,
      notifications_created: 0,
      created: plan.create.map((d) => ({type: d.type, severity: d.severity, title: d.title, source: d.source, dedupe_key: d.dedupeKey})),
      resolved: resolvedLines(plan),
      vessels_checked: plan.vessels_checked,
      zones_checked: plan.zones_checked,
    }
  }

  let detail: Omit<EventCheckResult, 'dry_run' | 'status'> | undefined
  const outcome = await runJob(
    ctx,
    CHECK_EVENTS_JOB,
    async (c) => {
      const plan = await planDetection(c)
      const result = await applyDetection(c, plan)
      const webhooks = await deliverWebhooks(c)
      detail = {
        webhooks,
        events_created: result.created.length,
        events_resolved: result.resolved,
        notifications_created: result.notifications,
        created: result.created.map((e) => ({id: e.id, type: e.type, severity: e.severity, title: e.title, source: e.source, dedupe_key: e.dedupeKey})),
        resolved: resolvedLines(plan),
        vessels_checked: plan.vessels_checked,
        zones_checked: plan.zones_checked,
      }
      return {
        success: true,
        events_created: detail.events_created,
        events_resolved: detail.events_resolved,
        notifications_created: detail.notifications_created,
      }
    },
    {lockName: 'safety'},
  )
  const empty = {events_created: 0, events_resolved: 0, notifications_created: 0, created: [], resolved: [], vessels_checked: 0, zones_checked: 0}
  if (outcome.status === 'success' && detail) return {dry_run: false, status: 'success', ...detail}
  return {dry_run: false, status: outcome.status, ...empty, reason: outcome.skipReason ?? outcome.error}
}
