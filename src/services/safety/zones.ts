// Safety zones: storm zones from marine weather alerts, congestion areas around ports at high or severe,
// and the store every kind of zone (piracy risk areas are built in services/piracy) is written through.
import type {ZoneWrite} from '../../schemas/job-summaries.js'

import type {DataSource, Origin, ZoneKind} from '../db/schema.js'
import {type AnyDb, write} from '../db/transaction.js'
import {deactivateZonesOutside, insertZones, type NewSafetyZone, updateZone, zonesByExternalId} from '../db/zones.js'
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

type ZoneRow = Omit<NewSafetyZone, 'id' | 'createdAt'>

/** JSON with every object's keys in order: stored JSON keeps its values, not always its key order (PostgreSQL's jsonb). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )
}

/** Whether a zone as stored already says what `row` says. */
function sameZone(existing: ZoneRow, row: ZoneRow): boolean {
  const a = existing.geometry as ZoneGeometry
  const b = row.geometry as ZoneGeometry
  return (
    existing.name === row.name &&
    existing.severity === row.severity &&
    existing.validFrom === row.validFrom &&
    existing.validTo === row.validTo &&
    existing.active === true &&
    existing.source === row.source &&
    a.type === b.type &&
    // Coordinates are arrays only: plain JSON compares them, and fast (a piracy area has thousands of points).
    JSON.stringify(a.coordinates) === JSON.stringify(b.coordinates) &&
    canonicalJson(existing.metadata) === canonicalJson(row.metadata)
  )
}

/**
 * Stores zones of one kind by external id. `replaceScope` names the set the drafts are the whole truth
 * for (e.g. every live storm zone): active zones in that scope missing from the drafts are deactivated.
 * Returns counts; never deletes, so events keep their zone.
 */
export async function storeZones(
  db: AnyDb,
  kind: ZoneKind,
  drafts: ZoneDraft[],
  now: number,
  replaceScope?: {origins: Origin[]},
  options: {onlyMissing?: boolean} = {},
): Promise<ZoneWrite> {
  return write(db, async () => {
    const out: ZoneWrite = {created: 0, updated: 0, unchanged: 0, deactivated: 0, untouched: 0}
    // Read in one go and inserted in one go: a few statements for hundreds of zones, not a few per zone.
    const stored = await zonesByExternalId(db, drafts.map((d) => d.externalId))
    const created = new Map<string, NewSafetyZone>()
    for (const draft of drafts) {
      const row: ZoneRow = {...draft, ...bboxOf(draft.geometry), updatedAt: now}
      const existing = stored.get(draft.externalId)
      if (!existing) {
        // A second draft with the same external id in one call replaces the first, as an update would.
        const first = created.get(draft.externalId)
        if (first === undefined) out.created++
        else if (sameZone(first, row)) out.unchanged++
        else out.updated++
        created.set(draft.externalId, {...row, createdAt: first?.createdAt ?? now})
        continue
      }
      // People's zones are theirs; zones from live data are never overwritten by shipped (worse) data.
      if (existing.origin === 'user' || (existing.origin === 'ingest' && draft.origin === 'fallback')) {
        out.untouched++
        continue
      }
      if (options.onlyMissing || sameZone(existing, row)) {
        out.unchanged++
        continue
      }
      await updateZone(db, existing.id, row)
      stored.set(draft.externalId, {...existing, ...row})
      out.updated++
    }
    await insertZones(db, [...created.values()])
    if (replaceScope) {
      out.deactivated = await deactivateZonesOutside(db, {kind, origins: replaceScope.origins, keep: drafts.map((d) => d.externalId)}, now)
    }
    return out
  })
}
