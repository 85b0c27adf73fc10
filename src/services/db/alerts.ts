// Alert rules and alert events as the evaluation cycle reads and writes them: the enabled rules, the open
// events, events opened and resolved one by one (prepared statements: a cycle is 10,000 rules).
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
  insert: Statement
}

// Per connection: with a read connection beside the write one (serve) the same database has two.
const cache = new WeakMap<object, AlertStatements>()

function statements(db: Db): AlertStatements {
  let s = cache.get(db.sqlite)
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
      insert: db.sqlite.prepare(
        `INSERT INTO alert_events (alert_id, target, triggered_at, current_value, threshold_value, operator, metric, is_resolved, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`,
      ),
    }
    cache.set(db.sqlite, s)
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

/**
 * Opens alert events unless one is open for the rule and target; returns those stored with the index of
 * their row (of two rows for the same rule and target, the first). Call inside a write transaction.
 */
export function insertAlertEvents(db: Db, rows: NewAlertEvent[], now: number): StoredAlertEvent[] {
  // One prepared row at a time: measured cheaper than hundred-row statements with RETURNING matched by key
  // (no statement of 800 parameters to prepare, no key strings), and the new id comes with each run.
  const insert = statements(db).insert
  const stored: StoredAlertEvent[] = []
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]
    const result = insert.run(r.alertId, r.target, now, r.currentValue, r.thresholdValue, r.operator, r.metric, r.metadata)
    if (result.changes > 0) stored.push({id: Number(result.lastInsertRowid), row: k})
  }
  return stored
}
