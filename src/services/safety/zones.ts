// Safety zones: storm zones from marine weather alerts, piracy risk areas derived from incident
// clusters, congestion areas around ports at high or severe; stored with validity, severity and source.
import {and, eq, inArray, notInArray} from 'drizzle-orm'
import KDBush from 'kdbush'
import * as geokdbush from 'geokdbush'

import {type Db, writeTransaction} from '../db/client.js'
import {type DataSource, type NewSafetyZone, type Origin, type Severity, type ZoneKind, safetyZones} from '../db/schema.js'
import type {PiracyIncident} from '../datasets/piracy.js'
import {bboxOf, circleGeometry, haversineKm, type ZoneGeometry} from '../geo/geometry.js'
import type {MarineAlert} from '../providers/nws.js'
import {isWarning, marineEvent, stormSeverity} from './storm-severity.js'

export type ZoneDraft = Omit<NewSafetyZone, 'id' | 'createdAt' | 'updatedAt' | 'minLon' | 'minLat' | 'maxLon' | 'maxLat' | 'geometry'> & {
  geometry: ZoneGeometry
}

const DAY_MS = 86_400_000

export interface PiracyZoneOptions {
  windowDays: number
  radiusKm: number
  minIncidents: number
  source: DataSource
  origin: Origin
}

/**
 * Risk areas from incident points: incidents within `radiusKm` of one another chain into a cluster
 * (DBSCAN: a core incident has at least `minIncidents` within the radius), over a window measured back
 * from the newest incident the data holds, so an old export still yields its last year of risk.
 */
export function buildPiracyZones(incidents: PiracyIncident[], options: PiracyZoneOptions): ZoneDraft[] {
  if (incidents.length === 0) return []
  const newest = Math.max(...incidents.map((i) => i.occurredAt))
  const windowStart = newest - options.windowDays * DAY_MS
  const recent = incidents.filter((i) => i.occurredAt >= windowStart)
  if (recent.length === 0) return []

  const index = new KDBush(recent.length)
  for (const i of recent) index.add(i.lon, i.lat)
  index.finish()
  const neighbours = (k: number): number[] =>
    geokdbush.around(index, recent[k].lon, recent[k].lat, Infinity, options.radiusKm) as number[]

  const cluster = new Int32Array(recent.length).fill(-1)
  let clusters = 0
  for (let k = 0; k < recent.length; k++) {
    if (cluster[k] !== -1) continue
    const seeds = neighbours(k)
    if (seeds.length < options.minIncidents) continue
    const id = clusters++
    cluster[k] = id
    const queue = [...seeds]
    while (queue.length > 0) {
      const j = queue.pop() as number
      if (cluster[j] !== -1) continue
      cluster[j] = id
      const more = neighbours(j)
      if (more.length >= options.minIncidents) queue.push(...more.filter((m) => cluster[m] === -1))
    }
  }

  const drafts: ZoneDraft[] = []
  for (let id = 0; id < clusters; id++) {
    const members = recent.filter((_, k) => cluster[k] === id)
    const [lat, lon] = sphericalCentroid(members)
    const reach = Math.max(...members.map((m) => haversineKm(lat, lon, m.lat, m.lon)))
    const radius = Math.round(reach + options.radiusKm / 2)
    const newestInCluster = Math.max(...members.map((m) => m.occurredAt))
    const first = members.map((m) => m.reference).sort()[0]
    const navAreas = [...new Set(members.map((m) => m.navArea).filter(Boolean))].join('/')
    drafts.push({
      kind: 'piracy',
      externalId: `piracy:${first}`,
      name: `Piracy risk area${navAreas ? ` (NAVAREA ${navAreas})` : ''}: ${members.length} incidents within ${radius} km`,
      severity: piracySeverity(members.length),
      geometry: circleGeometry(lat, lon, radius),
      validFrom: windowStart,
      validTo: null,
      active: true,
      portId: null,
      source: options.source,
      observedAt: newest,
      origin: options.origin,
      metadata: {
        incidents: members.length,
        newest_incident_at: new Date(newestInCluster).toISOString(),
        window_start: new Date(windowStart).toISOString(),
        window_days: options.windowDays,
        center: [round(lon), round(lat)],
        radius_km: radius,
      },
    })
  }
  return drafts
}

function piracySeverity(count: number): Severity {
  if (count >= 20) return 'critical'
  if (count >= 10) return 'high'
  if (count >= 5) return 'medium'
  return 'low'
}

