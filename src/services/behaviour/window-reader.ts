// The pass's window of one slice read from the database as columns, without an object per report: the
// slice's fresh positions (those stored after the watermark), then what it looks back on (carried over from
// the previous slice's window where that holds it, else read), each fresh vessel's last report before the
// window; then every vessel's rows brought together (a counting sort by vessel) and put in time order where
// storing did not.
import {yieldToEventLoop} from '../cancel.js'
import {countByTime, type Freshness, lastPositionsBefore, readById, readByTime} from '../db/behaviour.js'
import type {AnyDb} from '../db/transaction.js'
import type {PositionWindow} from './types.js'
import {emptyWindow} from './window.js'

/** A slice: the positions stored after `afterId` up to `upToId`, fresh when observed at or after `floor`. */
export interface Slice extends Freshness {
  upToId: number
  /** How far before the oldest fresh report the window reaches (and after the newest). */
  lookbackMs: number
}

/** The window of a slice: every stored position up to `upToId` observed in [since, until]. */
export interface WindowBounds extends Freshness {
  upToId: number
  since: number
  until: number
}

export interface WindowRead {
  window: PositionWindow
  bounds: WindowBounds
  /** Rows read from the database for this window (the rest carried over from the previous one). */
  read: number
  carried: number
  /** Last reports from before the window (of fresh vessels whose oldest row in it is fresh). */
  before: number
  fresh: number
  /** MMSIs of the vessels with fresh rows. */
  freshVessels: number[]
}

const COLUMNS = ['at', 'lat', 'lon', 'sog', 'nav', 'second', 'source', 'fresh'] as const
type Column = (typeof COLUMNS)[number]

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

  /** Keeps the rows observed at or after `since`, in their order. */
  dropBefore(since: number): void {
    let kept = 0
    for (let i = 0; i < this.length; i++) {
      if (this.at[i] < since) continue
      if (kept !== i) {
        this.vessel[kept] = this.vessel[i]
        for (const column of COLUMNS) this[column][kept] = this[column][i]
      }
      kept++
    }
    this.length = kept
  }

  /** Room for one more (a count made before reading may fall short of what is read). */
  room(): void {
    if (this.length < this.at.length) return
    const size = Math.max(1024, this.at.length * 2)
    const grow = <T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(size)
      next.set(a)
      return next
    }
    this.vessel = grow(this.vessel)
    for (const column of COLUMNS) (this as Record<Column, Float64Array | Float32Array | Uint8Array>)[column] = grow(this[column])
  }
}

/**
 * The vessels of a window in order of first appearance, and what the pass needs to know of each. MMSIs are
 * found in an open-addressing table of typed arrays: a Map lookup per report cost a fifth of the read.
 */
class Vessels {
  readonly mmsi: number[] = []
  private keys = new Float64Array(1 << 12).fill(-1)
  private slots = new Int32Array(1 << 12)

  index(mmsi: number): number {
    const mask = this.keys.length - 1
    let h = Math.imul(mmsi | 0, 0x9e3779b1) >>> 0
    for (;;) {
      h &= mask
      const key = this.keys[h]
      if (key === mmsi) return this.slots[h]
      if (key === -1) break
      h++
    }
    const v = this.mmsi.length
    this.keys[h] = mmsi
    this.slots[h] = v
    this.mmsi.push(mmsi)
    // Kept under half full, so a probe ends within a few slots.
    if (this.mmsi.length * 2 > this.keys.length) this.rehash()
    return v
  }

  private rehash(): void {
    const size = this.keys.length * 4
    this.keys = new Float64Array(size).fill(-1)
    this.slots = new Int32Array(size)
    const mask = size - 1
    this.mmsi.forEach((mmsi, v) => {
      let h = Math.imul(mmsi | 0, 0x9e3779b1) >>> 0
      while (this.keys[h & mask] !== -1) h++
      this.keys[h & mask] = mmsi
      this.slots[h & mask] = v
    })
  }
}

/** The rows of the previous window that this one holds: [from, to) of each of its vessels. */
interface Carried {
  window: PositionWindow
  vessel: Int32Array
  from: Int32Array
  to: Int32Array
  rows: number
}

function carriedRows(previous: PositionWindow, since: number, until: number, vessels: Vessels): Carried {
  const n = previous.vessels
  const carried: Carried = {window: previous, vessel: new Int32Array(n), from: new Int32Array(n), to: new Int32Array(n), rows: 0}
  for (let pv = 0; pv < n; pv++) {
    let from = previous.vesselStart[pv]
    let to = previous.vesselStart[pv + 1]
    while (from < to && previous.at[from] < since) from++
    while (to > from && previous.at[to - 1] > until) to--
    carried.from[pv] = from
    carried.to[pv] = to
    if (to === from) continue
    carried.vessel[pv] = vessels.index(previous.vesselMmsi[pv])
    carried.rows += to - from
  }
  return carried
}

