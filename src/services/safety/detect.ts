// Safety-event detection: vessels inside storm or piracy zones, ports at high congestion and distress
// transmitters become events, one open event per (type, zone or port, vessel) while the condition lasts,
// resolved when it ends.
// Planning only reads, so --dry-run shows exactly what applying would write.
import Flatbush from 'flatbush'

import {throwIfCancelled, yieldToEventLoop} from '../cancel.js'
import type {Context} from '../context.js'
import {eachCurrentPosition, newestCurrentPositionAt} from '../db/current-positions.js'
import {type EventRow, insertEvents, markEventsSeen, openEvents, resolveEvents, type SafetyEvent} from '../db/events.js'
import type {EventType, Severity} from '../db/schema.js'
import {write} from '../db/transaction.js'
import {activeZones} from '../db/zones.js'
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
  const zones = await activeZones(db, ['storm', 'piracy'])
  const newest = await newestCurrentPositionAt(db)

  const holding = new Map<string, EventDraft>()
  const transmitting: DistressReport[] = []
  let vesselsChecked = 0
  if (newest !== null) {
    const index = zones.length > 0 ? new Flatbush(zones.length) : null
    if (index) {
      for (const z of zones) index.add(z.minLon, z.minLat, z.maxLon, z.maxLat)
      index.finish()
    }
    vesselsChecked = await eachCurrentPosition(
      db,
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

  const open = await openEvents(db)
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
    const created = await insertEvents(db, plan.create, now)
    const resolved = await resolveEvents(db, plan.resolve.map((e) => e.id), now)
    await markEventsSeen(db, plan.ongoing, now)
    const notifications = await notifyWatchers(ctx, created)
    return {created, resolved, notifications}
  })
}
