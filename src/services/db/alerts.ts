// Alert rules and alert events on either database: rules added, listed, enabled and removed; and as the
// evaluation cycle reads and writes them, the enabled rules, the open events, events opened and resolved in
// batches (a cycle is 10,000 rules): prepared statements on SQLite, one statement per batch on PostgreSQL.
import type {Statement} from 'better-sqlite3'
import {and, asc, eq, sql} from 'drizzle-orm'

import type {Db} from './client.js'
import {versionOf} from './pg-batch.js'
import {preparedOnce} from './prepared.js'
import {affectedRows, rawExec, rawRows} from './query.js'
import type {AlertEvent, AlertOperator, AlertRule, alertRules, Severity} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type {AlertEvent, AlertOperator, AlertRule} from './schema.js'
export type NewAlertRule = typeof alertRules.$inferInsert

export async function insertAlertRule(db: AnyDb, values: NewAlertRule): Promise<AlertRule> {
  return write(db, async () => {
    const [row] = await db.orm.insert(db.t.alertRules).values(values).returning()
    return row
  })
}

/** Every rule, in the order added. */
export async function alertRulesById(db: AnyDb): Promise<AlertRule[]> {
  return db.orm.select().from(db.t.alertRules).orderBy(asc(db.t.alertRules.id))
}

/** Enables or disables a rule; returns whether it exists. */
export async function setAlertRuleEnabled(db: AnyDb, id: number, enabled: boolean, now: number): Promise<boolean> {
  const {alertRules} = db.t
  return write(db, async () => affectedRows(await db.orm.update(alertRules).set({enabled, updatedAt: now}).where(eq(alertRules.id, id))) > 0)
}

/**
 * What the enabled rules depend on, cheap enough to ask every cycle: a rule is added, removed, enabled or
 * disabled, never edited, so the count, the ids, the ids of the enabled ones and the latest change time
 * move whenever the enabled rules do (the sums even where a fixed clock leaves the time unchanged).
 */
export async function alertRulesVersion(db: AnyDb): Promise<string> {
  return versionOf(db, 'alerts:version', `SELECT count(*), max(id), sum(id), sum(CASE WHEN enabled THEN id ELSE 0 END), max(updated_at) FROM alert_rules`)
}

/** Removes a rule with its events (foreign keys cascade); returns whether it existed. */
export async function deleteAlertRule(db: AnyDb, id: number): Promise<boolean> {
  const {alertRules} = db.t
  return write(db, async () => affectedRows(await db.orm.delete(alertRules).where(eq(alertRules.id, id))) > 0)
}

export interface NewAlertEvent {
  alertId: number
  target: string
  currentValue: number
  thresholdValue: number
  operator: AlertOperator
  metric: string
  /**
   * The metadata as JSON text, or as the text around an observation time (the cycle's is constant per rule:
   * only the time is written per event).
   */
  metadata: string | MetadataAround
}

/** JSON text: `head`, the time `at` (epoch ms) in ISO 8601 UTC as Date's toISOString writes it, then `tail`. */
export interface MetadataAround {
  head: string
  at: number
  tail: string
}

const metadataText = (m: string | MetadataAround): string => (typeof m === 'string' ? m : m.head + new Date(m.at).toISOString() + m.tail)

/** An event insertAlertEvents stored: its id, and the index of its row in the rows given. */
export interface StoredAlertEvent {
  id: number
  row: number
}

interface AlertStatements {
  ruleMetrics: Statement
  ruleIds: Statement
  ruleTargets: Statement
  ruleOperators: Statement
  ruleThresholds: Statement
  ruleFreshness: Statement
  rulesWithIds: Statement
  open: Statement
  openKeys: Statement
  resolve: Statement
  lastEventId: Statement
  openEventId: Statement
}

/** Rows per INSERT: one statement per hundred events instead of one per event. */
const EVENT_BATCH = 100
/** Parameters per inserted row. */
const INSERTED_COLUMNS = 8

