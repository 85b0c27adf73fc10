// Anchorage and berth cells learned from the stored AIS: cells (S2 level 14) where at least N distinct
// vessels stopped for 3 h or more and that no port has yet, each given to the nearest port within 20 km.
// Only merchant ships and those of unknown type count: a fishing fleet's or the tugs' moorings are no
// anchorage for a queue of ships.
// A cell where the stopped ships mostly reported moored is a berth (Barbours Cut), else an anchorage (San
// Pedro Bay). Learning reads a month of stops, so it runs at most once a day.
import type {LearnedCells} from '../../schemas/job-summaries.js'
import type {Context} from '../context.js'
import {type NewAreaCell, storeAreaCells} from '../db/port-areas.js'
import {readSetting, writeSetting} from '../db/settings.js'
import {write} from '../db/transaction.js'
import {longStopsOutsideCells} from '../db/vessel-stops.js'
import {shipClass} from '../ais/ship-types.js'
import type {PortAreas} from './port-areas.js'
import {ASSIGN_WITHIN_KM} from './shipped-areas.js'

export const LEARN_MIN_STOP_MS = 3 * 3_600_000
const LEARN_EVERY_MS = 86_400_000
const LEARNED_AT_KEY = 'ports.cells.learned_at'

export type {LearnedCells} from '../../schemas/job-summaries.js'

export async function learnAreaCells(ctx: Context, areas: PortAreas, at: number): Promise<LearnedCells> {
  const {db, config} = ctx
  const last = await readSetting<number>(db, LEARNED_AT_KEY)
  // A clock set back (a replay) learns again rather than waiting for the old date.
  if (last !== undefined && at >= last && at - last < LEARN_EVERY_MS) {
    return {ran: false, cells_learned: 0, cells_without_port: 0}
  }
  // Mean positions accumulate longitudes as offsets from the cell's first stop: a cell may straddle the antimeridian.
  const byCell = new Map<string, {vessels: Set<number>; lat: number; lon0: number; dLon: number; stops: number; anchoredReports: number; mooredReports: number}>()
  for (const stop of await longStopsOutsideCells(db, at - config.retentionPositionsDays * 86_400_000, LEARN_MIN_STOP_MS)) {
    if (shipClass(stop.shipType) === 'other') continue
    let c = byCell.get(stop.cell)
    if (!c) byCell.set(stop.cell, (c = {vessels: new Set(), lat: 0, lon0: stop.lon, dLon: 0, stops: 0, anchoredReports: 0, mooredReports: 0}))
    c.vessels.add(stop.mmsi)
    c.lat += stop.lat
    c.dLon += ((((stop.lon - c.lon0 + 180) % 360) + 360) % 360) - 180
    c.stops++
    c.anchoredReports += stop.anchoredReports
    c.mooredReports += stop.mooredReports
  }
  const candidates = [...byCell]
    .filter(([, c]) => c.vessels.size >= config.learnedCellMinVessels)
    .map(([cell, c]) => {
      const lon = c.lon0 + c.dLon / c.stops
      return {cell, vessels: c.vessels.size, lat: c.lat / c.stops, lon: lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon, anchoredReports: c.anchoredReports, mooredReports: c.mooredReports}
    })
  let withoutPort = 0
  const cells: NewAreaCell[] = []
  for (const c of candidates) {
    const near = areas.nearestPort(c.lat, c.lon, ASSIGN_WITHIN_KM)
    if (!near) {
      withoutPort++
      continue
    }
    cells.push({
      portId: near.portId,
      cell: c.cell,
      lat: c.lat,
      lon: c.lon,
      kind: c.mooredReports > c.anchoredReports ? ('berth' as const) : ('anchorage' as const),
      method: 'learned' as const,
      label: null,
      sublabel: null,
      vessels: c.vessels,
      origin: 'ingest' as const,
    })
  }
  const stored = await write(db, async () => {
    const cellWrite = await storeAreaCells(db, 'ingest', cells, ctx.clock.now(), {replace: false})
    await writeSetting(db, LEARNED_AT_KEY, at, ctx.clock.now())
    return cellWrite
  })
  return {ran: true, cells_learned: stored.created, cells_without_port: withoutPort}
}
