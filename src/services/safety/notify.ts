// Notifications: one per new event for each user whose watchlist covers it (the vessel, the port, or an
// area holding the event) and, for distress, every ADMIN; stored in the database and queued for the user's webhook; never twice for the
// same user and event, and never for events made from shipped or fallback data.
import {eq} from 'drizzle-orm'

import {notifications, type SafetyEvent, users, watchlists} from '../db/schema.js'
import type {Context} from '../context.js'
import {mayNotify} from '../provenance.js'

type Watch = typeof watchlists.$inferSelect

/** The users watching an event: by vessel, by port, or by an area box containing it. */
export function watchersOf(event: Pick<SafetyEvent, 'mmsi' | 'portId' | 'lat' | 'lon'>, watches: Watch[]): Set<number> {
  const users = new Set<number>()
  for (const w of watches) {
    if (w.kind === 'vessel' && event.mmsi !== null && w.mmsi === event.mmsi) users.add(w.userId)
    else if (w.kind === 'port' && event.portId !== null && w.portId === event.portId) users.add(w.userId)
    else if (w.kind === 'area' && event.lat !== null && event.lon !== null && inArea(w, event.lon, event.lat)) users.add(w.userId)
  }
  return users
}

function inArea(w: Watch, lon: number, lat: number): boolean {
  if (w.minLon === null || w.minLat === null || w.maxLon === null || w.maxLat === null) return false
  if (lat < w.minLat || lat > w.maxLat) return false
  // A box with minLon > maxLon spans the antimeridian.
  return w.minLon <= w.maxLon ? lon >= w.minLon && lon <= w.maxLon : lon >= w.minLon || lon <= w.maxLon
}

/** Event types every ADMIN hears about, watched or not: lives may be at stake. */
const ADMINS_HEAR: ReadonlySet<string> = new Set(['distress'])

/**
 * Stores the notifications for newly created events (watchers, and every ADMIN for distress); returns
 * how many were created. Call inside a write transaction.
 */
export function notifyWatchers(ctx: Context, events: SafetyEvent[]): number {
  const eligible = events.filter((e) => mayNotify(e.source))
  if (eligible.length === 0) return 0
  const watches = ctx.db.orm.select().from(watchlists).all()
  const admins = eligible.some((e) => ADMINS_HEAR.has(e.type))
    ? ctx.db.orm.select({id: users.id}).from(users).where(eq(users.role, 'ADMIN')).all().map((u) => u.id)
    : []
  if (watches.length === 0 && admins.length === 0) return 0
  const store = notificationStore(ctx)
  let created = 0
  for (const event of eligible) {
    const recipients = watchersOf(event, watches)
    if (ADMINS_HEAR.has(event.type)) for (const id of admins) recipients.add(id)
    for (const userId of recipients) created += store(userId, {eventId: event.id})
  }
  return created
}

/**
 * Stores a user's notification of a safety event or an alert event: the database copy, and a pending
 * webhook copy (delivered after the transaction commits) when the user has a webhook. Never twice.
 * Returns a function giving 1 when the database copy is new, 0 when it existed. Call inside a write transaction.
 */
export function notificationStore(ctx: Context): (userId: number, about: {eventId: number} | {alertEventId: number}) => number {
  const now = ctx.clock.now()
  const webhooks = new Map(ctx.db.orm.select({id: users.id, url: users.webhookUrl}).from(users).all().map((u) => [u.id, u.url]))
  return (userId, about) => {
    const created = ctx.db.orm
      .insert(notifications)
      .values({userId, ...about, channel: 'database', status: 'stored', createdAt: now})
      .onConflictDoNothing()
      .run().changes
    if (webhooks.get(userId)) {
      ctx.db.orm
        .insert(notifications)
        .values({userId, ...about, channel: 'webhook', status: 'pending', createdAt: now})
        .onConflictDoNothing()
        .run()
    }
    return created
  }
}