/** Mean of unit vectors: a centre that stays right across the antimeridian. */
function sphericalCentroid(points: Array<{lat: number; lon: number}>): [number, number] {
  let x = 0
  let y = 0
  let z = 0
  for (const p of points) {
    const la = (p.lat * Math.PI) / 180
    const lo = (p.lon * Math.PI) / 180
    x += Math.cos(la) * Math.cos(lo)
    y += Math.cos(la) * Math.sin(lo)
    z += Math.sin(la)
  }
  const lon = (Math.atan2(y, x) * 180) / Math.PI
  const lat = (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI
  return [lat, lon]
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4
}

/**
 * Storm zones from marine alerts that have an outline (their own polygon or the zones they name); alerts
 * without one are counted. A zone's external id is the NWS alert id; zones from the shipped capture get
 * their own ids, so they never collide with the live alert they copy. `now` decides which are upcoming.
 */
export function stormZonesFromAlerts(
  alerts: MarineAlert[],
  source: DataSource,
  origin: Origin,
  observedAt: number,
  now: number = observedAt,
): {drafts: ZoneDraft[]; withoutGeometry: number} {
  const drafts: ZoneDraft[] = []
  let withoutGeometry = 0
  for (const alert of alerts) {
    if (!alert.geometry) {
      withoutGeometry++
      continue
    }
    drafts.push({
      kind: 'storm',
      externalId: origin === 'fallback' ? `nws-capture:${alert.externalId}` : alert.externalId,
      name: alert.headline ?? alert.event,
      severity: stormSeverity(alert.event, alert.nwsSeverity, alert.certainty),
      geometry: alert.geometry,
      validFrom: alert.validFrom,
      validTo: alert.validTo,
      active: true,
      portId: null,
      source,
      // When NWS issued this version of the alert.
      observedAt: alert.sent ?? observedAt,
      origin,
      metadata: {
        event: alert.event,
        event_rank: marineEvent(alert.event)?.rank ?? null,
        nws_severity: alert.nwsSeverity,
        certainty: alert.certainty,
        warning: isWarning(alert.event),
        // Stored but raising no vessel events until its onset (detection compares position times with valid_from).
        upcoming: alert.validFrom !== null && alert.validFrom > now,
        area: alert.area,
        affected_zones: alert.affectedZones.length,
        ...(alert.outline ? {outline_from_zones: alert.outline.zones, zones_missing: alert.outline.missing} : {}),
      },
    })
  }
  return {drafts, withoutGeometry}
}

export interface ZoneWrite {
  created: number
  updated: number
  unchanged: number
  deactivated: number
  /** Rows made by people (origin 'user'): never overwritten. */
  untouched: number
}

/**
 * Stores zones of one kind by external id. `replaceScope` names the set the drafts are the whole truth
 * for (e.g. every live storm zone): active zones in that scope missing from the drafts are deactivated.
 * Returns counts; never deletes, so events keep their zone.
 */
export function storeZones(
  db: Db,
  kind: ZoneKind,
  drafts: ZoneDraft[],
  now: number,
  replaceScope?: {origins: Origin[]},
  options: {onlyMissing?: boolean} = {},
): ZoneWrite {
  const out: ZoneWrite = {created: 0, updated: 0, unchanged: 0, deactivated: 0, untouched: 0}
  writeTransaction(db, () => {
    for (const draft of drafts) {
      const row = {...draft, ...bboxOf(draft.geometry), updatedAt: now}
      const existing = db.orm.select().from(safetyZones).where(eq(safetyZones.externalId, draft.externalId)).get()
      if (!existing) {
        db.orm.insert(safetyZones).values({...row, createdAt: now}).run()
        out.created++
        continue
      }
      // People's zones are theirs; zones from live data are never overwritten by shipped (worse) data.
      if (existing.origin === 'user' || (existing.origin === 'ingest' && draft.origin === 'fallback')) {
        out.untouched++
        continue
      }
      if (options.onlyMissing) {
        out.unchanged++
        continue
      }
      const same =
        existing.name === row.name &&
        existing.severity === row.severity &&
        existing.validFrom === row.validFrom &&
        existing.validTo === row.validTo &&
        existing.active === true &&
        existing.source === row.source &&
        JSON.stringify(existing.geometry) === JSON.stringify(row.geometry) &&
        JSON.stringify(existing.metadata) === JSON.stringify(row.metadata)
      if (same) {
        out.unchanged++
        continue
      }
      db.orm.update(safetyZones).set(row).where(eq(safetyZones.id, existing.id)).run()
      out.updated++
    }
    if (replaceScope) {
      const keep = drafts.map((d) => d.externalId)
      const stale = db.orm
        .select({id: safetyZones.id, validTo: safetyZones.validTo})
        .from(safetyZones)
        .where(
          and(
            eq(safetyZones.kind, kind),
            eq(safetyZones.active, true),
            inArray(safetyZones.origin, replaceScope.origins),
            keep.length > 0 ? notInArray(safetyZones.externalId, keep) : undefined,
          ),
        )
        .all()
      for (const zone of stale) {
        db.orm
          .update(safetyZones)
          .set({active: false, validTo: zone.validTo === null || zone.validTo > now ? now : zone.validTo, updatedAt: now})
          .where(eq(safetyZones.id, zone.id))
          .run()
        out.deactivated++
      }
    }
  })
  return out
}