type Visit = (mmsi: number, at: number, lat: number, lon: number, sog: number, nav: number, second: number, source: number, fresh: number) => void

/**
 * The window of a slice, vessels in ascending MMSI order, each vessel's rows oldest first; null when the
 * slice holds no fresh position. `previous`: the window of the slice just before, whose rows in this one's
 * time range are taken from it instead of the database.
 */
export async function readSliceWindow(
  db: AnyDb,
  slice: Slice,
  previous: WindowRead | null = null,
  between: () => Promise<void> = yieldToEventLoop,
): Promise<WindowRead | null> {
  const freshness: Freshness = {afterId: slice.afterId, floor: slice.floor}
  const vessels = new Vessels()
  const stagerOf =
    (to: Staging): Visit =>
    (mmsi, at, lat, lon, sog, nav, second, source, fresh) => {
      const v = vessels.index(mmsi)
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
    }

  // The slice's own positions first: its fresh ones say what the window must hold.
  const own = new Staging(Math.max(0, slice.upToId - slice.afterId))
  let oldest = Infinity
  let newest = -Infinity
  const stageOwn = stagerOf(own)
  let read = await readById(
    db,
    {afterId: slice.afterId, throughId: slice.upToId, since: Number.MIN_SAFE_INTEGER, until: Number.MAX_SAFE_INTEGER},
    freshness,
    (mmsi, at, lat, lon, sog, nav, second, source, fresh) => {
      stageOwn(mmsi, at, lat, lon, sog, nav, second, source, fresh)
      if (fresh === 0) return
      if (at < oldest) oldest = at
      if (at > newest) newest = at
    },
    between,
  )
  if (oldest === Infinity) return null
  // As far after the newest fresh report as before the oldest: reports stored late (observed before others
  // already stored) are seen with what followed them, and the window never reaches further.
  const bounds: WindowBounds = {...freshness, upToId: slice.upToId, since: oldest - slice.lookbackMs, until: newest + slice.lookbackMs}
  // Of a first pass's slice: positions stored late, observed before the window.
  own.dropBefore(bounds.since)

  // What it looks back on: positions stored before, observed in the window's time range.
  let carried: Carried | null = null
  let lookback: Staging
  const prev = previous !== null && previous.bounds.upToId === slice.afterId ? previous.bounds : null
  if (prev && previous) {
    // The previous window holds every position up to its last id observed in its time range; the rest of
    // this range is read.
    carried = carriedRows(previous.window, Math.max(bounds.since, prev.since), Math.min(bounds.until, prev.until), vessels)
    const older = {throughId: prev.upToId, since: bounds.since, until: Math.min(bounds.until, prev.since - 1)}
    const newer = {throughId: prev.upToId, since: Math.max(bounds.since, prev.until + 1), until: bounds.until}
    const outside = (older.until >= older.since ? (await countByTime(db, older)).count : 0) + (newer.until >= newer.since ? (await countByTime(db, newer)).count : 0)
    lookback = new Staging(outside)
    read += await readByTime(db, older, freshness, stagerOf(lookback), between)
    read += await readByTime(db, newer, freshness, stagerOf(lookback), between)
  } else {
    const extent = await countByTime(db, {throughId: slice.afterId, since: bounds.since, until: bounds.until})
    lookback = new Staging(extent.count)
    if (extent.firstId !== null) {
      read += await readById(db, {afterId: extent.firstId - 1, throughId: slice.afterId, since: bounds.since, until: bounds.until}, freshness, stagerOf(lookback), between)
    }
  }

  // Each vessel's oldest row in the window, and whether it is fresh: a silence before it may be longer.
  const count = vessels.mmsi.length
  const oldestAt = new Float64Array(count).fill(Infinity)
  const oldestFresh = new Uint8Array(count)
  const freshRows = new Int32Array(count)
  if (carried) {
    for (let pv = 0; pv < carried.window.vessels; pv++) if (carried.to[pv] > carried.from[pv]) oldestAt[carried.vessel[pv]] = carried.window.at[carried.from[pv]]
  }
  for (const rows of [lookback, own]) {
    for (let i = 0; i < rows.length; i++) {
      const v = rows.vessel[i]
      if (rows.at[i] < oldestAt[v]) {
        oldestAt[v] = rows.at[i]
        oldestFresh[v] = rows.fresh[i]
      }
      freshRows[v] += rows.fresh[i]
    }
  }
  const needBefore = vessels.mmsi.filter((_, v) => oldestFresh[v] === 1)
  const earlier = new Staging(needBefore.length)
  const before = await lastPositionsBefore(db, needBefore, bounds.since, slice.upToId, stagerOf(earlier))

  const window = groupByVessel(earlier, carried, [lookback, own], vessels.mmsi)
  const freshVessels: number[] = []
  let fresh = 0
  for (let v = 0; v < count; v++) {
    if (freshRows[v] === 0) continue
    freshVessels.push(vessels.mmsi[v])
    fresh += freshRows[v]
  }
  return {window, bounds, read, carried: carried?.rows ?? 0, before, fresh, freshVessels}
}

