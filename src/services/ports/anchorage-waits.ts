// Waiting at anchorage, per port: the merchant ships waiting now (stopped in an anchorage for an hour or
// more) and at berth, from the stored stops, those of unknown type apart; and MarineTraffic's measure, the
// median time ships waited at anchorage over the last 7 days, from the port calls where the behaviour pass
// has found any at the port (their time at anchorage before berthing), else from the stops.
import {shipClass} from '../ais/ship-types.js'
import {anchorageWaitsSince} from '../db/port-calls.js'
import type {AnyDb} from '../db/transaction.js'
import {portStopsSince} from '../db/vessel-stops.js'
import {median} from './statistics.js'

/** A vessel stopped in an anchorage for less than this is not (yet) waiting: it may only be slowing down. */
export const MIN_WAIT_MS = 3_600_000
export const WAIT_WINDOW_DAYS = 7


export interface PortWaiting {
  waiting: number
  atBerth: number
  waitingUnknownType: number
  atBerthUnknownType: number
  medianWaitHours: number | null
  waitsCounted: number
  /** The vessels waiting now (merchant ships and those of unknown type). */
  waitingMmsis: number[]
}

const empty = (): PortWaiting => ({waiting: 0, atBerth: 0, waitingUnknownType: 0, atBerthUnknownType: 0, medianWaitHours: null, waitsCounted: 0, waitingMmsis: []})

/**
 * Per port with any stop or visit: who is waiting or at berth now (open stops reported since `windowStart`),
 * and the median wait of the merchant ships whose wait ended in the 7 days before `observedAt` or goes on (its
 * time so far). At ports with port visits in those 7 days the waits are the calls' times at anchorage before
 * berthing (visits still going on included, port stops under 3 h not); elsewhere, the stops at anchorage.
 */
export async function portWaiting(db: AnyDb, at: {observedAt: number; windowStart: number}): Promise<Map<number, PortWaiting>> {
  const out = new Map<number, PortWaiting>()
  const portOf = (portId: number) => {
    let port = out.get(portId)
    if (!port) out.set(portId, (port = empty()))
    return port
  }
  const stopWaits = new Map<number, number[]>()
  const since = at.observedAt - WAIT_WINDOW_DAYS * 86_400_000
  for (const s of await portStopsSince(db, since)) {
    if (s.kind === 'outside') continue
    const kind = shipClass(s.shipType)
    if (kind === 'other') continue
    const port = portOf(s.portId)
    const lasted = (s.endedAt ?? s.lastAt) - s.startedAt
    if (s.endedAt === null && s.lastAt >= at.windowStart && s.startedAt <= at.observedAt) {
      if (s.kind === 'berth') {
        if (kind === 'merchant') port.atBerth++
        else port.atBerthUnknownType++
      } else if (lasted >= MIN_WAIT_MS) {
        if (kind === 'merchant') port.waiting++
        else port.waitingUnknownType++
        port.waitingMmsis.push(s.mmsi)
      }
    }
    if (s.kind === 'anchorage' && kind === 'merchant' && lasted >= MIN_WAIT_MS && s.startedAt <= at.observedAt) push(stopWaits, s.portId, lasted)
  }
  const calls = await anchorageWaitsSince(db, since)
  const callWaits = new Map<number, number[]>()
  for (const w of calls.waits) {
    if (w.isCall === false || w.anchorageMs < MIN_WAIT_MS || shipClass(w.shipType) !== 'merchant') continue
    push(callWaits, w.portId, w.anchorageMs)
  }
  for (const portId of new Set([...stopWaits.keys(), ...callWaits.keys()])) {
    const list = calls.ports.has(portId) ? callWaits.get(portId) : stopWaits.get(portId)
    if (!list || list.length === 0) continue
    const port = portOf(portId)
    port.medianWaitHours = Math.round(((median(list) as number) / 3_600_000) * 100) / 100
    port.waitsCounted = list.length
  }
  return out
}

function push(lists: Map<number, number[]>, key: number, value: number): void {
  const list = lists.get(key)
  if (list) list.push(value)
  else lists.set(key, [value])
}
