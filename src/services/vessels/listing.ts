// `vessels list`: vessels with their latest position, chosen by a box, a port's area (its berths and
// anchorage cells, as congestion counts them), their AIS ship type class and how recent the position is.
import type {ListedVessel, VesselList} from '../../schemas/vessels.js'
import {SHIP_TYPE_CLASSES, SHIP_TYPE_CODES, type ShipTypeClass, shipTypeClass, shipTypeText} from '../ais/ship-types.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {areaCellsInBox, areaCellsOfPort, areaPorts} from '../db/port-areas.js'
import {type CodeRange, type LonLatBox, type PositionedVessel, vesselsWhere} from '../db/vessels.js'
import {usageError} from '../errors.js'
import {CELL_REACH_KM, type Place, placeInPort, PortAreas} from '../ports/port-areas.js'
import {findPort, parseArea} from '../users/watchlists.js'

export type {VesselList} from '../../schemas/vessels.js'

export interface VesselListQuery {
  /** minLon,minLat,maxLon,maxLat as typed (minLon > maxLon: across the antimeridian). */
  bbox?: string
  /** A UN/LOCODE, World Port Index number or harbormaster port id. */
  inPort?: string
  types?: ShipTypeClass[]
  /** Only vessels whose latest position is at most this old (ms). */
  sinceMs?: number
  limit: number
}

const KM_PER_DEGREE = 111.195

export async function vesselListing(ctx: Context, query: VesselListQuery): Promise<VesselList> {
  const box = query.bbox === undefined ? undefined : boxOf(parseArea(query.bbox))
  const since = query.sinceMs === undefined ? undefined : ctx.clock.now() - query.sinceMs
  const types = query.types && query.types.length > 0 ? [...new Set(query.types)] : undefined
  const typeFilter = types ? shipTypeSelection(types) : {}
  let port: VesselList['port'] = null
  let rows: PositionedVessel[]
  const places = new Map<number, Place>()
  let more: boolean
  if (query.inPort !== undefined) {
    const found = await findPort(ctx, query.inPort)
    if (!found) throw usageError(`no port ${query.inPort}`, 'use a UN/LOCODE (NLRTM) or World Port Index number; load ports with `harbormaster ensure-fallback-data`')
    port = {id: found.id, unlocode: found.unlocode, name: found.name}
    const {areas, box: portBox} = await portAreasAround(ctx, found.id)
    // The index narrows to the box around the port's area; the port areas decide, as congestion does (a
    // position nearer a neighbour's cell belongs to the neighbour).
    const near = await vesselsWhere(ctx.db, {box: portBox, since, ...typeFilter})
    const inside = near.filter((v) => {
      const hit = areas.locate(v.lat, v.lon)
      if (hit === null || hit.portId !== found.id) return false
      places.set(v.mmsi, placeInPort(hit, v.navStatus))
      return box === undefined || inBox(box, v.lon, v.lat)
    })
    more = inside.length > query.limit
    rows = inside.slice(0, query.limit)
  } else {
    rows = await vesselsWhere(ctx.db, {box, since, ...typeFilter, limit: query.limit + 1})
    more = rows.length > query.limit
    rows = rows.slice(0, query.limit)
  }
  return {
    vessels: rows.map((v) => listedVessel(v, places.get(v.mmsi) ?? null)),
    returned: rows.length,
    more,
    bbox: box ? [box.minLon, box.minLat, box.maxLon, box.maxLat] : null,
    port,
    types: types ?? null,
    since: iso(since),
  }
}

function boxOf([minLon, minLat, maxLon, maxLat]: [number, number, number, number]): LonLatBox {
  return {minLon, minLat, maxLon, maxLat}
}

function inBox(b: LonLatBox, lon: number, lat: number): boolean {
  if (lat < b.minLat || lat > b.maxLat) return false
  return b.minLon <= b.maxLon ? lon >= b.minLon && lon <= b.maxLon : lon >= b.minLon || lon <= b.maxLon
}

