// The pieces of congestion on their own: stop hysteresis and anchoring, the baseline that leaves episodes
// out, ship classes, S2 cells against Global Fishing Watch's ids, and the named anchorages matched to the
// shipped World Port Index.
import {describe, expect, it} from 'vitest'

import {loadShippedAnchorages} from '../../src/services/datasets/anchorages.js'
import {portIso3} from '../../src/services/datasets/countries.js'
import {loadShippedPorts} from '../../src/services/datasets/ports.js'
import type {DayOfWaiting} from '../../src/services/db/port-congestion.js'
import {cellToken} from '../../src/services/geo/s2.js'
import {shipClass} from '../../src/services/ais/ship-types.js'
import {baselineOf, congestionLevel, DAY_MS} from '../../src/services/ports/baseline.js'
import {matchNamedAnchorages, type MatchablePort} from '../../src/services/ports/named-anchorages.js'
import type {PortHit} from '../../src/services/ports/port-areas.js'
import {type AreaLookup, type TrackedPosition, VesselStopTracker} from '../../src/services/ports/stops.js'

const MIN = 60_000
const HOUR = 60 * MIN
const T0 = Date.parse('2026-11-24T00:00:00Z')

/** One port whose anchorage covers latitudes above 10, berths below. */
const lookup: AreaLookup = {
  locate: (lat): PortHit | null => (lat > 20 ? null : {portId: 1, place: lat > 10 ? 'anchorage' : 'berth', cell: null, distanceKm: 0}),
  nearestPort: (lat) => (lat > 20 && lat < 21 ? {portId: 1, distanceKm: 10} : null),
}

function run(reports: Array<Partial<TrackedPosition> & {at: number}>, maxGapMs = 6 * HOUR) {
  const tracker = new VesselStopTracker(1, null, lookup, {maxGapMs})
  for (const r of reports) tracker.add({lat: 5, lon: 0, sog: Number.NaN, nav: Number.NaN, ...r})
  return tracker
}

describe('stops', () => {
  it('start under 0.2 kn and end over 0.5 kn: a ship slowing to 0.3 kn has not stopped, one at 0.4 kn after stopping has not left', () => {
    const slowing = run([0.3, 0.3, 0.3].map((sog, k) => ({at: T0 + k * MIN, sog})))
    expect(slowing.open).toBeNull()
    const stopped = run([0.1, 0.4, 0.45, 0.4].map((sog, k) => ({at: T0 + k * MIN, sog})))
    expect(stopped.open).toMatchObject({startedAt: T0, lastAt: T0 + 3 * MIN, kind: 'berth', portId: 1})
    const left = run([0.1, 0.4, 0.6].map((sog, k) => ({at: T0 + k * MIN, sog})))
    expect(left.open).toBeNull()
    expect(left.finished).toEqual([expect.objectContaining({startedAt: T0, endedAt: T0 + 2 * MIN})])
  })

  it('counts an anchored ship drifting at 0.6-0.8 kn as stopped: in an anchorage, or by its status anywhere', () => {
    const inAnchorage = run([0.7, 0.8, 0.6].map((sog, k) => ({at: T0 + k * MIN, sog, lat: 15, nav: 0})))
    expect(inAnchorage.open).toMatchObject({kind: 'anchorage', startedAt: T0, lastAt: T0 + 2 * MIN})
    const byStatus = run([0.7, 0.8].map((sog, k) => ({at: T0 + k * MIN, sog, nav: 1})))
    expect(byStatus.open).toMatchObject({kind: 'anchorage', anchoredReports: 2})
    // At the berths without saying so, 0.7 kn is moving.
    expect(run([{at: T0, sog: 0.7, nav: 0}]).open).toBeNull()
    // A status left at "at anchor" while making 12 kn is not believed.
    expect(run([{at: T0, sog: 12, nav: 1}]).open).toBeNull()
  })

  it('ends a stop at its last report after a gap longer than the window, and splits it when the ship moves from anchor to a berth', () => {
    const gap = run([{at: T0, sog: 0}, {at: T0 + 7 * HOUR, sog: 0}])
    expect(gap.finished).toEqual([expect.objectContaining({startedAt: T0, endedAt: T0})])
    expect(gap.open).toMatchObject({startedAt: T0 + 7 * HOUR})
    const shifted = run([
      {at: T0, sog: 0, nav: 1},
      {at: T0 + HOUR, sog: 0, nav: 1},
      {at: T0 + 2 * HOUR, sog: 0, nav: 5},
    ])
    expect(shifted.finished).toEqual([expect.objectContaining({kind: 'anchorage', startedAt: T0, endedAt: T0 + 2 * HOUR})])
    expect(shifted.open).toMatchObject({kind: 'berth', startedAt: T0 + 2 * HOUR})
  })

  it('keeps stops near a port outside its area (to learn cells from) and not those far out at sea', () => {
    expect(run([{at: T0, sog: 0, lat: 20.5}]).open).toMatchObject({portId: null, kind: 'outside'})
    expect(run([{at: T0, sog: 0, lat: 40}]).open).toBeNull()
    expect(run([{at: T0, sog: 0}, {at: T0 - MIN, sog: 5}]).open).toMatchObject({startedAt: T0})
  })
})

