// Alert rules and alert events as the evaluation cycle reads and writes them: the enabled rules, the open
// events, events opened in batches and resolved one by one (prepared statements: a cycle is 10,000 rules).
import type {Statement} from 'better-sqlite3'

import type {Db} from './client.js'
import type {AlertEvent, AlertOperator, AlertRule, Severity} from './schema.js'

export interface NewAlertEvent {
  alertId: number
  target: string
  currentValue: number
  thresholdValue: number
  operator: AlertOperator
  metric: string
  /** The metadata as JSON text: the cycle writes it from per-rule constants, not an object per event. */
  metadata: string
}

/** An event insertAlertEvents stored: its id, and the index of its row in the rows given. */
export interface StoredAlertEvent {
  id: number
  row: number
}

interface AlertStatements {
  rules: Statement
  open: Statement
  resolve: Statement
  /** Multi-row inserts by row count. */
  inserts: Map<number, Statement>
}

const cache = new WeakMap<Db, AlertStatements>()

function statements(db: Db): AlertStatements {
  let s = cache.get(db)
  if (!s) {
    s = {
      rules: db.sqlite
        .prepare(
          `SELECT id, name, metric, target_kind, target_id, operator, threshold, severity, enabled, freshness_seconds, created_at, updated_at
           FROM alert_rules WHERE enabled = 1 ORDER BY id`,
        )
        .raw(),
      open: db.sqlite
        .prepare(
          `SELECT id, alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, resolved_at, resolution_value, metadata
           FROM alert_events WHERE is_resolved = 0 ORDER BY id`,
        )
        .raw(),
      resolve: db.sqlite.prepare(`UPDATE alert_events SET is_resolved = 1, resolved_at = ?, resolution_value = ? WHERE id = ? AND is_resolved = 0`),
      inserts: new Map(),
    }
    cache.set(db, s)
  }
  return s
}

type RuleRow = [number, string | null, string, string, string | null, AlertOperator, number, Severity, number, number | null, number, number]

export function enabledAlertRules(db: Db): AlertRule[] {
  return (statements(db).rules.all() as RuleRow[]).map((r) => ({
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
  }))
}

type EventRow = [number, number, string, number, number, number, AlertOperator, string, number, number | null, number | null, string | null]

export function openAlertEvents(db: Db): AlertEvent[] {
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

/** Resolves an open event with the value that ended it; returns whether it was still open. Call inside a write transaction. */
export function resolveAlertEvent(db: Db, id: number, now: number, value: number): boolean {
  return statements(db).resolve.run(now, value, id).changes > 0
}

const COLUMNS = 8
/** Rows per INSERT: one statement per hundred events instead of one per event. */
const BATCH = 100

/**
 * Opens alert events unless one is open for the rule and target; returns those stored, in the order given
 * (of two rows for the same rule and target, the first). Call inside a write transaction.
 */
export function insertAlertEvents(db: Db, rows: NewAlertEvent[], now: number): StoredAlertEvent[] {
  const s = statements(db)
  const insert = (count: number) => {
    let statement = s.inserts.get(count)
    if (!statement) {
      const values = Array.from({length: count}, () => '(?, ?, ?, ?, ?, ?, ?, 0, ?)').join(', ')
      statement = db.sqlite
        .prepare(
          `INSERT INTO alert_events (alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, metadata)
           VALUES ${values} ON CONFLICT DO NOTHING RETURNING id, alert_id, target`,
        )
        .raw()
      s.inserts.set(count, statement)
    }
    return statement
  }
  const stored: StoredAlertEvent[] = []
  const params = new Array(BATCH * COLUMNS)
  for (let start = 0; start < rows.length; start += BATCH) {
    const end = Math.min(rows.length, start + BATCH)
    if (end - start < BATCH) params.length = (end - start) * COLUMNS
    for (let k = start, o = 0; k < end; k++, o += COLUMNS) {
      const r = rows[k]
      params[o] = r.alertId
      params[o + 1] = r.target
      params[o + 2] = now
      params[o + 3] = r.currentValue
      params[o + 4] = r.thresholdValue
      params[o + 5] = r.operator
      params[o + 6] = r.metric
      params[o + 7] = r.metadata
    }
    // RETURNING gives no order: rows are matched by (rule, target), unique among open events.
    const ids = new Map<string, number>()
    for (const [id, alertId, target] of insert(end - start).all(params) as Array<[number, number, string]>) ids.set(`${alertId}|${target}`, id)
    for (let k = start; k < end; k++) {
      const r = rows[k]
      const key = `${r.alertId}|${r.target}`
      const id = ids.get(key)
      if (id === undefined) continue
      ids.delete(key)
      stored.push({id, row: k})
    }
  }
  return stored
}