function statements(db: Db): AlertStatements {
  // Per connection: with a read connection beside the write one (serve) the same database has two.
  return preparedOnce(db, 'alerts', () => {
    const ruleColumn = (column: string) => db.sqlite.prepare(`SELECT ${column} FROM alert_rules WHERE enabled = 1 AND metric = ? ORDER BY id`).pluck()
    return {
      ruleMetrics: db.sqlite.prepare(`SELECT metric FROM alert_rules WHERE enabled = 1 GROUP BY metric ORDER BY min(id)`).pluck(),
      ruleIds: ruleColumn('id'),
      ruleTargets: ruleColumn('target_id'),
      ruleOperators: ruleColumn('operator'),
      ruleThresholds: ruleColumn('threshold'),
      ruleFreshness: ruleColumn('freshness_seconds'),
      rulesWithIds: db.sqlite.prepare(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`).raw(),
      open: db.sqlite
        .prepare(
          `SELECT id, alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, resolved_at, resolution_value, metadata
           FROM alert_events WHERE is_resolved = 0 ORDER BY id`,
        )
        .raw(),
      openKeys: db.sqlite.prepare(`SELECT id, alert_id, target, metric FROM alert_events WHERE is_resolved = 0 ORDER BY id`).raw(),
      resolve: db.sqlite.prepare(`UPDATE alert_events SET is_resolved = 1, resolved_at = ?, resolution_value = ? WHERE id = ? AND is_resolved = 0`),
      lastEventId: db.sqlite.prepare(`SELECT max(id) FROM alert_events`).pluck(),
      openEventId: db.sqlite.prepare(`SELECT id FROM alert_events WHERE alert_id = ? AND target = ? AND NOT is_resolved`).pluck(),
    }
  })
}

/** The INSERT of `rows` events, prepared once per connection for each batch size. */
function insertOf(db: Db, rows: number): Statement {
  return preparedOnce(db, `alerts:insert:${rows}`, () => {
    const values = Array.from({length: rows}, () => `(?, ?, ?, ?, ?, ?, ?, 0, ?)`).join(', ')
    return db.sqlite.prepare(
      `INSERT INTO alert_events (alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, metadata)
       VALUES ${values} ON CONFLICT DO NOTHING`,
    )
  })
}

type RuleRow = [number, string | null, string, string, string | null, AlertOperator, number, Severity, number, number | null, number, number]

const RULE_COLUMNS = 'id, name, metric, target_kind, target_id, operator, threshold, severity, enabled, freshness_seconds, created_at, updated_at'

const ruleOf = (r: RuleRow): AlertRule => ({
  id: r[0],
  name: r[1],
  metric: r[2],
  targetKind: r[3],
  targetId: r[4],
  operator: r[5],
  threshold: r[6],
  severity: r[7],
  enabled: r[8] === 1,
  freshnessSeconds: r[9],
  createdAt: r[10],
  updatedAt: r[11],
})

/**
 * The enabled rules of one metric as the cycle judges them: columns (no object per rule: a cycle judges
 * 10,000), in the order the rules were added. The rest of a rule is read for those that trigger only
 * (alertRulesWithIds).
 */
export interface RulesOfMetric {
  metric: string
  id: number[]
  targetId: Array<string | null>
  operator: AlertOperator[]
  threshold: number[]
  freshnessSeconds: Array<number | null>
}

/** The enabled rules by metric, the metrics in the order their first rule was added. */
export async function enabledRulesByMetric(db: AnyDb): Promise<RulesOfMetric[]> {
  if (db.dialect === 'postgres') {
    const {alertRules: r} = db.t
    const rows = await db.orm
      .select({id: r.id, metric: r.metric, targetId: r.targetId, operator: r.operator, threshold: r.threshold, freshnessSeconds: r.freshnessSeconds})
      .from(r)
      .where(eq(r.enabled, true))
      .orderBy(asc(r.id))
    const byMetric = new Map<string, RulesOfMetric>()
    for (const row of rows) {
      let rules = byMetric.get(row.metric)
      if (!rules) byMetric.set(row.metric, (rules = {metric: row.metric, id: [], targetId: [], operator: [], threshold: [], freshnessSeconds: []}))
      rules.id.push(row.id)
      rules.targetId.push(row.targetId)
      rules.operator.push(row.operator)
      rules.threshold.push(row.threshold)
      rules.freshnessSeconds.push(row.freshnessSeconds)
    }
    return [...byMetric.values()]
  }
  // A column at a time (a value per row, no array per row), all in one read transaction so they line up.
  const s = statements(db)
  return db.sqlite.transaction(() =>
    (s.ruleMetrics.all() as string[]).map((metric) => ({
      metric,
      id: s.ruleIds.all(metric) as number[],
      targetId: s.ruleTargets.all(metric) as Array<string | null>,
      operator: s.ruleOperators.all(metric) as AlertOperator[],
      threshold: s.ruleThresholds.all(metric) as number[],
      freshnessSeconds: s.ruleFreshness.all(metric) as Array<number | null>,
    })),
  )()
}

/** The rules with these ids, in the order added. */
export async function alertRulesWithIds(db: AnyDb, ids: number[]): Promise<AlertRule[]> {
  if (ids.length === 0) return []
  if (db.dialect === 'postgres') {
    const {alertRules} = db.t
    return db.orm
      .select()
      .from(alertRules)
      .where(sql`${alertRules.id} = ANY(${sql.param(ids)}::bigint[])`)
      .orderBy(asc(alertRules.id))
  }
  return (statements(db).rulesWithIds.all(JSON.stringify(ids)) as RuleRow[]).map(ruleOf)
}

type EventRow = [number, number, string, number, number, number, AlertOperator, string, number, number | null, number | null, string | null]

/** The events still open, in the order opened. */
export async function openAlertEvents(db: AnyDb): Promise<AlertEvent[]> {
  if (db.dialect === 'postgres') {
    const {alertEvents} = db.t
    return db.orm.select().from(alertEvents).where(eq(alertEvents.isResolved, false)).orderBy(asc(alertEvents.id))
  }
  return (statements(db).open.all() as EventRow[]).map((r) => ({
    id: r[0],
    alertId: r[1],
    target: r[2],
    triggeredAt: r[3],
    currentValue: r[4],
    thresholdValue: r[5],
    operator: r[6],
    metric: r[7],
    isResolved: r[8] === 1,
    resolvedAt: r[9],
    resolutionValue: r[10],
    metadata: r[11] === null ? null : (JSON.parse(r[11]) as Record<string, unknown>),
  }))
}

/** What the cycle needs of an open event: which rule and target it is for. */
export type OpenAlertEvent = Pick<AlertEvent, 'id' | 'alertId' | 'target' | 'metric'>

/** The events still open, in the order opened, without their values and metadata (a cycle judges thousands). */
export async function openAlertEventKeys(db: AnyDb): Promise<OpenAlertEvent[]> {
  if (db.dialect === 'postgres') {
    const {alertEvents} = db.t
    return db.orm
      .select({id: alertEvents.id, alertId: alertEvents.alertId, target: alertEvents.target, metric: alertEvents.metric})
      .from(alertEvents)
      .where(eq(alertEvents.isResolved, false))
      .orderBy(asc(alertEvents.id))
  }
  return (statements(db).openKeys.all() as Array<[number, number, string, string]>).map((r) => ({id: r[0], alertId: r[1], target: r[2], metric: r[3]}))
}

/** An open event and the value that ended it. */
export interface AlertResolution {
  id: number
  value: number
}

/** Resolves open events with the values that ended them; returns how many were still open. Joins the open write transaction, if any. */
export async function resolveAlertEvents(db: AnyDb, resolutions: AlertResolution[], now: number): Promise<number> {
  if (resolutions.length === 0) return 0
  return write(db, async () => {
    if (db.dialect === 'postgres') {
      return rawExec(
        db,
        sql`UPDATE alert_events e SET is_resolved = true, resolved_at = ${now}::bigint, resolution_value = r.value
            FROM unnest(${sql.param(resolutions.map((r) => r.id))}::bigint[], ${sql.param(resolutions.map((r) => r.value))}::float8[]) AS r(id, value)
            WHERE e.id = r.id AND NOT e.is_resolved`,
      )
    }
    const resolve = statements(db).resolve
    let resolved = 0
    for (const r of resolutions) resolved += resolve.run(now, r.value, r.id).changes
    return resolved
  })
}

/**
 * Opens alert events unless one is open for the rule and target; returns those stored with the index of
 * their row (of two rows for the same rule and target, the first), in the order given. Joins the open write
 * transaction, if any.
 */
export async function insertAlertEvents(db: AnyDb, rows: NewAlertEvent[], now: number): Promise<StoredAlertEvent[]> {
  if (rows.length === 0) return []
  return write(db, async () => {
    if (db.dialect === 'postgres') return insertAlertEventsPostgres(db, rows, now)
    const {lastEventId, openEventId} = statements(db)
    const stored: StoredAlertEvent[] = []
    // New ids only grow (AUTOINCREMENT) and the write transaction is ours: a batch whose rows were all stored
    // and whose last id is as many past the last one before it took exactly the ids in between, in order.
    let before = (lastEventId.get() as number | null) ?? 0
    const params: unknown[] = []
    for (let start = 0; start < rows.length; start += EVENT_BATCH) {
      const end = Math.min(rows.length, start + EVENT_BATCH)
      params.length = (end - start) * INSERTED_COLUMNS
      for (let k = start, o = 0; k < end; k++, o += INSERTED_COLUMNS) {
        const r = rows[k]
        params[o] = r.alertId
        params[o + 1] = r.target
        params[o + 2] = now
        params[o + 3] = r.currentValue
        params[o + 4] = r.thresholdValue
        params[o + 5] = r.operator
        params[o + 6] = r.metric
        // Joined here: Date's ISO text costs less than SQLite's strftime and printf per row.
        params[o + 7] = metadataText(r.metadata)
      }
      const {changes, lastInsertRowid} = insertOf(db, end - start).run(params)
      if (changes === 0) continue
      const last = Number(lastInsertRowid)
      if (changes === end - start && last - before === changes) {
        for (let k = start; k < end; k++) stored.push({id: before + 1 + k - start, row: k})
      } else {
        // Some were open already (or named twice): a stored row's event is its open one newer than the batch.
        const taken = new Set<number>()
        for (let k = start; k < end; k++) {
          const id = openEventId.get(rows[k].alertId, rows[k].target) as number | undefined
          if (id !== undefined && id > before && !taken.has(id)) {
            taken.add(id)
            stored.push({id, row: k})
          }
        }
      }
      before = last
    }
    return stored
  })
}

/** The whole batch in one statement, its rows in the order given; RETURNING is matched to them by rule and target. */
async function insertAlertEventsPostgres(db: AnyDb, rows: NewAlertEvent[], now: number): Promise<StoredAlertEvent[]> {
  const column = <T>(pick: (r: NewAlertEvent) => T) => sql.param(rows.map(pick))
  const inserted = await rawRows<{id: number; alert_id: number; target: string}>(
    db,
    sql`INSERT INTO alert_events (alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, metadata)
        SELECT alert_id, target, ${now}::bigint, current_value, threshold_value, operator, metric, false, metadata::jsonb
        FROM unnest(${column((r) => r.alertId)}::bigint[], ${column((r) => r.target)}::text[], ${column((r) => r.currentValue)}::float8[],
                    ${column((r) => r.thresholdValue)}::float8[], ${column((r) => r.operator)}::text[], ${column((r) => r.metric)}::text[],
                    ${column((r) => metadataText(r.metadata))}::text[])
             WITH ORDINALITY AS r(alert_id, target, current_value, threshold_value, operator, metric, metadata, n)
        ORDER BY n
        ON CONFLICT DO NOTHING
        RETURNING id, alert_id, target`,
  )
  if (inserted.length === 0) return []
  const firstRow = new Map<string, number>()
  for (let k = rows.length - 1; k >= 0; k--) firstRow.set(`${rows[k].alertId}\u0000${rows[k].target}`, k)
  const stored = inserted.map((r) => ({id: Number(r.id), row: firstRow.get(`${r.alert_id}\u0000${r.target}`) as number}))
  return stored.sort((a, b) => a.row - b.row)
}

/**
 * The rule named `values.name` watching `values.metric`, added as given when there is none (a rule harbormaster
 * keeps for itself, such as a quota threshold). An existing one is returned as it is: disabled stays disabled.
 */
export async function ensureAlertRule(db: AnyDb, values: NewAlertRule & {name: string}): Promise<AlertRule> {
  const {alertRules} = db.t
  const find = async () => {
    const [row] = await db.orm
      .select()
      .from(alertRules)
      .where(and(eq(alertRules.name, values.name), eq(alertRules.metric, values.metric)))
      .orderBy(asc(alertRules.id))
      .limit(1)
    return row
  }
  return (await find()) ?? write(db, async () => (await find()) ?? insertAlertRule(db, values))
}
