// The AIS gap rule on windows built in memory, against the real land outline: 12 h or more of silence, the
// last position over 50 nm from shore, others heard within 50 nm during the silence's last day; ended by a
// fresh report, or still going on at the window's newest report; the edges of each threshold.
import {describe, expect, it} from 'vitest'

import {detectAisGaps, GAP_MIN_MS, HEARD_RADIUS_KM, OFFSHORE_KM} from '../../src/services/behaviour/ais-gaps.js'
import type {BehaviourEnv} from '../../src/services/behaviour/types.js'
import {type WindowReport, windowOf} from '../../src/services/behaviour/window.js'
import type {Context} from '../../src/services/context.js'
import {landOutline} from '../../src/services/geo/land.js'
import {PortAreas} from '../../src/services/ports/port-areas.js'

const H = 3_600_000
const T0 = Date.parse('2026-11-20T00:00:00Z')
const NM = 1.852
const land = landOutline('10m')
const env: BehaviourEnv = {ctx: undefined as unknown as Context, now: T0 + 100 * H, areas: new PortAreas([], []), land}

/** North Atlantic, 320 nm from shore. */
const OPEN_SEA = {lat: 45.0, lon: -30.0}
const DARK = 636012345
const OTHER = 538004321

function reports(mmsi: number, lat: number, lon: number, from: number, to: number, every = H / 2, fresh = true): WindowReport[] {
  const out: WindowReport[] = []
  for (let at = from; at <= to; at += every) out.push({mmsi, at, lat, lon, sog: 10, fresh})
  return out
}

/** DARK heard for 6 h, silent `hours`, then heard again for 2 h 1° east; OTHER `otherNm` north of DARK throughout. */
function scene(hours: number, options: {at?: {lat: number; lon: number}; otherNm?: number | null; endFresh?: boolean} = {}) {
  const at = options.at ?? OPEN_SEA
  const end = T0 + (6 + hours) * H
  const rows = [...reports(DARK, at.lat, at.lon, T0, T0 + 6 * H, H / 2, false), ...reports(DARK, at.lat, at.lon + 1, end, end + 2 * H, H / 2, options.endFresh ?? true)]
  if (options.otherNm !== null) rows.push(...reports(OTHER, at.lat + (options.otherNm ?? 20) / 60, at.lon, T0, end + 2 * H, H))
  return windowOf(rows)
}

/** The gaps found as news (not the drafts that only end or withdraw a stored one). */
async function gapsIn(rows: ReturnType<typeof windowOf>) {
  return (await detectAisGaps(env, rows)).events.filter((e) => !e.onlyIfKnown)
}

