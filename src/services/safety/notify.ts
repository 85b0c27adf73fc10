// Notifications: one per new event for each user whose watchlist covers it (the vessel, the port, or an
// area holding the event) and, for distress, every ADMIN; stored in the database and queued for the user's webhook; never twice for the
// same user and event, and never for events made from shipped or fallback data.
import type {Context} from '../context.js'
import {type NotificationOf, storeNotifications} from '../db/notifications.js'
import type {SafetyEvent} from '../db/schema.js'
import {adminIds, allWatches, type Watchlist as Watch} from '../db/users.js'
import {mayNotify} from '../provenance.js'

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
 * how many were created. Joins the open write transaction, if any.
 */
export async function notifyWatchers(ctx: Context, events: SafetyEvent[]): Promise<number> {
  const eligible = events.filter((e) => mayNotify(e.source))
  if (eligible.length === 0) return 0
  const watches = await allWatches(ctx.db)
  const admins = eligible.some((e) => ADMINS_HEAR.has(e.type)) ? await adminIds(ctx.db) : []
  if (watches.length === 0 && admins.length === 0) return 0
  const rows: NotificationOf[] = []
  for (const event of eligible) {
    const recipients = watchersOf(event, watches)
    if (ADMINS_HEAR.has(event.type)) for (const id of admins) recipients.add(id)
    for (const userId of recipients) rows.push({userId, eventId: event.id})
  }
  return storeNotifications(ctx.db, rows, ctx.clock.now())
}
