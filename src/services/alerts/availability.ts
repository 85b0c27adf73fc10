// Providers going down and coming back, as alert events: the health-check job's probes open one event when a
// provider's probe fails while none is open (down), and when it answers again resolve that event and record
// one more for the return (up, resolved as it is opened). Both go to every ADMIN through the alert
// worker's own notifications (database copy, webhook copy), once per transition. The events belong to one
// rule, `provider availability` (provider.up == 0 over every provider), made on the first run;
// `alerts disable <id>` silences them.
import type {Context} from '../context.js'
import {type AlertRule, alertRulesById, insertAlertEvents, insertAlertRule, type NewAlertEvent, openAlertEvents, resolveAlertEvents} from '../db/alerts.js'
import {write} from '../db/transaction.js'
import {notifyAlertWatchers, type OpenedEvent} from './evaluate.js'

export const AVAILABILITY_RULE = {name: 'provider availability', metric: 'provider.up'} as const

export interface ProviderProbeOutcome {
  provider: string
  up: boolean
  at: number
  error: string | null
}

export interface AvailabilityTransition {
  provider: string
  transition: 'down' | 'up'
  alert_event_id: number
  error: string | null
}

async function availabilityRule(ctx: Context): Promise<AlertRule> {
  const found = (await alertRulesById(ctx.db)).find((r) => r.name === AVAILABILITY_RULE.name && r.metric === AVAILABILITY_RULE.metric)
  if (found) return found
  const now = ctx.clock.now()
  return insertAlertRule(ctx.db, {
    ...AVAILABILITY_RULE,
    targetKind: 'provider',
    targetId: null,
    operator: '==',
    threshold: 0,
    severity: 'high',
    enabled: true,
    freshnessSeconds: null,
    createdAt: now,
    updatedAt: now,
  })
}

/**
 * Opens and resolves the events the probes' outcomes call for, and notifies ADMINs of each, in one
 * transaction (the caller delivers the webhook copies once it has committed). A provider whose first probe
 * fails is down; one whose first probe answers has not changed.
 */
export async function raiseAvailabilityAlerts(ctx: Context, outcomes: ProviderProbeOutcome[]): Promise<{transitions: AvailabilityTransition[]; notifications: number}> {
  return write(ctx.db, async () => {
    const rule = await availabilityRule(ctx)
    if (!rule.enabled || outcomes.length === 0) return {transitions: [], notifications: 0}
    const now = ctx.clock.now()
    const open = new Map((await openAlertEvents(ctx.db)).filter((e) => e.alertId === rule.id).map((e) => [e.target, e]))
    const changed = outcomes.filter((o) => (o.up ? open.has(o.provider) : !open.has(o.provider)))
    if (changed.length === 0) return {transitions: [], notifications: 0}
    // The down event ends first: only one event of a rule and target may be open.
    await resolveAlertEvents(ctx.db, changed.filter((o) => o.up).map((o) => ({id: open.get(o.provider)!.id, value: 1})), now)
    const rows: NewAlertEvent[] = changed.map((o) => ({
      alertId: rule.id,
      target: o.provider,
      currentValue: o.up ? 1 : 0,
      thresholdValue: o.up ? 1 : 0,
      operator: '==',
      metric: AVAILABILITY_RULE.metric,
      metadata: JSON.stringify({
        severity: o.up ? 'low' : rule.severity,
        rule: rule.name,
        observed_at: new Date(o.at).toISOString(),
        target_kind: 'provider',
        transition: o.up ? 'up' : 'down',
        ...(o.error ? {error: o.error} : {}),
      }),
    }))
    const stored = await insertAlertEvents(ctx.db, rows, now)
    // The return is a moment, not a state: its event is closed as it is opened.
    await resolveAlertEvents(ctx.db, stored.filter((s) => changed[s.row].up).map((s) => ({id: s.id, value: 1})), now)
    const opened: OpenedEvent[] = stored.map((s) => ({
      id: s.id,
      trigger: {rule, target: changed[s.row].provider, reading: {value: changed[s.row].up ? 1 : 0, at: changed[s.row].at}},
    }))
    const notifications = await notifyAlertWatchers(ctx, opened)
    const transitions = stored.map((s) => ({provider: changed[s.row].provider, transition: changed[s.row].up ? ('up' as const) : ('down' as const), alert_event_id: s.id, error: changed[s.row].error}))
    return {transitions, notifications}
  })
}
