// The quota monitor (every minute): each provider's use against its quota judged ahead of its next call. The
// verdict is stored in the provider's state, which the call path obeys: at 95 % the fallback serves, at 100 %
// the provider is not called; when the window resets the failover is lifted. Each threshold crossed raises one
// alert event per window, through the alert rules and events every other alert uses, notified to ADMINs.
import type {QuotaMonitorJobSummary} from '../../schemas/job-summaries.js'
import {iso} from '../clock.js'
import {quotasOf} from '../config.js'
import type {Context} from '../context.js'
import {type AlertEvent, type AlertRule, ensureAlertRule, openAlertEvents} from '../db/alerts.js'
import {type QuotaVerdict, quotaVerdicts, recordQuotaVerdict} from '../db/provider-state.js'
import type {QuotaMonitorState, Severity} from '../db/schema.js'
import {write} from '../db/transaction.js'
import {applyCycle, type Resolution, type Trigger} from '../alerts/evaluate.js'
import {PROVIDERS} from './registry.js'
import {checkQuota, percentUsed, QUOTA_THRESHOLDS} from './usage.js'

export type {QuotaMonitorJobSummary} from '../../schemas/job-summaries.js'

const METRIC = 'provider.quota_used_percent'
const SEVERITIES: Record<(typeof QUOTA_THRESHOLDS)[number]['percent'], Severity> = {80: 'medium', 95: 'high', 100: 'critical'}

/** The rule of each threshold, kept under its own name; an ADMIN may disable one (`alerts disable`) to silence it. */
async function thresholdRules(ctx: Context): Promise<Array<{percent: number; rule: AlertRule}>> {
  const now = ctx.clock.now()
  const rules = []
  for (const t of QUOTA_THRESHOLDS) {
    const rule = await ensureAlertRule(ctx.db, {
      name: `provider quota ${t.percent} %`,
      metric: METRIC,
      targetKind: 'provider',
      targetId: null,
      operator: '>=',
      threshold: t.percent,
      severity: SEVERITIES[t.percent],
      enabled: true,
      createdAt: now,
      updatedAt: now,
    })
    rules.push({percent: t.percent, rule})
  }
  return rules
}

const onFallback = (state: QuotaMonitorState | undefined) => state === 'switch' || state === 'blocked'

function actionOf(previous: QuotaMonitorState | undefined, next: QuotaMonitorState | null): QuotaMonitorJobSummary['providers'][number]['action'] {
  if (next === 'blocked' && previous !== 'blocked') return 'blocked'
  if (next === 'switch' && previous !== 'switch') return 'switched'
  if (!onFallback(next ?? undefined) && onFallback(previous)) return 'lifted'
  return 'unchanged'
}

export async function runQuotaMonitor(ctx: Context): Promise<QuotaMonitorJobSummary> {
  const now = ctx.clock.now()
  const quotas = quotasOf(ctx.config)
  const stored = await quotaVerdicts(ctx.db)
  // Providers with a quota, and any the monitor judged before whose quota has since been removed.
  const names = [...new Set([...Object.keys(PROVIDERS).filter((name) => quotas.has(name)), ...stored.keys()])]
  // Without a quota there is nothing to judge: no rules are added to a database that never had one.
  const rules = names.length > 0 ? await thresholdRules(ctx) : []
  const ruleIds = new Set(rules.map((r) => r.rule.id))
  // The open quota events, by rule, then provider.
  const open = new Map<number, Map<string, AlertEvent>>()
  for (const e of await openAlertEvents(ctx.db)) {
    if (!ruleIds.has(e.alertId)) continue
    const byProvider = open.get(e.alertId) ?? new Map<string, AlertEvent>()
    byProvider.set(e.target, e)
    open.set(e.alertId, byProvider)
  }

  const summary: QuotaMonitorJobSummary = {success: true, providers: [], failovers_started: 0, failovers_lifted: 0, alerts_opened: 0, alerts_resolved: 0, notifications: 0}
  const opening: Trigger[] = []
  const resolving: Resolution[] = []
  const verdicts = new Map<string, QuotaVerdict | null>()
  for (const provider of names) {
    const previous = stored.get(provider)?.state
    const check = await checkQuota(ctx, provider)
    if (check.limit === null || check.windowStart === null || check.resetsAt === null) {
      verdicts.set(provider, null)
      const action = actionOf(previous, null)
      summary.providers.push({provider, used: check.used, limit: null, percent: null, state: 'unlimited', window_start: null, window_resets_at: null, action})
      for (const {rule} of rules) {
        const event = open.get(rule.id)?.get(provider)
        if (event) resolving.push({event, value: 0})
      }
      continue
    }
    const state = check.state as QuotaMonitorState
    verdicts.set(provider, {state, windowStart: check.windowStart, resetsAt: check.resetsAt, used: check.used, limit: check.limit})
    const percent = percentUsed(check.used, check.limit)
    summary.providers.push({provider, used: check.used, limit: check.limit, percent, state, window_start: iso(check.windowStart), window_resets_at: iso(check.resetsAt), action: actionOf(previous, state)})

    for (const {percent: threshold, rule} of rules) {
      if (!rule.enabled) continue
      const event = open.get(rule.id)?.get(provider)
      // An event raised before this window began belongs to a window that is over.
      const current = event !== undefined && event.triggeredAt >= check.windowStart
      const crossed = check.used * 100 >= threshold * check.limit
      if (event && (!current || !crossed)) resolving.push({event, value: percent})
      if (crossed && !current) opening.push({rule, target: provider, reading: {value: percent, at: now}})
    }
  }

  await write(ctx.db, async () => {
    for (const [provider, verdict] of verdicts) await recordQuotaVerdict(ctx.db, provider, verdict, now)
    // Resolutions first: a threshold crossed again in a new window opens a new event for the same rule and provider.
    const resolved = await applyCycle(ctx, {rulesEvaluated: 0, open: [], resolve: resolving, skippedStale: 0, skippedMissing: 0})
    const opened = await applyCycle(ctx, {rulesEvaluated: rules.length, open: opening, resolve: [], skippedStale: 0, skippedMissing: 0})
    summary.alerts_resolved = resolved.resolved
    summary.alerts_opened = opened.opened.length
    summary.notifications = opened.notifications
  })
  for (const p of summary.providers) {
    if (p.action === 'blocked' || p.action === 'switched') {
      if (!onFallback(stored.get(p.provider)?.state)) summary.failovers_started++
      ctx.logger.warn(`${p.provider}: quota at ${p.percent} % (${p.used}/${p.limit}); ${p.action === 'blocked' ? 'blocked' : 'switched to the fallback'} until ${p.window_resets_at}`)
    } else if (p.action === 'lifted') {
      summary.failovers_lifted++
      ctx.logger.info(`${p.provider}: quota window reset; failover lifted`)
    }
  }
  return summary
}
