// Waiting at anchorage, per port, from the stored stops: the merchant ships waiting now (stopped in an
// anchorage for an hour or more) and at berth, those of unknown type apart, and MarineTraffic's measure, the
// median time ships waited at anchorage over the last 7 days. The one place waits are computed: port calls
// from a vessel-behaviour model can replace the stops it reads without changing what it returns.
import {shipClass} from '../ais/ship-types.js'
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
 * Per port with any stop: who is waiting or at berth now (open stops reported since `windowStart`), and the
 * median wait of the merchant ships whose wait ended in the 7 days before `observedAt` or goes on (its time so far).
 */
export async function portWaiting(db: AnyDb, at: {observedAt: number; windowStart: number}): Promise<Map<number, PortWaiting>> {
  const out = new Map<number, PortWaiting>()
  const waits = new Map<number, number[]>()
  for (const s of await portStopsSince(db, at.observedAt - WAIT_WINDOW_DAYS * 86_400_000)) {
    if (s.kind === 'outside') continue
    const kind = shipClass(s.shipType)
    if (kind === 'other') continue
    let port = out.get(s.portId)
    if (!port) out.set(s.portId, (port = empty()))
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
    if (s.kind === 'anchorage' && kind === 'merchant' && lasted >= MIN_WAIT_MS && s.startedAt <= at.observedAt) {
      const list = waits.get(s.portId)
      if (list) list.push(lasted)
      else waits.set(s.portId, [lasted])
    }
  }
  for (const [portId, list] of waits) {
    const port = out.get(portId) as PortWaiting
    port.medianWaitHours = Math.round(((median(list) as number) / 3_600_000) * 100) / 100
    port.waitsCounted = list.length
  }
  return out
}
