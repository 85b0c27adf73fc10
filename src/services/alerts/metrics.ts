// What alert rules can watch: each metric reads the current value of every target of its kind in one pass
// (so 10,000 rules cost one read per metric, not one query per rule), with the time the value was observed.
import Flatbush from 'flatbush'

import {throwIfCancelled, yieldToEventLoop} from '../cancel.js'
import type {Context} from '../context.js'
import {eachCurrentPosition} from '../db/current-positions.js'
import {type FinishedRun, recentRunsOfEveryJob} from '../db/job-runs.js'
import type {AlertRule, RulesOfMetric} from '../db/alerts.js'
import {congestionVersion, type LatestLevel, latestLevels} from '../db/port-congestion.js'
import {countPositionsSince, namedPositionColumns, type PositionColumns, positionColumnsAtSpeedSince, positionColumnsSince} from '../db/position-columns.js'
import {activeZonesById} from '../db/zones.js'
import {type ZoneGeometry, pointInGeometry} from '../geo/geometry.js'
import {consecutiveFailures} from '../jobs/runs.js'
import {PROVIDERS} from '../providers/registry.js'
import {lastProbes} from '../providers/probe-stats.js'
import {checkQuota, percentUsed} from '../providers/usage.js'

export type TargetKind = 'port' | 'vessel' | 'zone' | 'job' | 'provider'

export interface Reading {
  value: number
  /** When the value was observed (epoch ms). */
  at: number
  /** Where it is, for notifying area watchers. */
  lat?: number
  lon?: number
}

/** A metric's readings for one cycle, by target key; vessel metrics compute a reading only when asked. */
export interface Readings {
  get(target: string): Reading | undefined
  /**
   * Calls `fn` for each reading observed at or after `freshSince` whose value `crosses` (a rule over every
   * target's threshold: one of those `ReadingsWanted.crossing` asked for); returns how many readings were older.
   */
  forEachCrossing(freshSince: number, crosses: (value: number) => boolean, fn: (target: string, reading: Reading) => void): Promise<number>
}

/** Values at least `atLeast` or at most `atMost` (either may be infinite; with neither, no value). */
export interface ValueRange {
  atLeast: number
  atMost: number
}

/**
 * What the cycle's rules of one metric ask for, when some rule covers every target: the earliest time a reading may be observed and still count for one of those rules, and the values
 * those rules can cross (a metric may read only those).
 */
export interface ReadingsWanted {
  everySince: number | null
  crossing: ValueRange
}

/** Each port's latest congestion level and vessels waiting, and where each port's is by target key. */
export interface PortLevels {
  levels: LatestLevel[]
  byPort: Map<string, number>
}

/**
 * What a worker keeps from one cycle to the next, each with the version it was read at (rules added,
 * removed, enabled or disabled; a congestion snapshot added or pruned, ports changed): the enabled rules,
 * the whole rules of those that triggered, and the ports' latest levels. Vessel positions change between
 * any two cycles and are always read.
 */
export interface CycleMemory {
  rules?: {version: string; byMetric: RulesOfMetric[]; whole: Map<number, AlertRule>}
  ports?: {version: string; levels: PortLevels}
}

/** Vessels with a latest position seen within this are the vessels with a current value. */
const SEEN_WITHIN_MS = 86_400_000

/**
 * What one cycle reads once and shares between metrics: the vessels any rule names (one read for every vessel
 * metric), the vessels seen recently enough for rules over every vessel (through the position-time index: not
 * every vessel), how many vessels were seen since a time, and the latest congestion snapshots.
 */
export class CycleData {
  private readonly since: number
  private namedRead?: Promise<PositionColumns>
  private readonly recent = new Map<string, Promise<PositionColumns>>()
  private readonly counts = new Map<number, Promise<[number, number]>>()
  private congestion?: Promise<PortLevels>
  /** `namedVessels`: the MMSIs the rules of every vessel metric name, read together once. */
  constructor(
    private readonly ctx: Context,
    private readonly namedVessels: number[] = [],
    private readonly memory?: CycleMemory,
  ) {
    this.since = ctx.clock.now() - SEEN_WITHIN_MS
  }