/** The code ranges of the classes asked for; `unknown` is every code no class claims. */
function shipTypeSelection(types: ShipTypeClass[]): {shipTypes: CodeRange[]; shipTypesOutside?: CodeRange[]} {
  const shipTypes = types.flatMap((t) => (t === 'unknown' ? [] : SHIP_TYPE_CODES[t]))
  if (!types.includes('unknown')) return {shipTypes}
  return {shipTypes, shipTypesOutside: SHIP_TYPE_CLASSES.flatMap((t) => (t === 'unknown' ? [] : SHIP_TYPE_CODES[t]))}
}

/**
 * The port areas around one port: its own box (its berth reach and each of its cells' reach), and the
 * ports and cells near enough to claim a position in that box, which is all PortAreas.locate consults
 * for such a position: its answer is the one the whole world's areas would give.
 */
async function portAreasAround(ctx: Context, portId: number): Promise<{areas: PortAreas; box: LonLatBox}> {
  const [ports, own] = await Promise.all([areaPorts(ctx.db), areaCellsOfPort(ctx.db, portId)])
  const reaches: Reach[] = own.map((c) => ({lat: c.lat, lon: c.lon, km: CELL_REACH_KM}))
  const port = ports.find((p) => p.id === portId)
  if (port) reaches.unshift({lat: port.lat, lon: port.lon, km: port.radiusKm})
  const claim = ports.reduce((km, p) => Math.max(km, p.radiusKm), CELL_REACH_KM)
  const around = boxAround(reaches, claim)
  const cells = await areaCellsInBox(ctx.db, around)
  return {areas: new PortAreas(ports.filter((p) => inBox(around, p.lon, p.lat)), cells), box: boxAround(reaches, 0)}
}

interface Reach {
  lat: number
  lon: number
  km: number
}

/** The box holding every point within its reach (plus `extraKm`) of these points. */
function boxAround(reaches: Reach[], extraKm: number): LonLatBox {
  if (reaches.length === 0) return {minLon: 0, minLat: 0, maxLon: 0, maxLat: 0}
  // Longitudes measured from the first point, so an area across the antimeridian stays one span.
  const origin = reaches[0].lon
  let west = Infinity
  let east = -Infinity
  let south = Infinity
  let north = -Infinity
  for (const r of reaches) {
    // A margin over the reach: rounding must never cut off what the port area would hold.
    const dLat = ((r.km + extraKm) * 1.02) / KM_PER_DEGREE
    const cos = Math.cos((Math.min(89, Math.abs(r.lat) + dLat) * Math.PI) / 180)
    const dLon = dLat / Math.max(cos, 1e-6)
    const lon = origin + ((((r.lon - origin) % 360) + 540) % 360) - 180
    west = Math.min(west, lon - dLon)
    east = Math.max(east, lon + dLon)
    south = Math.min(south, r.lat - dLat)
    north = Math.max(north, r.lat + dLat)
  }
  const minLat = Math.max(-90, south)
  const maxLat = Math.min(90, north)
  if (east - west >= 360) return {minLon: -180, minLat, maxLon: 180, maxLat}
  const wrap = (lon: number) => ((((lon + 180) % 360) + 360) % 360) - 180
  return {minLon: west < -180 || west > 180 ? wrap(west) : west, minLat, maxLon: east < -180 || east > 180 ? wrap(east) : east, maxLat}
}

function listedVessel(v: PositionedVessel, place: Place | null): ListedVessel {
  return {
    mmsi: v.mmsi,
    name: v.name,
    imo: v.imo,
    callsign: v.callsign,
    ship_type: v.shipType,
    ship_type_class: shipTypeClass(v.shipType),
    ship_type_text: shipTypeText(v.shipType),
    flag: v.flag,
    destination: v.destination,
    lat: v.lat,
    lon: v.lon,
    sog: v.sog,
    cog: v.cog,
    heading: v.heading,
    nav_status: v.navStatus,
    observed_at: iso(v.positionAt) as string,
    source: v.positionSource,
    place,
  }
}
