// The shipped part of port areas: Global Fishing Watch's named anchorage cells, matched to the World Port
// Index ports and stored as each port's anchorage cells (origin fallback); the labels no port takes are
// reported with their cell counts.
import type {AnchorageCellsReport} from '../../schemas/maintenance.js'
import type {ShippedAnchorage} from '../datasets/anchorages.js'
import {portIso3} from '../datasets/countries.js'
import type {ShippedPort} from '../datasets/ports.js'
import {portIdsByWpiNumber, storeAreaCells} from '../db/port-areas.js'
import type {AnyDb} from '../db/transaction.js'
import {type MatchablePort, matchNamedAnchorages} from './named-anchorages.js'

/** Named anchorages no name places go to the nearest port this close, as learned cells do. */
export const ASSIGN_WITHIN_KM = 20
const MAX_NAMED_KM = 150

export type {AnchorageCellsReport} from '../../schemas/maintenance.js'

/** Matches and stores the shipped anchorage cells; call inside a write transaction. `force` rewrites them. */
export async function storeShippedAnchorageCells(
  db: AnyDb,
  shippedPorts: ShippedPort[],
  anchorages: ShippedAnchorage[],
  now: number,
  force: boolean,
): Promise<AnchorageCellsReport> {
  const ids = await portIdsByWpiNumber(db)
  const ports: MatchablePort[] = []
  for (const p of shippedPorts) {
    const id = ids.get(p.wpiNumber)
    if (id !== undefined) ports.push({id, name: p.name, alternateNames: p.alternateNames, iso3: portIso3(p.country, p.unlocode), lat: p.lat, lon: p.lon})
  }
  const match = matchNamedAnchorages(anchorages, ports, {proximityKm: ASSIGN_WITHIN_KM, maxNamedKm: MAX_NAMED_KM})
  const write = await storeAreaCells(
    db,
    'fallback',
    match.assigned.map((a) => ({...a, kind: 'anchorage' as const, vessels: null, origin: 'fallback' as const})),
    now,
    {replace: force},
  )
  const recreated = Math.min(write.deleted, write.created)
  return {
    created: write.created - recreated,
    kept: write.kept,
    recreated,
    untouched: write.untouched,
    matched_by_name: match.byName,
    matched_by_proximity: match.byProximity,
    unmatched_cells: match.unmatchedCells,
    unmatched_labels: match.unmatched.length,
    unmatched: match.unmatched,
  }
}