  /** The named vessels seen in the last day (older ones have no current value), as columns in MMSI order. */
  named(): Promise<PositionColumns> {
    this.namedRead ??= (async () => {
      const sorted = Float64Array.from(this.namedVessels).sort()
      const mmsis: number[] = []
      for (const m of sorted) if (Number.isSafeInteger(m) && m !== mmsis.at(-1)) mmsis.push(m)
      return mmsis.length > 0 ? namedPositionColumns(this.ctx.db, mmsis, this.since) : emptyColumns()
    })()
    return this.namedRead
  }

  /**
   * Every vessel whose latest position was observed at or after `since` (and within the last day); with
   * `speeds`, only those whose speed is in that range.
   */
  seenSince(since: number, speeds?: ValueRange): Promise<PositionColumns> {
    const from = Math.max(since, this.since)
    const key = speeds ? `${from} ${speeds.atLeast} ${speeds.atMost}` : String(from)
    let columns = this.recent.get(key)
    if (!columns) {
      // A narrow window reads a few rows through the index; the whole day reads most of the table in order.
      columns = speeds ? positionColumnsAtSpeedSince(this.ctx.db, from, speeds.atLeast, speeds.atMost) : positionColumnsSince(this.ctx.db, from, from !== this.since)
      this.recent.set(key, columns)
    }
    return columns
  }

  /** How many vessels were seen in the last day, and how many of them at or after `since`. */
  countSeen(since: number): Promise<[number, number]> {
    const from = Math.max(since, this.since)
    let counts = this.counts.get(from)
    if (!counts) {
      counts = countPositionsSince(this.ctx.db, this.since, from)
      this.counts.set(from, counts)
    }
    return counts
  }

  /** Each port's latest congestion level and vessels waiting, read once for both port metrics, and where each port's is by target key. */
  portLevels(): Promise<PortLevels> {
    const read = async (): Promise<PortLevels> => {
      const levels = await latestLevels(this.ctx.db)
      return {levels, byPort: new Map(levels.map((c, i) => [String(c.portId), i]))}
    }
    this.congestion ??= (async () => {
      const memory = this.memory
      if (!memory) return read()
      const version = await congestionVersion(this.ctx.db)
      if (memory.ports?.version !== version) memory.ports = {version, levels: await read()}
      return memory.ports.levels
    })()
    return this.congestion
  }

  /** The earliest time a position may be observed and still be in the cycle's vessels. */
  get seenFrom(): number {
    return this.since
  }
}

const emptyColumns = (): PositionColumns => ({length: 0, mmsi: new Float64Array(0), lat: new Float64Array(0), lon: new Float64Array(0), sog: new Float64Array(0), at: new Float64Array(0)})

export interface MetricSpec {
  name: string
  kind: TargetKind
  description: string
  /** Readings older than this are skipped unless a rule says otherwise. */
  freshnessSeconds: number
  read(ctx: Context, cycle: CycleData, wanted: ReadingsWanted): Promise<Readings>
}

/** A vessel metric's value from the cycle's columns (NaN: none), and the reading that carries it. */
interface VesselValue {
  value(c: PositionColumns, i: number): number
  reading(c: PositionColumns, i: number, value: number): Reading
  /** The value is the stored speed: rules over every vessel then read only the speeds they can cross. */
  isSpeed?: boolean
}

