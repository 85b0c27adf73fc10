// Alert rules and cycle plans as --json and the API show them: snake_case keys, times in ISO 8601 UTC.
import type {AlertPlanView, AlertRuleView} from '../../schemas/alerts.js'
import type {Context} from '../context.js'
import type {AlertRule} from '../db/schema.js'
import {type CyclePlan, planCycle} from './evaluate.js'

export function ruleView(rule: AlertRule): AlertRuleView {
  return {
    id: rule.id,
    name: rule.name,
    // Stored as text; checked against the metrics (and their kinds) when the rule was added.
    metric: rule.metric as AlertRuleView['metric'],
    target_kind: rule.targetKind as AlertRuleView['target_kind'],
    target_id: rule.targetId,
    operator: rule.operator,
    threshold: rule.threshold,
    severity: rule.severity,
    enabled: rule.enabled,
    freshness_seconds: rule.freshnessSeconds,
    created_at: new Date(rule.createdAt).toISOString(),
    updated_at: new Date(rule.updatedAt).toISOString(),
  }
}

export function planView(plan: CyclePlan): AlertPlanView {
  return {
    dry_run: true,
    rules_evaluated: plan.rulesEvaluated,
    would_open: plan.open.map((t) => ({
      rule: t.rule.id,
      metric: t.rule.metric as AlertRuleView['metric'],
      target: t.target,
      value: t.reading.value,
      operator: t.rule.operator,
      threshold: t.rule.threshold,
      severity: t.rule.severity,
    })),
    would_resolve: plan.resolve.map((r) => ({event: r.event.id, rule: r.event.alertId, metric: r.event.metric, target: r.event.target, value: r.value})),
    skipped_stale: plan.skippedStale,
    skipped_missing: plan.skippedMissing,
  }
}

/** What one cycle would open and resolve; reads only. */
export async function dryRunCycle(ctx: Context): Promise<AlertPlanView> {
  return planView(await planCycle(ctx))
}
