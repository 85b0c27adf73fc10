// Threshold alert rules and the alert worker: rules as listed and added, a dry run's plan, a run's statistics.
import {z} from 'zod'

import {ALERT_OPERATORS, SEVERITIES} from '../services/db/schema.js'
import {METRIC_NAMES} from '../services/alerts/metric-names.js'
import {count, utcTime} from './common.js'

export const TARGET_KINDS = ['port', 'vessel', 'zone', 'job', 'provider'] as const

export const alertRule = z.object({
  id: count,
  name: z.string().nullable(),
  metric: z.enum(METRIC_NAMES),
  target_kind: z.enum(TARGET_KINDS),
  target_id: z.string().nullable().describe('null: every target of its kind'),
  operator: z.enum(ALERT_OPERATORS),
  threshold: z.number(),
  severity: z.enum(SEVERITIES),
  enabled: z.boolean(),
  freshness_seconds: count.nullable().describe("readings older than this are skipped; null: the metric's default"),
  created_at: utcTime,
  updated_at: utcTime,
})
export type AlertRuleView = z.infer<typeof alertRule>
export const alertRuleList = z.object({rules: z.array(alertRule)})
export const ruleEnabled = z.object({id: count, enabled: z.boolean()})
export const ruleRemoved = z.object({removed: count})

/** alert-worker --dry-run: what one cycle would open and resolve. */
export const alertPlan = z.object({
  dry_run: z.literal(true),
  rules_evaluated: count,
  would_open: z.array(
    z.object({
      rule: count,
      metric: z.enum(METRIC_NAMES),
      target: z.string(),
      value: z.number(),
      operator: z.enum(ALERT_OPERATORS),
      threshold: z.number(),
      severity: z.enum(SEVERITIES),
    }),
  ),
  would_resolve: z.array(z.object({event: count, rule: count, metric: z.string(), target: z.string(), value: z.number()})),
  skipped_stale: count,
  skipped_missing: count,
})
export type AlertPlanView = z.infer<typeof alertPlan>

/** What the alert worker did between its start and its stop. */
export const workerStats = z.object({
  started_at: utcTime,
  uptime_seconds: z.number().nonnegative(),
  cycles: count,
  rules_evaluated: count,
  triggered: count,
  resolved: count,
  skipped: count,
  errors: count,
  last_cycle_ms: z.number().nonnegative().nullable(),
  notifications: count,
})
export type WorkerStats = z.infer<typeof workerStats>
