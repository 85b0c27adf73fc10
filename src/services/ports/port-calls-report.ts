// What `ports calls` shows: the port visits since a time, at a port or everywhere, calls only or with port
// stops and visits still under 3 h, with their wait at anchorage and time at berth in hours.
import type {PortCallEntry, PortCallsReport} from '../../schemas/ports.js'
import type {Context} from '../context.js'
import {listPortCalls, type PortCallListing} from '../db/port-calls.js'
import {portsByCode} from '../db/ports.js'
import {usageError} from '../errors.js'
import {worstSource} from '../provenance.js'

export type {PortCallEntry, PortCallsReport} from '../../schemas/ports.js'

export interface PortCallsQuery {
  /** UN/LOCODE (or World Port Index number); every port when not given. */
  port?: string
  sinceMs: number
  /** Calls only (the default), or every visit. */
  callsOnly: boolean
  limit: number
}

const hours = (ms: number) => Math.round((ms / 3_600_000) * 100) / 100
const iso = (ms: number) => new Date(ms).toISOString()

function entryOf(c: PortCallListing): PortCallEntry {
  return {
    id: c.id,
    mmsi: c.mmsi,
    vessel_name: c.vesselName,
    ship_type: c.shipType,
    port_id: c.portId,
    port_name: c.portName,
    unlocode: c.unlocode,
    country: c.country,
    kind: c.isCall ? 'call' : c.departedAt === null ? 'visit' : 'port_stop',
    open: c.departedAt === null,
    arrived_at: iso(c.arrivedAt),
    departed_at: c.departedAt === null ? null : iso(c.departedAt),
    last_at: iso(c.lastAt),
    berthed_at: c.berthedAt === null ? null : iso(c.berthedAt),
    hours_in_port: hours((c.departedAt ?? c.lastAt) - c.arrivedAt),
    waiting_hours: hours(c.anchorageMs),
    at_berth_hours: hours(c.berthMs),
    stops: c.stops,
    gaps: c.gaps,
    entry_lat: c.entryLat,
    entry_lon: c.entryLon,
    source: c.source,
  }
}

export async function portCallsReport(ctx: Context, query: PortCallsQuery): Promise<PortCallsReport> {
  const since = ctx.clock.now() - query.sinceMs
  let ports: PortCallsReport['ports'] = []
  if (query.port !== undefined) {
    const found = await portsByCode(ctx.db, query.port)
    if (found.length === 0) throw usageError(`no port ${query.port.trim()}`, 'give a UN/LOCODE such as NLRTM or SGKEP (or a World Port Index number); `ports congestion --port NAME` finds a port by name')
    ports = found.map((p) => ({port_id: p.id, name: p.name, unlocode: p.unlocode}))
  }
  const rows = await listPortCalls(ctx.db, {
    since,
    portId: query.port === undefined ? undefined : ports.map((p) => p.port_id),
    callsOnly: query.callsOnly,
    limit: query.limit,
  })
  const calls = rows.map(entryOf)
  return {
    count: calls.length,
    since: iso(since),
    calls_only: query.callsOnly,
    ports,
    calls,
    metadata: {source: worstSource(calls.map((c) => c.source))},
  }
}
