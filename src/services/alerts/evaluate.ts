// One evaluation cycle: read each metric once, compare every enabled rule with its targets' readings,
// and open an alert event where a threshold is crossed (one open event per rule and target) or resolve the
// open one when the value is back. Planning only reads, so a dry run shows what applying would write.
import type {Context} from '../context.js'
import {
  type AlertOperator,
  type AlertRule,
  alertRulesVersion,
  alertRulesWithIds,
  enabledRulesByMetric,
  insertAlertEvents,
  type MetadataAround,
  type NewAlertEvent,
  type OpenAlertEvent,
  openAlertEventKeys,
  resolveAlertEvents,
  type RulesOfMetric,
} from '../db/alerts.js'
import {type NotificationOf, storeNotifications} from '../db/notifications.js'
import {mapForCycles} from '../db/position-columns.js'
import {write} from '../db/transaction.js'
import {adminIds, allWatches} from '../db/users.js'
import {watchersOf} from '../safety/notify.js'
import {CycleData, type CycleMemory, METRICS, type MetricSpec, type Reading, type ReadingsWanted, type ValueRange} from './metrics.js'

export type {CycleMemory} from './metrics.js'

export interface Trigger {
  rule: AlertRule
  target: string
  reading: Reading
}

export interface Resolution {
  event: OpenAlertEvent
  value: number
}

export interface CyclePlan {
  rulesEvaluated: number
  open: Trigger[]
  resolve: Resolution[]
  /** Rule-target pairs whose reading was older than the freshness window. */
  skippedStale: number
  /** Rules whose target had no reading at all (unknown vessel, port without data). */
  skippedMissing: number
}

export function compare(value: number, operator: AlertOperator, threshold: number): boolean {
  switch (operator) {
    case '>':
      return value > threshold
    case '<':
      return value < threshold
    case '>=':
      return value >= threshold
    case '<=':
      return value <= threshold
    case '==':
      return value === threshold
    case '!=':
      return value !== threshold
  }
}

/** Widens `range` to the values `operator` `threshold` holds for (a superset: `==` as at least the threshold). */
function widenToCrossings(range: ValueRange, operator: AlertOperator, threshold: number): void {
  switch (operator) {
    case '>':
    case '>=':
    case '==':
      range.atLeast = Math.min(range.atLeast, threshold)
      return
    case '<':
    case '<=':
      range.atMost = Math.max(range.atMost, threshold)
      return
    case '!=':
      range.atLeast = Number.NEGATIVE_INFINITY
  }
}

/** The enabled rules, from `memory` while they have not changed since it kept them. */
async function enabledRules(ctx: Context, memory: CycleMemory | undefined): Promise<RulesOfMetric[]> {
  if (!memory) return enabledRulesByMetric(ctx.db)
  const version = await alertRulesVersion(ctx.db)
  if (memory.rules?.version !== version) memory.rules = {version, byMetric: await enabledRulesByMetric(ctx.db), whole: new Map()}
  return memory.rules.byMetric
}

/** The whole rules of these ids, those `memory` keeps from earlier cycles not read again. */
async function wholeRules(ctx: Context, ids: number[], memory: CycleMemory | undefined): Promise<Map<number, AlertRule>> {
  const kept = memory?.rules?.whole
  if (!kept) return new Map((await alertRulesWithIds(ctx.db, ids)).map((r) => [r.id, r]))
  for (const rule of await alertRulesWithIds(ctx.db, ids.filter((id) => !kept.has(id)))) kept.set(rule.id, rule)
  return kept
}

/**
 * Plans one cycle. `memory`: what a worker keeps between its cycles (the rules and the ports' latest levels,
 * read again when they change); without it, everything is read.
 */