/** Where `value` is in the first `length` of `sorted`, or -1. */
function indexOf(sorted: Float64Array, length: number, value: number): number {
  let lo = 0
  let hi = length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = sorted[mid]
    if (v === value) return mid
    if (v < value) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/**
 * Readings of vessels, computed per vessel on demand: the named ones from the cycle's lookup of those only,
 * and for rules over every vessel those observed at or after the rule's freshness bound, read through the
 * index on the position time (the vessels seen in the last day but before that bound are counted, not read).
 * `alwaysCurrent`: the reading is taken now (the AIS gap), so every vessel seen in the last day is read.
 */
async function vesselReadings(cycle: CycleData, wanted: ReadingsWanted, metric: VesselValue, alwaysCurrent = false): Promise<Readings> {
  const named = await cycle.named()
  // Rules over every vessel (there are some when `everySince` is set) share one pass's columns; a vessel's
  // target key and reading are built the first time a rule wants them (a threshold most vessels do not cross
  // builds few).
  let every: {columns: PositionColumns; values: Float64Array; targets: Array<string | undefined>; readings: Array<Reading | undefined>} | undefined
  if (wanted.everySince !== null) {
    const since = alwaysCurrent ? cycle.seenFrom : wanted.everySince
    const columns = await cycle.seenSince(since, metric.isSpeed ? wanted.crossing : undefined)
    const values = new Float64Array(columns.length)
    for (let i = 0; i < columns.length; i++) values[i] = metric.value(columns, i)
    every = {columns, values, targets: new Array(columns.length), readings: new Array(columns.length)}
  }
  return {
    get: (target) => {
      const i = indexOf(named.mmsi, named.length, Number(target))
      if (i < 0) return undefined
      const value = metric.value(named, i)
      return Number.isNaN(value) ? undefined : metric.reading(named, i, value)
    },
    forEachCrossing: async (freshSince, crosses, fn) => {
      const from = alwaysCurrent ? cycle.seenFrom : Math.max(freshSince, cycle.seenFrom)
      if (!every) throw new Error('readings of every vessel were not asked for')
      const {columns, values, targets, readings} = every
      const at = columns.at
      for (let i = 0; i < values.length; i++) {
        if (at[i] < from) continue
        const value = values[i]
        if (Number.isNaN(value) || !crosses(value)) continue
        fn((targets[i] ??= String(columns.mmsi[i])), (readings[i] ??= metric.reading(columns, i, value)))
      }
      if (alwaysCurrent) return 0
      // The vessels seen in the day before the bound are this rule's stale readings.
      const [inDay, fresh] = await cycle.countSeen(from)
      return inDay - fresh
    },
  }
}

const fromMap = (map: Map<string, Reading>): Readings => ({
  get: (t) => map.get(t),
  forEachCrossing: async (freshSince, crosses, fn) => {
    let stale = 0
    map.forEach((r, t) => {
      if (r.at < freshSince) stale++
      else if (crosses(r.value)) fn(t, r)
    })
    return stale
  },
})

const LEVELS: Record<string, number> = {normal: 0, elevated: 1, high: 2, severe: 3}
const FIVE_MINUTES = 300

/** A port metric's readings, built when asked for (most ports are no rule's target). */
async function portReadings(cycle: CycleData, pick: (c: LatestLevel) => number | null): Promise<Readings> {
  const {levels, byPort} = await cycle.portLevels()
  const reading = (c: LatestLevel, value: number): Reading => ({value, at: c.observedAt, lat: c.lat, lon: c.lon})
  return {
    get: (target) => {
      const i = byPort.get(target)
      const value = i === undefined ? null : pick(levels[i])
      return value === null ? undefined : reading(levels[i as number], value)
    },
    forEachCrossing: async (freshSince, crosses, fn) => {
      let stale = 0
      for (const c of levels) {
        const value = pick(c)
        if (value === null) continue
        if (c.observedAt < freshSince) stale++
        else if (crosses(value)) fn(String(c.portId), reading(c, value))
      }
      return stale
    },
  }
}

async function jobReadings(ctx: Context, pick: (runs: FinishedRun[], job: string) => number | null | Promise<number | null>) {
  const out = new Map<string, Reading>()
  for (const [job, runs] of await recentRunsOfEveryJob(ctx.db, 50)) {
    const value = await pick(runs, job)
    // A job's state is current as of now: its last run stays its last run until the next.
    if (value !== null) out.set(job, {value, at: ctx.clock.now()})
  }
  return fromMap(out)
}

export const METRICS: Record<string, MetricSpec> = {
  'port.vessels_waiting': {
    name: 'port.vessels_waiting',
    kind: 'port',
    description: 'vessels waiting (stopped at anchorage) in the latest congestion snapshot',
    freshnessSeconds: 3600,
    read: (_, cycle) => portReadings(cycle, (c) => c.waiting),
  },
  'port.congestion_level': {
    name: 'port.congestion_level',
    kind: 'port',
    description: 'latest congestion level: 0 normal, 1 elevated, 2 high, 3 severe',
    freshnessSeconds: 3600,
    read: (_, cycle) => portReadings(cycle, (c) => LEVELS[c.level] ?? null),
  },
  'vessel.speed': {
    name: 'vessel.speed',
    kind: 'vessel',
    description: 'speed over ground of the latest report, knots',
    freshnessSeconds: FIVE_MINUTES,
    read: async (_, cycle, wanted) =>
      vesselReadings(cycle, wanted, {value: (c, i) => c.sog[i], reading: (c, i, value) => ({value, at: c.at[i], lat: c.lat[i], lon: c.lon[i]}), isSpeed: true}),
  },
  'vessel.ais_gap_minutes': {
    name: 'vessel.ais_gap_minutes',
    kind: 'vessel',
    description: 'minutes since the vessel last reported',
    freshnessSeconds: FIVE_MINUTES,
    read: async (ctx, cycle, wanted) => {
      const now = ctx.clock.now()
      // The gap is measured now, so the reading is always current.
      return vesselReadings(cycle, wanted, {value: (c, i) => Math.round((now - c.at[i]) / 6000) / 10, reading: (c, i, value) => ({value, at: now, lat: c.lat[i], lon: c.lon[i]})}, true)
    },
  },
  'zone.vessels_inside': {
    name: 'zone.vessels_inside',
    kind: 'zone',
    description: 'vessels whose latest position is inside the zone',
    freshnessSeconds: FIVE_MINUTES,
    read: async (ctx) => {
      const zones = await activeZonesById(ctx.db)
      const out = new Map<string, Reading>()
      if (zones.length === 0) return fromMap(out)
      const since = ctx.clock.now() - ctx.config.positionWindowMinutes * 60_000
      const index = new Flatbush(zones.length)
      for (const z of zones) index.add(z.minLon, z.minLat, z.maxLon, z.maxLat)
      index.finish()
      const counts = new Array<number>(zones.length).fill(0)
      let newest = 0
      await eachCurrentPosition(
        ctx.db,
        since,
        (v) => {
          newest = Math.max(newest, v.at)
          for (const k of index.search(v.lon, v.lat, v.lon, v.lat)) if (pointInGeometry(zones[k].geometry as ZoneGeometry, v.lon, v.lat)) counts[k]++
        },
        async () => {
          await yieldToEventLoop()
          throwIfCancelled(ctx.signal)
        },
      )
      zones.forEach((z, k) => out.set(String(z.id), {value: counts[k], at: newest || ctx.clock.now(), lat: (z.minLat + z.maxLat) / 2, lon: (z.minLon + z.maxLon) / 2}))
      return fromMap(out)
    },
  },
  'job.consecutive_failures': {
    name: 'job.consecutive_failures',
    kind: 'job',
    description: 'failed, timed-out or crashed runs in a row since the last success',
    freshnessSeconds: FIVE_MINUTES,
    read: (ctx) =>
      jobReadings(ctx, (_runs, job) => consecutiveFailures(ctx, job)),
  },
  'job.last_duration_seconds': {
    name: 'job.last_duration_seconds',
    kind: 'job',
    description: 'duration of the last completed run, seconds',
    freshnessSeconds: FIVE_MINUTES,
    read: (ctx) => jobReadings(ctx, (runs) => {
      const last = runs.find((r) => r.durationMs !== null && r.status !== 'skipped')
      return last ? (last.durationMs as number) / 1000 : null
    }),
  },
  'provider.quota_used_percent': {
    name: 'provider.quota_used_percent',
    kind: 'provider',
    description: "share of the provider's quota used in the current window, percent (providers with a quota)",
    freshnessSeconds: FIVE_MINUTES,
    read: async (ctx) => {
      const out = new Map<string, Reading>()
      for (const name of Object.keys(PROVIDERS)) {
        const q = await checkQuota(ctx, name)
        if (q.limit !== null) out.set(name, {value: percentUsed(q.used, q.limit), at: ctx.clock.now()})
      }
      return fromMap(out)
    },
  },
  'provider.up': {
    name: 'provider.up',
    kind: 'provider',
    description: "the provider's last health-check probe: 1 answered, 0 failed (providers probed in the last day)",
    // Probes run every 5 minutes: a reading two runs old still stands.
    freshnessSeconds: 2 * FIVE_MINUTES + 60,
    read: async (ctx) => {
      const out = new Map<string, Reading>()
      for (const [provider, probe] of await lastProbes(ctx)) out.set(provider, {value: probe.status === 'up' ? 1 : 0, at: probe.probedAt})
      return fromMap(out)
    },
  },
}
