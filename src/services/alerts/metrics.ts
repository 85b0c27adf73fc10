// What alert rules can watch: each metric reads the current value of every target of its kind in one pass
// (so 10,000 rules cost one read per metric, not one query per rule), with the time the value was observed.
import {desc, eq, sql} from 'drizzle-orm'
import Flatbush from 'flatbush'

import type {Context} from '../context.js'
import {hotStatements, type PositionColumns} from '../db/hot-statements.js'
import {jobRuns, safetyZones} from '../db/schema.js'
import {type ZoneGeometry, pointInGeometry} from '../geo/geometry.js'
import {consecutiveFailures} from '../jobs/runs.js'
import {latestCongestion} from '../ports/congestion.js'
import {PROVIDERS} from '../providers/registry.js'
import {checkQuota} from '../providers/usage.js'

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
  /** Calls `fn` for each reading observed at or after `freshSince`; returns how many were older. */
  forEachFresh(freshSince: number, fn: (target: string, reading: Reading) => void): number
}

/** What one cycle reads once and shares between metrics (the current vessel positions). */
export class CycleData {
  private columns?: PositionColumns
  private byMmsi?: Map<number, number>
  constructor(private readonly ctx: Context) {}

  /** Every vessel seen in the last day (older ones have no current value), as columns. */
  vessels(): {columns: PositionColumns; byMmsi: Map<number, number>} {
    if (!this.columns) {
      const columns = hotStatements(this.ctx.db).positionColumns(this.ctx.clock.now() - 86_400_000)
      const byMmsi = new Map<number, number>()
      for (let i = 0; i < columns.length; i++) byMmsi.set(columns.mmsi[i], i)
      this.columns = columns
      this.byMmsi = byMmsi
    }
    return {columns: this.columns, byMmsi: this.byMmsi as Map<number, number>}
  }
}

export interface MetricSpec {
  name: string
  kind: TargetKind
  description: string
  /** Readings older than this are skipped unless a rule says otherwise. */
  freshnessSeconds: number
  read(ctx: Context, cycle: CycleData): Promise<Readings>
}

/**
 * Readings over the cycle's vessel positions, computed per vessel on demand. `observedAt` gives a vessel's
 * reading time without building the reading, so stale ones cost nothing in rules over every vessel.
 */
function vesselReadings(cycle: CycleData, observedAt: (c: PositionColumns, i: number) => number, reading: (c: PositionColumns, i: number) => Reading | undefined): Readings {
  const {columns, byMmsi} = cycle.vessels()
  return {
    get: (target) => {
      const i = byMmsi.get(Number(target))
      return i === undefined ? undefined : reading(columns, i)
    },
    forEachFresh: (freshSince, fn) => {
      let stale = 0
      for (let i = 0; i < columns.length; i++) {
        if (observedAt(columns, i) < freshSince) {
          stale++
          continue
        }
        const r = reading(columns, i)
        if (r) fn(String(columns.mmsi[i]), r)
      }
      return stale
    },
  }
}

const fromMap = (map: Map<string, Reading>): Readings => ({
  get: (t) => map.get(t),
  forEachFresh: (freshSince, fn) => {
    let stale = 0
    map.forEach((r, t) => {
      if (r.at < freshSince) stale++
      else fn(t, r)
    })
    return stale
  },
})

const LEVELS: Record<string, number> = {normal: 0, elevated: 1, high: 2, severe: 3}
const FIVE_MINUTES = 300

async function portReadings(ctx: Context, pick: (c: Awaited<ReturnType<typeof latestCongestion>>[number]) => number | null) {
  const out = new Map<string, Reading>()
  for (const c of await latestCongestion(ctx.db)) {
    const value = pick(c)
    if (value !== null) out.set(String(c.portId), {value, at: c.observedAt, lat: c.lat, lon: c.lon})
  }
  return fromMap(out)
}

async function jobReadings(ctx: Context, pick: (runs: Array<typeof jobRuns.$inferSelect>, job: string) => number | null) {
  const out = new Map<string, Reading>()
  const jobs = ctx.db.orm.selectDistinct({job: jobRuns.job}).from(jobRuns).all()
  for (const {job} of jobs) {
    const runs = ctx.db.orm
      .select()
      .from(jobRuns)
      .where(sql`${jobRuns.job} = ${job} AND ${jobRuns.status} != 'running'`)
      .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
      .limit(50)
      .all()
    const value = pick(runs, job)
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
    read: (ctx) => portReadings(ctx, (c) => c.waiting),
  },
  'port.congestion_level': {
    name: 'port.congestion_level',
    kind: 'port',
    description: 'latest congestion level: 0 normal, 1 elevated, 2 high, 3 severe',
    freshnessSeconds: 3600,
    read: (ctx) => portReadings(ctx, (c) => LEVELS[c.level] ?? null),
  },
  'vessel.speed': {
    name: 'vessel.speed',
    kind: 'vessel',
    description: 'speed over ground of the latest report, knots',
    freshnessSeconds: FIVE_MINUTES,
    read: async (_, cycle) =>
      vesselReadings(
        cycle,
        (c, i) => c.at[i],
        (c, i) => (Number.isNaN(c.sog[i]) ? undefined : {value: c.sog[i], at: c.at[i], lat: c.lat[i], lon: c.lon[i]}),
      ),
  },
  'vessel.ais_gap_minutes': {
    name: 'vessel.ais_gap_minutes',
    kind: 'vessel',
    description: 'minutes since the vessel last reported',
    freshnessSeconds: FIVE_MINUTES,
    read: async (ctx, cycle) => {
      const now = ctx.clock.now()
      // The gap is measured now, so the reading is always current.
      return vesselReadings(
        cycle,
        () => now,
        (c, i) => ({value: Math.round((now - c.at[i]) / 6000) / 10, at: now, lat: c.lat[i], lon: c.lon[i]}),
      )
    },
  },
  'zone.vessels_inside': {
    name: 'zone.vessels_inside',
    kind: 'zone',
    description: 'vessels whose latest position is inside the zone',
    freshnessSeconds: FIVE_MINUTES,
    read: async (ctx) => {
      const zones = ctx.db.orm.select().from(safetyZones).where(eq(safetyZones.active, true)).all()
      const out = new Map<string, Reading>()
      if (zones.length === 0) return fromMap(out)
      const since = ctx.clock.now() - ctx.config.positionWindowMinutes * 60_000
      const positions = hotStatements(ctx.db).currentPositions(since)
      const index = new Flatbush(zones.length)
      for (const z of zones) index.add(z.minLon, z.minLat, z.maxLon, z.maxLat)
      index.finish()
      const counts = new Array<number>(zones.length).fill(0)
      let newest = 0
      for (const v of positions) {
        newest = Math.max(newest, v.at)
        for (const k of index.search(v.lon, v.lat, v.lon, v.lat)) if (pointInGeometry(zones[k].geometry as ZoneGeometry, v.lon, v.lat)) counts[k]++
      }
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
        const q = checkQuota(ctx, name)
        if (q.limit !== null) out.set(name, {value: Math.round((q.used / q.limit) * 1000) / 10, at: ctx.clock.now()})
      }
      return fromMap(out)
    },
  },
}