export async function planCycle(ctx: Context, memory?: CycleMemory): Promise<CyclePlan> {
  const now = ctx.clock.now()
  mapForCycles(ctx.db)
  const byMetric = await enabledRules(ctx, memory)
  // Open events by rule, then target: a rule over every vessel looks up tens of thousands of targets.
  const open = new Map<number, Map<string, OpenAlertEvent>>()
  for (const e of await openAlertEventKeys(ctx.db)) {
    const byTarget = open.get(e.alertId)
    if (byTarget) byTarget.set(e.target, e)
    else open.set(e.alertId, new Map([[e.target, e]]))
  }
  const plan: CyclePlan = {rulesEvaluated: 0, open: [], resolve: [], skippedStale: 0, skippedMissing: 0}
  // Crossings by rule id; the whole rule is read for those that trigger only (below).
  const opening: Array<{ruleId: number; target: string; reading: Reading}> = []

  // Read only what the rules ask for: the vessels they name (and those of a rule over every vessel with an
  // open event: its resolution), read together, and, for rules over every target, what is fresh enough and
  // can cross.
  const asked: Array<{metric: MetricSpec; rules: RulesOfMetric; wanted: ReadingsWanted}> = []
  const namedVessels: number[] = []
  for (const rules of byMetric) {
    const metric = METRICS[rules.metric]
    if (!metric) continue
    const wanted: ReadingsWanted = {everySince: null, crossing: {atLeast: Number.POSITIVE_INFINITY, atMost: Number.NEGATIVE_INFINITY}}
    const isVessel = metric.kind === 'vessel'
    for (let k = 0; k < rules.id.length; k++) {
      const targetId = rules.targetId[k]
      if (targetId !== null) {
        if (isVessel) namedVessels.push(Number(targetId))
      } else {
        wanted.everySince = Math.min(wanted.everySince ?? Infinity, now - (rules.freshnessSeconds[k] ?? metric.freshnessSeconds) * 1000)
        widenToCrossings(wanted.crossing, rules.operator[k], rules.threshold[k])
        if (isVessel) open.get(rules.id[k])?.forEach((_, target) => namedVessels.push(Number(target)))
      }
    }
    asked.push({metric, rules, wanted})
  }

  const cycle = new CycleData(ctx, namedVessels, memory)
  for (const {metric, rules, wanted} of asked) {
    const readings = await metric.read(ctx, cycle, wanted)
    for (let k = 0; k < rules.id.length; k++) {
      plan.rulesEvaluated++
      const ruleId = rules.id[k]
      const targetId = rules.targetId[k]
      const operator = rules.operator[k]
      const threshold = rules.threshold[k]
      const freshMs = (rules.freshnessSeconds[k] ?? metric.freshnessSeconds) * 1000
      const openOfRule = open.get(ruleId)
      if (targetId === null) {
        // The crossings of every target; then the open events whose target no longer crosses, by their reading.
        const crosses = (value: number) => compare(value, operator, threshold)
        const crossed = openOfRule && openOfRule.size > 0 ? new Set<string>() : undefined
        plan.skippedStale += await readings.forEachCrossing(now - freshMs, crosses, (target, reading) => {
          crossed?.add(target)
          if (!openOfRule?.has(target)) opening.push({ruleId, target, reading})
        })
        if (crossed) {
          for (const [target, event] of openOfRule as Map<string, OpenAlertEvent>) {
            if (crossed.has(target)) continue
            const reading = readings.get(target)
            // No reading, or a stale one (counted above): the event stays open.
            if (reading && now - reading.at <= freshMs && !crosses(reading.value)) plan.resolve.push({event, value: reading.value})
          }
        }
        continue
      }
      const reading = readings.get(targetId)
      if (!reading) {
        plan.skippedMissing++
        continue
      }
      if (now - reading.at > freshMs) {
        plan.skippedStale++
        continue
      }
      const crossed = compare(reading.value, operator, threshold)
      const existing = openOfRule?.get(targetId)
      if (crossed && !existing) opening.push({ruleId, target: targetId, reading})
      else if (!crossed && existing) plan.resolve.push({event: existing, value: reading.value})
    }
  }
  const triggered = new Set<number>()
  for (const o of opening) triggered.add(o.ruleId)
  const whole = await wholeRules(ctx, [...triggered], memory)
  for (const {ruleId, target, reading} of opening) {
    const rule = whole.get(ruleId)
    // A rule removed since it was judged opens nothing.
    if (rule) plan.open.push({rule, target, reading})
  }
  return plan
}

/** An event the cycle opened, with the crossing it records. */
export interface OpenedEvent {
  id: number
  trigger: Trigger
}

export interface CycleResult {
  opened: OpenedEvent[]
  resolved: number
  notifications: number
}

/**
 * Each event's metadata, the same as JSON.stringify of {severity, rule, observed_at, target_kind}: the text
 * around the time is constant per rule, so it is written once per rule, and the time goes as a number.
 */
function metadataWriter(): (rule: AlertRule, at: number) => MetadataAround {
  let lastRule: AlertRule | undefined
  let head = ''
  let tail = ''
  return (rule, at) => {
    if (rule !== lastRule) {
      lastRule = rule
      head = `{"severity":${JSON.stringify(rule.severity)},"rule":${JSON.stringify(rule.name)},"observed_at":"`
      tail = `","target_kind":${JSON.stringify(rule.targetKind)}}`
    }
    return {head, at, tail}
  }
}

/** Writes a plan in one transaction: new events, resolutions, and notifications for watchers. */
export async function applyCycle(ctx: Context, plan: CyclePlan): Promise<CycleResult> {
  const now = ctx.clock.now()
  const metadata = metadataWriter()
  const rows = new Array<NewAlertEvent>(plan.open.length)
  for (let k = 0; k < rows.length; k++) {
    const {rule, target, reading} = plan.open[k]
    rows[k] = {
      alertId: rule.id,
      target,
      currentValue: reading.value,
      thresholdValue: rule.threshold,
      operator: rule.operator,
      metric: rule.metric,
      metadata: metadata(rule, reading.at),
    }
  }
  const resolutions = plan.resolve.map((r) => ({id: r.event.id, value: r.value}))
  return write(ctx.db, async () => {
    const opened = (await insertAlertEvents(ctx.db, rows, now)).map(({id, row}) => ({id, trigger: plan.open[row]}))
    const resolved = await resolveAlertEvents(ctx.db, resolutions, now)
    return {opened, resolved, notifications: await notifyAlertWatchers(ctx, opened)}
  })
}

/**
 * Watchers of a new alert event: those watching the vessel or port it is about, or an area holding it;
 * for job and provider alerts, every ADMIN. Stored like detection's notifications (and queued for webhooks).
 */
export async function notifyAlertWatchers(ctx: Context, opened: OpenedEvent[]): Promise<number> {
  if (opened.length === 0) return 0
  const watches = await allWatches(ctx.db)
  const admins = await adminIds(ctx.db)
  // Nobody to tell: no watchlist and no ADMIN.
  if (watches.length === 0 && admins.length === 0) return 0
  const notifications: NotificationOf[] = []
  for (const {id, trigger} of opened) {
    const kind = trigger.rule.targetKind
    const watchers =
      kind === 'job' || kind === 'provider'
        ? new Set(admins)
        : watchersOf(
            {
              mmsi: kind === 'vessel' ? Number(trigger.target) : null,
              portId: kind === 'port' ? Number(trigger.target) : null,
              lat: trigger.reading.lat ?? null,
              lon: trigger.reading.lon ?? null,
            },
            watches,
          )
    for (const userId of watchers) notifications.push({userId, alertEventId: id})
  }
  return storeNotifications(ctx.db, notifications, ctx.clock.now())
}
