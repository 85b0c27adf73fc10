// How many rows the tables health reports hold, read from the counts the table_rows triggers keep, and
// how many were created since a time (an index range count).
import type {Statement} from 'better-sqlite3'

import type {Db} from './client.js'

export interface TableCounts {
  ports: number
  vessels: number
  events: number
  notifications: number
}

const COUNTED = {ports: 'ports', vessels: 'vessels', events: 'safety_events', notifications: 'notifications'} as const

interface Statements {
  kept: Statement
  counted: Map<string, Statement>
  eventsSince: Statement
  notificationsSince: Statement
}

// Per connection: with a read connection beside the write one (serve) the same database has two.
const cache = new WeakMap<object, Statements>()

function statements(db: Db): Statements {
  let s = cache.get(db.sqlite)
  if (!s) {
    const sqlite = db.sqlite
    s = {
      kept: sqlite.prepare('SELECT table_name, row_count FROM table_rows').raw(),
      counted: new Map(Object.values(COUNTED).map((table) => [table, sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck()])),
      eventsSince: sqlite.prepare('SELECT count(*) FROM safety_events WHERE created_at >= ?').pluck(),
      notificationsSince: sqlite.prepare('SELECT count(*) FROM notifications WHERE created_at >= ?').pluck(),
    }
    cache.set(db.sqlite, s)
  }
  return s
}

/** Rows in each counted table: exact, and constant time however large the tables are. */
export function tableCounts(db: Db): TableCounts {
  const s = statements(db)
  const kept = new Map(s.kept.all() as Array<[string, number]>)
  const of = (table: string) => kept.get(table) ?? (s.counted.get(table)!.get() as number)
  return {ports: of(COUNTED.ports), vessels: of(COUNTED.vessels), events: of(COUNTED.events), notifications: of(COUNTED.notifications)}
}

/** Events and notifications created at or after `since` (epoch ms). */
export function createdSince(db: Db, since: number): {events: number; notifications: number} {
  const s = statements(db)
  return {events: s.eventsSince.get(since) as number, notifications: s.notificationsSince.get(since) as number}
}
