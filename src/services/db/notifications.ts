// Notifications on either database: stored for a batch of new events at once (a database copy for each
// recipient and a pending webhook copy for those with a webhook, never twice), and the webhook copies
// read for delivery and their outcome recorded.
import type {Statement} from 'better-sqlite3'
import {and, asc, eq, inArray, lt, sql} from 'drizzle-orm'

import type {Db} from './client.js'
import {preparedOnce} from './prepared.js'
import {rawRows} from './query.js'
import type {AlertEvent, JobRun, notifications, SafetyEvent} from './schema.js'
import {type AnyDb, write} from './transaction.js'

export type Notification = typeof notifications.$inferSelect

/** One recipient of one event: a safety event (eventId), an alert event (alertEventId) or a failed job run (jobRunId). */
export interface NotificationOf {
  userId: number
  eventId?: number
  alertEventId?: number
  jobRunId?: number
}

interface NotificationStatements {
  stored: Statement
  pending: Statement
  webhooks: Statement
}

function statements(db: Db): NotificationStatements {
  // Per connection: with a read connection beside the write one (serve) the same database has two.
  return preparedOnce(db, 'notifications', () => {
    const insert = (channel: string, status: string) =>
      db.sqlite.prepare(
        `INSERT INTO notifications (user_id, event_id, alert_event_id, job_run_id, channel, status, created_at) VALUES (?, ?, ?, ?, '${channel}', '${status}', ?) ON CONFLICT DO NOTHING`,
      )
    return {
      stored: insert('database', 'stored'),
      pending: insert('webhook', 'pending'),
      webhooks: db.sqlite.prepare(`SELECT id FROM users WHERE webhook_url IS NOT NULL AND webhook_url != ''`).pluck(),
    }
  })
}

/**
 * Stores each recipient's notification: the database copy, and a pending webhook copy (delivered after the
 * transaction commits) when the user has a webhook; one that exists already is left as it is. Returns how
 * many database copies are new. Joins the open write transaction, if any.
 */
export async function storeNotifications(db: AnyDb, rows: NotificationOf[], now: number): Promise<number> {
  if (rows.length === 0) return 0
  return write(db, async () => {
    if (db.dialect === 'sqlite') {
      const s = statements(db)
      const withWebhook = new Set(s.webhooks.all() as number[])
      let created = 0
      for (const r of rows) {
        created += s.stored.run(r.userId, r.eventId ?? null, r.alertEventId ?? null, r.jobRunId ?? null, now).changes
        if (withWebhook.has(r.userId)) s.pending.run(r.userId, r.eventId ?? null, r.alertEventId ?? null, r.jobRunId ?? null, now)
      }
      return created
    }
    // One statement for the whole batch: both copies from the same rows, the webhook ones for users with a webhook.
    const [result] = await rawRows<{created: number}>(
      db,
      sql`WITH r AS (
            SELECT * FROM unnest(${sql.param(rows.map((r) => r.userId))}::bigint[], ${sql.param(rows.map((r) => r.eventId ?? null))}::bigint[],
                                 ${sql.param(rows.map((r) => r.alertEventId ?? null))}::bigint[], ${sql.param(rows.map((r) => r.jobRunId ?? null))}::bigint[])
                          WITH ORDINALITY AS r(user_id, event_id, alert_event_id, job_run_id, n)
          ), stored AS (
            INSERT INTO notifications (user_id, event_id, alert_event_id, job_run_id, channel, status, created_at)
            SELECT user_id, event_id, alert_event_id, job_run_id, 'database', 'stored', ${now}::bigint FROM r ORDER BY n
            ON CONFLICT DO NOTHING RETURNING 1
          ), pending AS (
            INSERT INTO notifications (user_id, event_id, alert_event_id, job_run_id, channel, status, created_at)
            SELECT r.user_id, r.event_id, r.alert_event_id, r.job_run_id, 'webhook', 'pending', ${now}::bigint FROM r JOIN users u ON u.id = r.user_id
            WHERE u.webhook_url <> '' ORDER BY r.n
            ON CONFLICT DO NOTHING RETURNING 1
          )
          SELECT (SELECT count(*) FROM stored)::int AS created, (SELECT count(*) FROM pending)::int AS pending`,
    )
    return Number(result.created)
  })
}

/** A webhook copy with what it is about and where it goes. */
export interface PendingDelivery {
  n: Notification
  event: SafetyEvent | null
  alert: AlertEvent | null
  run: JobRun | null
  url: string | null
  user: string
}

function deliveries(db: AnyDb) {
  const {alertEvents, jobRuns, notifications, safetyEvents, users} = db.t
  return db.orm
    .select({n: notifications, event: safetyEvents, alert: alertEvents, run: jobRuns, url: users.webhookUrl, user: users.name})
    .from(notifications)
    .leftJoin(safetyEvents, eq(safetyEvents.id, notifications.eventId))
    .leftJoin(alertEvents, eq(alertEvents.id, notifications.alertEventId))
    .leftJoin(jobRuns, eq(jobRuns.id, notifications.jobRunId))
    .innerJoin(users, eq(users.id, notifications.userId))
}

/** Webhook copies not yet handed to the queue that have been tried fewer than `maxRuns` times, oldest first. */
export async function pendingDeliveries(db: AnyDb, maxRuns: number): Promise<PendingDelivery[]> {
  const {notifications} = db.t
  return deliveries(db)
    .where(and(eq(notifications.channel, 'webhook'), eq(notifications.status, 'pending'), lt(notifications.attempts, maxRuns)))
    .orderBy(asc(notifications.id))
}

/** One webhook copy, whatever its status; undefined when there is none (its event or user was deleted). */
export async function webhookCopy(db: AnyDb, id: number): Promise<PendingDelivery | undefined> {
  const {notifications} = db.t
  const [row] = await deliveries(db).where(and(eq(notifications.id, id), eq(notifications.channel, 'webhook')))
  return row
}

/** The pending webhook copies of a job run's notifications. */
export async function pendingCopiesOfRun(db: AnyDb, runId: number): Promise<number[]> {
  const {notifications} = db.t
  const rows = await db.orm
    .select({id: notifications.id})
    .from(notifications)
    .where(and(eq(notifications.jobRunId, runId), eq(notifications.channel, 'webhook'), eq(notifications.status, 'pending')))
    .orderBy(asc(notifications.id))
  return rows.map((r) => r.id)
}

/** Webhook copies handed to the queue (notify:deliver has them now); only those still pending. */
export async function markQueued(db: AnyDb, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  const {notifications} = db.t
  await write(db, async () => {
    await db.orm
      .update(notifications)
      .set({status: 'queued'})
      .where(and(inArray(notifications.id, ids), eq(notifications.status, 'pending')))
  })
}

/** What one delivery attempt did to a webhook copy: sent, or failed and still to try (pending or queued), or given up. */
export type DeliveryOutcome =
  | {status: 'sent'; attempts: number; deliveredAt: number}
  | {status: 'pending' | 'queued' | 'failed'; attempts: number; lastError: string}

export async function recordDelivery(db: AnyDb, id: number, outcome: DeliveryOutcome): Promise<void> {
  const {notifications} = db.t
  const set = outcome.status === 'sent' ? {...outcome, lastError: null} : outcome
  await write(db, async () => {
    await db.orm.update(notifications).set(set).where(eq(notifications.id, id))
  })
}
