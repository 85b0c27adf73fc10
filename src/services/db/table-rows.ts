// How many rows the tables health reports hold, read from the counts the table_rows triggers keep, and
// how many were created since a time (an index range count). SQLite keeps its statements prepared (health
// runs them on every check); PostgreSQL reads the same through drizzle.
import type {Statement} from 'better-sqlite3'
import {count, gte} from 'drizzle-orm'

import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import type {AnyDb} from './transaction.js'

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

function statements(db: Db): Statements {
  // Per connection: with a read connection beside the write one (serve) the same database has two.
  return preparedOnce(db, 'table-rows', () => {
    const sqlite = db.sqlite
    return {
      kept: sqlite.prepare('SELECT table_name, row_count FROM table_rows').raw(),
      counted: new Map(Object.values(COUNTED).map((table) => [table, sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck()])),
      eventsSince: sqlite.prepare('SELECT count(*) FROM safety_events WHERE created_at >= ?').pluck(),
      notificationsSince: sqlite.prepare('SELECT count(*) FROM notifications WHERE created_at >= ?').pluck(),
    }
  })
}

/** Rows in each counted table: exact, and constant time however large the tables are. */
export async function tableCounts(db: AnyDb): Promise<TableCounts> {
  let kept: Map<string, number>
  let counted: (table: string) => Promise<number> | number
  if (db.dialect === 'sqlite') {
    const s = statements(db)
    kept = new Map(s.kept.all() as Array<[string, number]>)
    counted = (table) => s.counted.get(table)!.get() as number
  } else {
    const {tableRows} = db.t
    kept = new Map((await db.orm.select().from(tableRows)).map((r) => [r.tableName, r.rowCount]))
    // A database whose counts are not kept yet (none is, once migrated): counted instead.
    const tables = {ports: db.t.ports, vessels: db.t.vessels, safety_events: db.t.safetyEvents, notifications: db.t.notifications} as const
    counted = async (table) => (await db.orm.select({n: count()}).from(tables[table as keyof typeof tables]))[0].n
  }
  const of = async (table: string) => kept.get(table) ?? (await counted(table))
  return {ports: await of(COUNTED.ports), vessels: await of(COUNTED.vessels), events: await of(COUNTED.events), notifications: await of(COUNTED.notifications)}
}

/** Events and notifications created at or after `since` (epoch ms). */
export async function createdSince(db: AnyDb, since: number): Promise<{events: number; notifications: number}> {
  if (db.dialect === 'sqlite') {
    const s = statements(db)
    return {events: s.eventsSince.get(since) as number, notifications: s.notificationsSince.get(since) as number}
  }
  const {safetyEvents, notifications} = db.t
  const [events] = await db.orm.select({n: count()}).from(safetyEvents).where(gte(safetyEvents.createdAt, since))
  const [sent] = await db.orm.select({n: count()}).from(notifications).where(gte(notifications.createdAt, since))
  return {events: events.n, notifications: sent.n}
}