describe('AIS gaps', () => {
  it('a silence of 14 h offshore with another vessel heard 20 nm away: one ended gap, with where and when', async () => {
    const [gap, ...rest] = await gapsIn(scene(14))
    expect(rest).toEqual([])
    const start = T0 + 6 * H
    expect(gap).toMatchObject({
      type: 'ais_gap',
      mmsi: DARK,
      dedupeKey: `ais_gap:${DARK}:${start}`,
      startedAt: start,
      endedAt: start + 14 * H,
      lat: OPEN_SEA.lat,
      lon: OPEN_SEA.lon,
      source: 'live',
      severity: 'medium',
    })
    expect(gap.onlyIfKnown).toBeUndefined()
    expect(gap.metadata).toMatchObject({duration_hours: 14, vessels_heard_nearby: 1, reports_heard_nearby: 13, end_lon: OPEN_SEA.lon + 1})
    // One degree of longitude at 45°N: 42.4 nm.
    expect(gap.metadata.distance_nm).toBeCloseTo(42.4, 0)
  })

  it('12 h is a gap, a minute less is not', async () => {
    expect(GAP_MIN_MS).toBe(12 * H)
    expect(await gapsIn(scene(12))).toHaveLength(1)
    expect(await gapsIn(scene(12 - 1 / 60))).toEqual([])
  })

  it('only over 50 nm from shore: a position 45 nm out is not a gap, one 55 nm out is', async () => {
    expect(OFFSHORE_KM).toBeCloseTo(50 * NM, 6)
    // Due south of the Gulf of Lion coast, the first latitudes 45 and 55 nm from shore (by the land outline).
    const out = (nm: number) => {
      let lat = 42.9
      while (land.distanceToShoreKm(4.6, lat) < nm * NM) lat -= 0.01
      return {lat, lon: 4.6}
    }
    const near = out(45)
    const far = out(55)
    expect(land.distanceToShoreKm(near.lon, near.lat) / NM).toBeLessThan(50)
    expect(land.distanceToShoreKm(far.lon, far.lat) / NM).toBeGreaterThan(50)
    expect(await gapsIn(scene(14, {at: near}))).toEqual([])
    expect(await gapsIn(scene(14, {at: far}))).toHaveLength(1)
    // And never from a position on land (Madrid).
    expect(await gapsIn(scene(14, {at: {lat: 40.4, lon: -3.7}}))).toEqual([])
  })

  it('others heard within 50 nm vouch for reception; farther, or nobody, it is a reception hole (and only ends a stored gap)', async () => {
    expect(HEARD_RADIUS_KM).toBeCloseTo(50 * NM, 6)
    expect((await gapsIn(scene(14, {otherNm: 49})))[0]).toMatchObject({metadata: {vessels_heard_nearby: 1}})
    for (const otherNm of [51, null]) {
      const result = await detectAisGaps(env, scene(14, {otherNm}))
      expect(result.events).toHaveLength(1)
      expect(result.events[0]).toMatchObject({onlyIfKnown: true, endedAt: T0 + 20 * H, metadata: {vessels_heard_nearby: 0}})
      expect(result.counts).toMatchObject({reception_holes: 1})
    }
  })

  it('the vessel itself, and others heard only before the silence or more than a day before its end, do not count', async () => {
    const start = T0 + 6 * H
    const end = start + 30 * H
    const rows = windowOf([
      ...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon, T0, start, H / 2, false),
      ...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon, end, end + H),
      // Heard during the silence's first 6 hours only: more than 24 h before it ends.
      ...reports(OTHER, OPEN_SEA.lat + 0.2, OPEN_SEA.lon, T0, start + 5 * H, H, false),
    ])
    // (OTHER, silent since, is heard of again through DARK: its own open gap, not the one looked at here.)
    const gap = (await detectAisGaps(env, rows)).events.find((e) => e.mmsi === DARK)
    expect(gap).toMatchObject({onlyIfKnown: true, metadata: {vessels_heard_nearby: 0, heard_since: new Date(end - 24 * H).toISOString()}})
  })

  it('a silence whose end was analysed before (not fresh) is not found again', async () => {
    expect(await gapsIn(scene(14, {endFresh: false}))).toEqual([])
  })

  it('a silence going on at the newest report of the window, others heard since, is an open gap; with nobody heard, nothing', async () => {
    const rows = windowOf([...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon, T0, T0 + 6 * H), ...reports(OTHER, OPEN_SEA.lat + 0.2, OPEN_SEA.lon, T0, T0 + 19 * H, H)])
    const result = await detectAisGaps(env, rows)
    expect(result.counts).toMatchObject({open: 1})
    expect(result.events).toHaveLength(1)
    expect(result.events[0]).toMatchObject({mmsi: DARK, endedAt: null, dedupeKey: `ais_gap:${DARK}:${T0 + 6 * H}`, metadata: {duration_hours: 13, ended_at: null, distance_nm: null}})
    expect(result.events[0].title).toMatch(/silent 13\.0 h so far/)
    const alone = windowOf([...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon, T0, T0 + 6 * H), ...reports(OTHER, -30, -20, T0, T0 + 19 * H, H)])
    expect(await gapsIn(alone)).toEqual([])
  })

  it('a report stored late that cuts a silence short (its end fresh, under 12 h after the last report analysed) withdraws an open gap kept for it', async () => {
    const start = T0 + 6 * H
    const rows = windowOf([
      ...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon, T0, start, H / 2, false),
      // Observed an hour after, stored (and so analysed) only now, after OTHER's reports up to 13 h on, with
      // which an earlier pass saw DARK silent 13 h.
      ...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon + 0.1, start + H, start + 2 * H, H / 2),
      ...reports(OTHER, OPEN_SEA.lat + 0.2, OPEN_SEA.lon, T0, start + 13 * H, H, false),
    ])
    const result = await detectAisGaps(env, rows)
    expect(result.events.filter((e) => !e.onlyIfKnown)).toEqual([])
    const withdrawn = result.events.find((e) => e.mmsi === DARK)
    expect(withdrawn).toMatchObject({dedupeKey: `ais_gap:${DARK}:${start}`, onlyIfKnown: true, endedAt: start + H, metadata: {withdrawn: true, duration_hours: 1}})
    expect(withdrawn?.title).toMatch(/^AIS gap withdrawn: MMSI 636012345 was heard 1\.0 h after/)
    // Reports come in order (nothing analysed was observed 12 h after the last one): no withdrawal is looked for.
    const inOrder = windowOf([
      ...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon, T0, start, H / 2, false),
      ...reports(DARK, OPEN_SEA.lat, OPEN_SEA.lon + 0.1, start + H, start + 2 * H, H / 2),
      ...reports(OTHER, OPEN_SEA.lat + 0.2, OPEN_SEA.lon, T0, start, H, false),
    ])
    expect((await detectAisGaps(env, inOrder)).events).toEqual([])
  })

  it('the worst source of the two reports that bound it labels the gap', async () => {
    const rows = scene(14)
    const start = rows.vesselStart[rows.vesselMmsi.indexOf(DARK)]
    // The report before the silence came from the shipped data.
    rows.source[start + 12] = 3
    expect((await gapsIn(rows))[0].source).toBe('emergency')
  })
})
