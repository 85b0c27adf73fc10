// Alert rules and cycle plans as tables and sentences.
import type {AlertPlanView, AlertRuleView} from '../schemas/alerts.js'
import {type Painter, table} from './terminal.js'

export function describeRule(rule: AlertRuleView): string {
  return `${rule.metric} of ${rule.target_id === null ? `every ${rule.target_kind}` : `${rule.target_kind} ${rule.target_id}`} ${rule.operator} ${rule.threshold}`
}

export function renderAlertPlan(plan: AlertPlanView, p?: Painter): string {
  const rows = [
    ...plan.would_open.map((o) => ['would open', String(o.rule), o.metric, o.target, `${o.value} ${o.operator} ${o.threshold}`]),
    ...plan.would_resolve.map((r) => ['would resolve', String(r.rule), r.metric, r.target, `now ${r.value}`]),
  ]
  const head = `dry run (nothing written): ${plan.rules_evaluated} rules evaluated, ${plan.would_open.length} would open, ${plan.would_resolve.length} would resolve, ${plan.skipped_stale} stale readings skipped, ${plan.skipped_missing} targets without a reading`
  return rows.length > 0 ? `${table(['action', 'rule', 'metric', 'target', 'value'], rows, p)}\n${head}` : head
}

export function renderRules(rules: AlertRuleView[], p?: Painter): string {
  if (rules.length === 0) return 'no alert rules'
  return table(
    ['id', 'enabled', 'severity', 'rule', 'name'],
    rules.map((r) => [String(r.id), r.enabled ? 'yes' : 'no', r.severity, describeRule(r), r.name ?? '-']),
    p,
  )
}
