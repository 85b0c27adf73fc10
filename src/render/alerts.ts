// Alert rules and cycle plans as tables, and the JSON they are returned as.
import type {CyclePlan} from '../services/alerts/evaluate.js'
import type {AlertRule} from '../services/db/schema.js'
import {table} from './terminal.js'

export function describeRule(rule: AlertRule): string {
  return `${rule.metric} of ${rule.targetId === null ? `every ${rule.targetKind}` : `${rule.targetKind} ${rule.targetId}`} ${rule.operator} ${rule.threshold}`
}

export function renderAlertPlan(plan: CyclePlan): {text: string; json: Record<string, unknown>} {
  const open = plan.open.map((t) => ({rule: t.rule.id, metric: t.rule.metric, target: t.target, value: t.reading.value, operator: t.rule.operator, threshold: t.rule.threshold, severity: t.rule.severity}))
  const resolve = plan.resolve.map((r) => ({event: r.event.id, rule: r.event.alertId, metric: r.event.metric, target: r.event.target, value: r.value}))
  const rows = [
    ...open.map((o) => ['would open', String(o.rule), o.metric, o.target, `${o.value} ${o.operator} ${o.threshold}`]),
    ...resolve.map((r) => ['would resolve', String(r.rule), r.metric, r.target, `now ${r.value}`]),
  ]
  const head = `dry run (nothing written): ${plan.rulesEvaluated} rules evaluated, ${open.length} would open, ${resolve.length} would resolve, ${plan.skippedStale} stale readings skipped, ${plan.skippedMissing} targets without a reading`
  return {
    text: rows.length > 0 ? `${table(['action', 'rule', 'metric', 'target', 'value'], rows)}\n${head}` : head,
    json: {dry_run: true, rules_evaluated: plan.rulesEvaluated, would_open: open, would_resolve: resolve, skipped_stale: plan.skippedStale, skipped_missing: plan.skippedMissing},
  }
}

export function renderRules(rules: AlertRule[]): string {
  if (rules.length === 0) return 'no alert rules'
  return table(
    ['id', 'enabled', 'severity', 'rule', 'name'],
    rules.map((r) => [String(r.id), r.enabled ? 'yes' : 'no', r.severity, describeRule(r), r.name ?? '-']),
  )
}
