// Distress transmitters on AIS: AIS-SART (MMSI 970xxyyyy), MOB-AIS (972xxyyyy) and EPIRB-AIS (974xxyyyy).
// Their reports are never discarded: each active transmitter is a critical `distress` event with its
// position, notified to every ADMIN and to the watchers of its area or port. Test transmissions (navigational
// status 15, "undefined, used by AIS-SART, MOB-AIS and EPIRB-AIS under test") are stored and counted only.
import type {Context} from '../context.js'
import {type EventRow, insertEvents, type SafetyEvent, touchOpenEvent} from '../db/events.js'
import {areaCells, areaPorts} from '../db/port-areas.js'
import type {DataSource} from '../db/schema.js'
import {write} from '../db/transaction.js'
import {PortAreas} from '../ports/port-areas.js'
import {notifyWatchers} from './notify.js'

export type DistressDevice = 'AIS-SART' | 'MOB-AIS' | 'EPIRB-AIS'

const DEVICES: Record<number, DistressDevice> = {970: 'AIS-SART', 972: 'MOB-AIS', 974: 'EPIRB-AIS'}
/** Navigational status of a distress transmitter under test (ITU-R M.1371). */
const UNDER_TEST = 15

/** The kind of distress transmitter an MMSI belongs to, or null for any other station. */
export function distressDevice(mmsi: number): DistressDevice | null {
  if (mmsi < 970_000_000 || mmsi >= 975_000_000) return null
  return DEVICES[Math.floor(mmsi / 1_000_000)] ?? null
}

export function isTestTransmission(navStatus: number | null | undefined): boolean {
  return navStatus === UNDER_TEST
}

export interface DistressReport {
  mmsi: number
  lat: number
  lon: number
  observedAt: number
  navStatus: number | null
  source: DataSource
}

/** The event an active transmitter holds open (one per transmitter while it keeps transmitting). */
export function distressDraft(report: DistressReport, port: {id: number; name: string} | null): EventRow | null {
  const device = distressDevice(report.mmsi)
  if (!device || isTestTransmission(report.navStatus)) return null
  const where = `${formatCoordinate(report.lat, 'N', 'S')} ${formatCoordinate(report.lon, 'E', 'W')}`
  return {
    type: 'distress',
    severity: 'critical',
    zoneId: null,
    portId: port?.id ?? null,
    mmsi: report.mmsi,
    dedupeKey: `distress:mmsi:${report.mmsi}`,
    title: `${device} ${report.mmsi} transmitting at ${where}${port ? ` near ${port.name}` : ''}`,
    lat: report.lat,
    lon: report.lon,
    source: report.source,
    observedAt: report.observedAt,
    metadata: {device, nav_status: report.navStatus},
  }
}

function formatCoordinate(value: number, positive: string, negative: string): string {
  return `${Math.abs(value).toFixed(4)}°${value >= 0 ? positive : negative}`
}

/** The port whose area (berths and anchorages) holds each report; null outside every port. */
export async function portsOf(ctx: Context, reports: DistressReport[]): Promise<Array<{id: number; name: string} | null>> {
  if (reports.length === 0) return []
  const ports = await areaPorts(ctx.db)
  const names = new Map(ports.map((p) => [p.id, p.name]))
  const areas = new PortAreas(ports, await areaCells(ctx.db))
  return reports.map((r) => {
    const hit = areas.locate(r.lat, r.lon)
    return hit ? {id: hit.portId, name: names.get(hit.portId) ?? `port ${hit.portId}`} : null
  })
}

export interface DistressResult {
  /** New distress events. */
  raised: number
  /** Transmitters already known to be in distress: their event took the new position. */
  ongoing: number
  /** Transmissions under test: stored, no event. */
  tests: number
  notifications: number
  events: SafetyEvent[]
}

/** Opens (or moves) the event of each active transmitter heard in this intake and notifies its recipients. */
export async function raiseDistressEvents(ctx: Context, reports: DistressReport[]): Promise<DistressResult> {
  const out: DistressResult = {raised: 0, ongoing: 0, tests: 0, notifications: 0, events: []}
  if (reports.length === 0) return out
  const now = ctx.clock.now()
  const ports = await portsOf(ctx, reports)
  const drafts: EventRow[] = []
  reports.forEach((r, k) => {
    const draft = distressDraft(r, ports[k])
    if (draft) drafts.push(draft)
    else out.tests++
  })
  if (drafts.length === 0) return out
  return write(ctx.db, async () => {
    // From the start again when the write is retried.
    out.ongoing = 0
    out.events = await insertEvents(ctx.db, drafts, now)
    // Every other report moves its transmitter's open event (opened before, or by an earlier report of this
    // intake) to where it was heard, in the order heard.
    const openedHere = new Set(out.events.map((e) => e.dedupeKey))
    for (const draft of drafts) {
      if (openedHere.delete(draft.dedupeKey)) continue
      if (await touchOpenEvent(ctx.db, draft.dedupeKey, {lat: draft.lat, lon: draft.lon, observedAt: draft.observedAt, title: draft.title, now})) out.ongoing++
    }
    out.raised = out.events.length
    out.notifications = await notifyWatchers(ctx, out.events)
    return out
  })
}