describe('baseline', () => {
  const days = (from: number, medians: number[], episode = false): DayOfWaiting[] => medians.map((median, k) => ({day: from + k * DAY_MS, median, episode}))

  it('is the median of daily medians over the 28 days before the episode, so a persistent queue is not absorbed', () => {
    const normal = days(T0 - 10 * DAY_MS, Array(10).fill(2))
    const queue = days(T0, Array(20).fill(10), true)
    const now = T0 + 20 * DAY_MS
    expect(baselineOf([...normal, ...queue], now, T0 + 6 * HOUR)).toEqual({waiting: 2, days: 10})
    // Without the episode start (the old rule's rolling window), the queue becomes the baseline.
    expect(baselineOf([...normal, ...queue.map((d) => ({...d, episode: false}))], now, null).waiting).toBe(10)
  })

  it('leaves days of past episodes out while enough normal days remain', () => {
    const history = [...days(T0 - 10 * DAY_MS, Array(3).fill(2)), ...days(T0 - 7 * DAY_MS, Array(7).fill(10), true)]
    expect(baselineOf(history, T0 + HOUR, null)).toEqual({waiting: 2, days: 3})
  })

  it('gives no baseline with fewer than 3 days, and then no verdict', () => {
    expect(baselineOf(days(T0 - 2 * DAY_MS, [1, 1]), T0 + HOUR, null)).toEqual({waiting: null, days: 2})
    expect(congestionLevel(40, null)).toBe('insufficient_history')
    expect([congestionLevel(2, 2), congestionLevel(4, 2), congestionLevel(6, 2), congestionLevel(10, 2)]).toEqual(['normal', 'elevated', 'high', 'severe'])
  })
})

it('counts merchant ships (AIS types 60-89), not tugs, pilots, fishing, pleasure craft or SAR; unknown apart', () => {
  expect([60, 70, 79, 80, 89].map(shipClass)).toEqual(Array(5).fill('merchant'))
  expect([30, 37, 50, 51, 52, 90].map(shipClass)).toEqual(Array(6).fill('other'))
  expect([null, 0, 5, 100].map(shipClass)).toEqual(Array(4).fill('unknown'))
})

describe('named anchorages', () => {
  const anchorages = loadShippedAnchorages()
  const shipped = loadShippedPorts().ports
  const ports: MatchablePort[] = shipped.map((p, id) => ({id, name: p.name, alternateNames: p.alternateNames, iso3: portIso3(p.country, p.unlocode), lat: p.lat, lon: p.lon}))
  const match = matchNamedAnchorages(anchorages.anchorages, ports, {proximityKm: 20, maxNamedKm: 150})
  const portsOf = (label: string) => new Set(match.assigned.filter((a) => a.label.trim() === label).map((a) => shipped[a.portId].unlocode))

  it('derives each cell from its position as Global Fishing Watch does, since 431 s2ids were mangled by a spreadsheet', () => {
    expect(cellToken(51.879846204084153, 4.30133003704386)).toBe('47c44bb9')
    expect(anchorages.s2idDisagrees).toBeGreaterThanOrEqual(431)
    expect(anchorages.anchorages.length + anchorages.duplicates + anchorages.rejected.length).toBe(60_410)
  })

  it('matches labels to ports by name and country, where the names differ too', () => {
    expect(portsOf('ROTTERDAM')).toEqual(new Set(['NLRTM']))
    expect(portsOf('SINGAPORE')).toEqual(new Set(['SGKEP']))
    expect(portsOf('HONGKONG')).toEqual(new Set(['HKHKG']))
    // GFW's PANAMA CITY is the Pacific end of the canal: no WPI port of that name in Panama, so each cell goes to
    // the nearest port within 20 km, mostly Balboa.
    const panama = match.assigned.filter((a) => a.label.trim() === 'PANAMA CITY')
    expect(panama.every((a) => a.method === 'proximity')).toBe(true)
    expect(panama.filter((a) => shipped[a.portId].unlocode === 'PABLB').length / panama.length).toBeGreaterThan(0.5)
    expect(portsOf('FUJAIRAH').size).toBe(1)
  })

  it('reports what it cannot place instead of guessing', () => {
    expect(match.assigned.length + match.unmatchedCells).toBe(anchorages.anchorages.length)
    expect(match.unmatched.find((u) => u.label === 'CAMPOS BASIN')).toMatchObject({iso3: 'BRA'})
    expect(portIso3('Burma', null)).toBe('MMR')
    expect(portIso3('Greece', 'GRPIR')).toBe('GRC')
  })
})
