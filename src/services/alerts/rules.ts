// Alert rules: validated on the way in (a known metric, an operator, a numeric threshold, a target that
// exists and is of the metric's kind), then enabled, disabled or removed by id.
import type {Context} from '../context.js'
import {alertRulesById, deleteAlertRule, insertAlertRule, type NewAlertRule, setAlertRuleEnabled} from '../db/alerts.js'
import {ALERT_OPERATORS, type AlertOperator, SEVERITIES, type Severity} from '../db/model.js'
import {zoneExists} from '../db/zones.js'
import {usageError} from '../errors.js'
import {RECORDED_JOB_NAMES} from '../jobs/names.js'
import {PROVIDERS} from '../providers/registry.js'
import {findPort} from '../users/watchlists.js'
import type {AlertRuleView} from '../../schemas/alerts.js'
import {METRICS} from './metrics.js'
import {ruleView} from './views.js'

export interface RuleInput {
  metric: string
  /** `all`, or `kind:id` — port:GRPIR, vessel:240205400, zone:12, job:vessels, provider:nws. */
  target: string
  operator: string
  threshold: string
  severity?: string
  name?: string
  freshnessSeconds?: number
  enabled?: boolean
}

/** Checks a rule and resolves its target; throws a usage error that names the problem and the choices. */
export async function validateRule(ctx: Context, input: RuleInput): Promise<NewAlertRule> {
  const metric = METRICS[input.metric]
  if (!metric) throw usageError(`unknown metric ${JSON.stringify(input.metric)}`, `choose one of ${Object.keys(METRICS).join(', ')}`)
  if (!ALERT_OPERATORS.includes(input.operator as AlertOperator)) {
    throw usageError(`unknown operator ${JSON.stringify(input.operator)}`, `choose one of ${ALERT_OPERATORS.join(' ')} (quote > and < in the shell)`)
  }
  const threshold = Number(input.threshold)
  if (input.threshold.trim() === '' || !Number.isFinite(threshold)) throw usageError(`threshold ${JSON.stringify(input.threshold)} is not a number`)
  const severity = (input.severity ?? 'medium').toLowerCase() as Severity
  if (!SEVERITIES.includes(severity)) throw usageError(`severity ${JSON.stringify(input.severity)} is not one of ${SEVERITIES.join(', ')}`)
  if (input.freshnessSeconds !== undefined && !(input.freshnessSeconds > 0)) throw usageError('freshness must be a positive number of seconds')

  let targetId: string | null = null
  if (input.target !== 'all') {
    const [kind, ...rest] = input.target.split(':')
    const ref = rest.join(':')
    if (kind !== metric.kind || !ref) {
      throw usageError(`target ${JSON.stringify(input.target)} does not fit ${metric.name}`, `use all or ${metric.kind}:<id>`)
    }
    targetId = await resolveTarget(ctx, metric.kind, ref)
  }
  const now = ctx.clock.now()
  return {
    name: input.name ?? null,
    metric: metric.name,
    targetKind: metric.kind,
    targetId,
    operator: input.operator as AlertOperator,
    threshold,
    severity,
    enabled: input.enabled ?? true,
    freshnessSeconds: input.freshnessSeconds ?? null,
    createdAt: now,
    updatedAt: now,
  }
}

async function resolveTarget(ctx: Context, kind: string, ref: string): Promise<string> {
  switch (kind) {
    case 'port': {
      const port = await findPort(ctx, ref)
      if (!port) throw usageError(`no port ${ref}`, 'use a UN/LOCODE (GRPIR) or World Port Index number')
      return String(port.id)
    }
    case 'vessel':
      if (!/^\d{9}$/.test(ref)) throw usageError(`MMSI ${JSON.stringify(ref)} is not 9 digits`)
      return ref
    case 'zone':
      if (!/^\d+$/.test(ref) || !(await zoneExists(ctx.db, Number(ref)))) {
        throw usageError(`no zone ${ref}`, 'zone ids are in the safety_zones table')
      }
      return ref
    case 'job':
      if (!(RECORDED_JOB_NAMES as readonly string[]).includes(ref)) throw usageError(`no job ${ref}`, `choose one of ${RECORDED_JOB_NAMES.join(', ')}`)
      return ref
    default:
      if (!PROVIDERS[ref]) throw usageError(`no provider ${ref}`, `choose one of ${Object.keys(PROVIDERS).join(', ')}`)
      return ref
  }
}

export async function addRule(ctx: Context, input: RuleInput): Promise<AlertRuleView> {
  const values = await validateRule(ctx, input)
  return ruleView(await insertAlertRule(ctx.db, values))
}

export async function listRules(ctx: Context): Promise<AlertRuleView[]> {
  return (await alertRulesById(ctx.db)).map(ruleView)
}

export async function setRuleEnabled(ctx: Context, id: number, enabled: boolean) {
  if (!(await setAlertRuleEnabled(ctx.db, id, enabled, ctx.clock.now()))) throw usageError(`no alert rule ${id}`, 'see `harbormaster alerts list`')
  return {id, enabled}
}

export async function removeRule(ctx: Context, id: number) {
  if (!(await deleteAlertRule(ctx.db, id))) throw usageError(`no alert rule ${id}`, 'see `harbormaster alerts list`')
  return {removed: id}
}