/**
 * The rows grouped by vessel in ascending MMSI order (vessels left without rows dropped): each vessel's
 * report from before the window first, then its rows carried over (in time order), then those read (each
 * staging in the order read), then sorted by time where that order was not.
 */
function groupByVessel(earlier: Staging, carried: Carried | null, staged: Staging[], mmsis: number[]): PositionWindow {
  const all = [earlier, ...staged]
  const perVessel = new Int32Array(mmsis.length)
  for (const rows of all) for (let i = 0; i < rows.length; i++) perVessel[rows.vessel[i]]++
  if (carried) for (let pv = 0; pv < carried.window.vessels; pv++) if (carried.to[pv] > carried.from[pv]) perVessel[carried.vessel[pv]] += carried.to[pv] - carried.from[pv]
  const byMmsi = Int32Array.from(mmsis.keys())
    .filter((v) => perVessel[v] > 0)
    .sort((a, b) => mmsis[a] - mmsis[b])
  const vessels = byMmsi.length
  const rank = new Int32Array(mmsis.length)
  const vesselStart = new Int32Array(vessels + 1)
  for (let r = 0; r < vessels; r++) {
    rank[byMmsi[r]] = r
    vesselStart[r + 1] = vesselStart[r] + perVessel[byMmsi[r]]
  }
  const n = vesselStart[vessels]
  const next = vesselStart.slice(0, vessels)
  const w = emptyWindow(n, Float64Array.from(byMmsi, (v) => mmsis[v]), vesselStart)
  const placeStaged = (rows: Staging) => {
    const {vessel, at, lat, lon, sog, nav, second, source, fresh} = rows
    // Every column at once: one pass over the rows.
    for (let i = 0; i < rows.length; i++) {
      const t = next[rank[vessel[i]]]++
      w.at[t] = at[i]
      w.lat[t] = lat[i]
      w.lon[t] = lon[i]
      w.sog[t] = sog[i]
      w.nav[t] = nav[i]
      w.second[t] = second[i]
      w.source[t] = source[i]
      w.fresh[t] = fresh[i]
    }
  }
  placeStaged(earlier)
  if (carried) {
    const {at, lat, lon, sog, nav, second, source} = carried.window
    for (let pv = 0; pv < carried.window.vessels; pv++) {
      const r = rank[carried.vessel[pv]]
      // Carried rows are no longer fresh (they were analysed in the slice before): that column stays 0.
      for (let i = carried.from[pv]; i < carried.to[pv]; i++) {
        const t = next[r]++
        w.at[t] = at[i]
        w.lat[t] = lat[i]
        w.lon[t] = lon[i]
        w.sog[t] = sog[i]
        w.nav[t] = nav[i]
        w.second[t] = second[i]
        w.source[t] = source[i]
      }
    }
  }
  for (const rows of staged) placeStaged(rows)
  for (let i = 0; i < n; i++) {
    const t = w.at[i]
    if (t < w.since) w.since = t
    if (t > w.until) w.until = t
  }
  for (let v = 0; v < vessels; v++) {
    const from = vesselStart[v]
    const to = vesselStart[v + 1]
    for (let i = from + 1; i < to; i++) {
      if (w.at[i] < w.at[i - 1]) {
        sortByTime(w, from, to)
        break
      }
    }
  }
  return w
}

/** Rows [from, to) of the window in time order (reports stored out of the order they were observed in). */
function sortByTime(w: PositionWindow, from: number, to: number): void {
  const order = Array.from({length: to - from}, (_, k) => from + k).sort((a, b) => w.at[a] - w.at[b])
  for (const column of COLUMNS) {
    const values = order.map((i) => w[column][i])
    w[column].set(values, from)
  }
}
