// The pass's window read from the database as columns: the slice's positions in time order as they come,
// each fresh vessel's last report before the window, then every vessel's rows brought together (a counting
// sort by vessel, which keeps each vessel's rows in time order) without an object per report.
import {yieldToEventLoop} from '../cancel.js'
import {countWindow, lastPositionsBefore, readWindow, type WindowBounds} from '../db/behaviour.js'
import type {AnyDb} from '../db/transaction.js'
import type {PositionWindow} from './types.js'

export type {WindowBounds} from '../db/behaviour.js'

/** Reports in the order read, each with its vessel's index in order of first appearance. */
class Staging {
  length = 0
  vessel: Int32Array
  at: Float64Array
  lat: Float64Array
  lon: Float64Array
  sog: Float32Array
  nav: Uint8Array
  second: Uint8Array
  source: Uint8Array
  fresh: Uint8Array

  constructor(capacity: number) {
    this.vessel = new Int32Array(capacity)
    this.at = new Float64Array(capacity)
    this.lat = new Float64Array(capacity)
    this.lon = new Float64Array(capacity)
    this.sog = new Float32Array(capacity)
    this.nav = new Uint8Array(capacity)
    this.second = new Uint8Array(capacity)
    this.source = new Uint8Array(capacity)
    this.fresh = new Uint8Array(capacity)
  }

  /** Room for one more (the count read first may fall short if rows are stored meanwhile under the bound). */
  room(): void {
    if (this.length < this.at.length) return
    const size = Math.max(1024, this.at.length * 2)
    const grow = <T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T, make: new (n: number) => T): T => {
      const next = new make(size)
      next.set(a)
      return next
    }
    this.vessel = grow(this.vessel, Int32Array)
    this.at = grow(this.at, Float64Array)
    this.lat = grow(this.lat, Float64Array)
    this.lon = grow(this.lon, Float64Array)
    this.sog = grow(this.sog, Float32Array)
    this.nav = grow(this.nav, Uint8Array)
    this.second = grow(this.second, Uint8Array)
    this.source = grow(this.source, Uint8Array)
    this.fresh = grow(this.fresh, Uint8Array)
  }
}

export interface WindowRead {
  window: PositionWindow
  /** Rows read in the range (the window less the last reports from before it). */
  inRange: number
  /** Last reports from before the window (of fresh vessels whose first row in it is fresh). */
  before: number
  fresh: number
  /** MMSIs of the vessels with fresh rows. */
  freshVessels: number[]
}

/** The window of positions these bounds give, vessels in ascending MMSI order, each vessel's rows oldest first. */
export async function readPositionWindow(db: AnyDb, bounds: WindowBounds, between: () => Promise<void> = yieldToEventLoop): Promise<WindowRead> {
  const rows = new Staging(await countWindow(db, bounds))
  const vesselOf = new Map<number, number>()
  const mmsis: number[] = []
  /** 1 where the vessel's first row in the range is fresh: a silence before it may be longer than the window. */
  const firstFresh: number[] = []
  const freshCount: number[] = []
  const stagerOf =
    (to: Staging) => (mmsi: number, at: number, lat: number, lon: number, sog: number, nav: number, second: number, source: number, fresh: number) => {
      let v = vesselOf.get(mmsi)
      if (v === undefined) {
        v = mmsis.length
        vesselOf.set(mmsi, v)
        mmsis.push(mmsi)
        firstFresh.push(fresh)
        freshCount.push(0)
      }
      to.room()
      const i = to.length++
      to.vessel[i] = v
      to.at[i] = at
      to.lat[i] = lat
      to.lon[i] = lon
      to.sog[i] = sog
      to.nav[i] = nav
      to.second[i] = second
      to.source[i] = source
      to.fresh[i] = fresh
      freshCount[v] += fresh
    }
  const inRange = await readWindow(db, bounds, stagerOf(rows), between)

  // The last report before the window of each vessel whose first row in it is fresh.
  const needBefore = mmsis.filter((_, v) => firstFresh[v] === 1)
  const earlier = new Staging(needBefore.length)
  const before = await lastPositionsBefore(db, needBefore, bounds.since, bounds.upToId, stagerOf(earlier))

  const window = groupByVessel(rows, earlier, mmsis)
  const freshVessels: number[] = []
  let fresh = 0
  for (let v = 0; v < mmsis.length; v++) {
    if (freshCount[v] === 0) continue
    freshVessels.push(mmsis[v])
    fresh += freshCount[v]
  }
  return {window, inRange, before, fresh, freshVessels}
}

type Column = 'at' | 'lat' | 'lon' | 'sog' | 'nav' | 'second' | 'source' | 'fresh'

/**
 * The staged rows grouped by vessel in ascending MMSI order: each vessel's report from before the range
 * (`earlier`) first, then its rows of the range in the order read (time order). Each staged column is let go
 * once placed, so the two copies of the window never coexist whole.
 */
function groupByVessel(rows: Staging, earlier: Staging, mmsis: number[]): PositionWindow {
  const n = rows.length + earlier.length
  const vessels = mmsis.length
  const byMmsi = Int32Array.from(mmsis.keys()).sort((a, b) => mmsis[a] - mmsis[b])
  const rank = new Int32Array(vessels)
  for (let r = 0; r < vessels; r++) rank[byMmsi[r]] = r
  const vesselStart = new Int32Array(vessels + 1)
  for (let i = 0; i < rows.length; i++) vesselStart[rank[rows.vessel[i]] + 1]++
  for (let i = 0; i < earlier.length; i++) vesselStart[rank[earlier.vessel[i]] + 1]++
  for (let r = 0; r < vessels; r++) vesselStart[r + 1] += vesselStart[r]
  const next = vesselStart.slice(0, vessels)
  const earlierTarget = new Int32Array(earlier.length)
  for (let i = 0; i < earlier.length; i++) earlierTarget[i] = next[rank[earlier.vessel[i]]]++
  const target = new Int32Array(rows.length)
  for (let i = 0; i < rows.length; i++) target[i] = next[rank[rows.vessel[i]]]++

  const place = <K extends Column>(column: K): Staging[K] => {
    const from = rows[column]
    const to = new (from.constructor as new (n: number) => Staging[K])(n)
    for (let i = 0; i < rows.length; i++) to[target[i]] = from[i]
    const early = earlier[column]
    for (let i = 0; i < earlier.length; i++) to[earlierTarget[i]] = early[i]
    rows[column] = new (from.constructor as new (n: number) => Staging[K])(0)
    return to
  }
  const w: PositionWindow = {
    length: n,
    at: place('at'),
    lat: place('lat'),
    lon: place('lon'),
    sog: place('sog'),
    nav: place('nav'),
    second: place('second'),
    source: place('source'),
    fresh: place('fresh'),
    vessels,
    vesselMmsi: Float64Array.from(byMmsi, (v) => mmsis[v]),
    vesselStart,
    since: Infinity,
    until: -Infinity,
  }
  for (let i = 0; i < n; i++) {
    const at = w.at[i]
    if (at < w.since) w.since = at
    if (at > w.until) w.until = at
  }
  return w
}
