// Safety zones: storm zones from marine weather alerts, congestion areas around ports at high or severe,
// and the store every kind of zone (piracy risk areas are built in services/piracy) is written through.
import type {ZoneWrite} from '../../schemas/job-summaries.js'
import {and, eq, inArray, notInArray} from 'drizzle-orm'

import {type Db, writeTransaction} from '../db/client.js'
import {type DataSource, type NewSafetyZone, type Origin, type ZoneKind, safetyZones} from '../db/schema.js'
import {bboxOf, type ZoneGeometry} from '../geo/geometry.js'
import type {MarineAlert} from '../providers/nws.js'
import {isWarning, marineEvent, stormSeverity} from './storm-severity.js'

export type ZoneDraft = Omit<NewSafetyZone, 'id' | 'createdAt' | 'updatedAt' | 'minLon' | 'minLat' | 'maxLon' | 'maxLat' | 'geometry'> & {
  geometry: ZoneGeometry
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

export type {ZoneWrite} from '../../schemas/job-summaries.js'

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
