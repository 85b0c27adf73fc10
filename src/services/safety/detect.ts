// Safety-event detection: vessels inside storm or piracy zones, ports at high congestion and distress
// transmitters become events, one open event per (type, zone or port, vessel) while the condition lasts,
// resolved when it ends.
// Planning only reads, so --dry-run shows exactly what applying would write.
import {and, eq, inArray, isNull, sql} from 'drizzle-orm'
import Flatbush from 'flatbush'

import {throwIfCancelled, yieldToEventLoop} from '../cancel.js'
import type {Context} from '../context.js'
import {type EventRow, hotStatements} from '../db/hot-statements.js'
import {write} from '../db/transaction.js'
import {
  type EventType,
  type SafetyEvent,
  type Severity,
  safetyEvents,
  safetyZones,
  vessels,
} from '../db/schema.js'
import {type ZoneGeometry, pointInGeometry} from '../geo/geometry.js'
import {latestCongestion} from '../ports/congestion.js'
import {worstSource} from '../provenance.js'
import {distressDevice, distressDraft, type DistressReport, portsOf} from './distress.js'
import {notifyWatchers} from './notify.js'

/** An event to open: the row detection would store. */
export type EventDraft = EventRow

export interface DetectionPlan {
  create: EventDraft[]
  resolve: Array<{id: number; type: EventType; title: string; dedupeKey: string}>
  /** Open events whose condition still holds. */
  ongoing: number[]
  vessels_checked: number
  zones_checked: number
}

const congestionSeverity: Record<string, Severity> = {high: 'high', severe: 'critical'}

export async function planDetection(ctx: Context): Promise<DetectionPlan> {
  const {db, config} = ctx
  const zones = db.orm
    .select()
    .from(safetyZones)
    .where(and(eq(safetyZones.active, true), inArray(safetyZones.kind, ['storm', 'piracy'])))
    .all()

  const newest = db.orm.select({at: sql<number | null>`max(${vessels.positionAt})`}).from(vessels).get()?.at ?? null

  const holding = new Map<string, EventDraft>()
  const transmitting: DistressReport[] = []
  let vesselsChecked = 0
  if (newest !== null) {
    const index = zones.length > 0 ? new Flatbush(zones.length) : null
    if (index) {
      for (const z of zones) index.add(z.minLon, z.minLat, z.maxLon, z.maxLat)
      index.finish()
    }
    vesselsChecked = await hotStatements(db).eachCurrentPosition(
      newest - config.positionWindowMinutes * 60_000,
      (v) => {
        // Distress transmitters still transmitting hold their event open (intake opens it the moment one is heard).
        if (distressDevice(v.mmsi) !== null) transmitting.push({mmsi: v.mmsi, lat: v.lat, lon: v.lon, observedAt: v.at, navStatus: v.nav, source: v.source})
        if (!index) return
        for (const k of index.search(v.lon, v.lat, v.lon, v.lat)) {
          const zone = zones[k]
          // A zone counts for a position observed while the zone was valid (an old position is not in today's storm).
          if (zone.validFrom !== null && v.at < zone.validFrom) continue
          if (zone.validTo !== null && v.at > zone.validTo) continue
          if (!pointInGeometry(zone.geometry as ZoneGeometry, v.lon, v.lat)) continue
          const type = zone.kind as EventType
          const dedupeKey = `${type}:zone:${zone.id}:vessel:${v.mmsi}`
          holding.set(dedupeKey, {
            type,
            severity: zone.severity,
            zoneId: zone.id,
            portId: null,
            mmsi: v.mmsi,
            dedupeKey,
            title: `${v.name ?? `MMSI ${v.mmsi}`} inside ${zone.name}`,
            lat: v.lat,
            lon: v.lon,
            source: worstSource([zone.source, v.source ?? 'fallback']),
            observedAt: v.at,
            metadata: {zone_external_id: zone.externalId, zone_kind: zone.kind},
          })
        }
      },
      // World scale is hundreds of thousands of positions: timers, signals and the API get a turn.
      async () => {
        await yieldToEventLoop()
        throwIfCancelled(ctx.signal)
      },
    )
  }

  const distressPorts = await portsOf(ctx, transmitting)
  transmitting.forEach((report, k) => {
    const draft = distressDraft(report, distressPorts[k])
    if (draft) holding.set(draft.dedupeKey, draft)
  })

  // Ports whose latest snapshot is high or severe.
  const congested = await latestCongestion(db, ['high', 'severe'])
  for (const c of congested) {
    const dedupeKey = `congestion:port:${c.portId}`
    holding.set(dedupeKey, {
      type: 'congestion',
      severity: congestionSeverity[c.level] ?? 'high',
      zoneId: null,
      portId: c.portId,
      mmsi: null,
      dedupeKey,
      title: `${c.name}: ${c.level} congestion, ${c.waiting} vessels waiting (baseline ${c.baseline})`,
      lat: c.lat,
      lon: c.lon,
      source: c.source,
      observedAt: c.observedAt,
      metadata: {level: c.level, vessels_waiting: c.waiting, baseline_waiting: c.baseline},
    })
  }

  const open = db.orm
    .select({id: safetyEvents.id, type: safetyEvents.type, title: safetyEvents.title, dedupeKey: safetyEvents.dedupeKey})
    .from(safetyEvents)
    .where(isNull(safetyEvents.resolvedAt))
    .all()
  const openKeys = new Set(open.map((e) => e.dedupeKey))
  return {
    create: [...holding.values()].filter((d) => !openKeys.has(d.dedupeKey)),
    resolve: open.filter((e) => !holding.has(e.dedupeKey)),
    ongoing: open.filter((e) => holding.has(e.dedupeKey)).map((e) => e.id),
    vessels_checked: vesselsChecked,
    zones_checked: zones.length,
  }
}

export interface DetectionResult {
  created: SafetyEvent[]
  resolved: number
  notifications: number
}

/** Writes a plan in one transaction: new events, resolutions, last-seen times, notifications. */
export async function applyDetection(ctx: Context, plan: DetectionPlan): Promise<DetectionResult> {
  const {db} = ctx
  const now = ctx.clock.now()
  return write(db, async () => {
    const created = await hotStatements(db).insertEvents(plan.create, now)
    let resolved = 0
    for (const event of plan.resolve) {
      resolved += db.orm
        .update(safetyEvents)
        .set({resolvedAt: now})
        .where(and(eq(safetyEvents.id, event.id), isNull(safetyEvents.resolvedAt)))
        .run().changes
    }
    for (let i = 0; i < plan.ongoing.length; i += 500) {
      db.orm
        .update(safetyEvents)
        .set({lastSeenAt: now})
        .where(inArray(safetyEvents.id, plan.ongoing.slice(i, i + 500)))
        .run()
    }
    const notifications = notifyWatchers(ctx, created)
    return {created, resolved, notifications}
  })
}
