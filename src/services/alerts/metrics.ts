// What alert rules can watch: each metric reads the current value of every target of its kind in one pass
// (so 10,000 rules cost one read per metric, not one query per rule), with the time the value was observed.
import {desc, eq, sql} from 'drizzle-orm'
import Flatbush from 'flatbush'

import type {Context} from '../context.js'
import {type CurrentPosition, hotStatements} from '../db/hot-statements.js'
import {jobRuns, safetyZones} from '../db/schema.js'
import {type ZoneGeometry, pointInGeometry} from '../geo/geometry.js'
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
  private positions?: CurrentPosition[]
  private byMmsi?: Map<number, number>
  constructor(private readonly ctx: Context) {}

  /** Every vessel seen in the last day (older ones have no current value). */
  vessels(): {positions: CurrentPosition[]; byMmsi: Map<number, number>} {
    if (!this.positions) {
      this.positions = hotStatements(this.ctx.db).currentPositions(this.ctx.clock.now() - 86_400_000)
      this.byMmsi = new Map(this.positions.map((p, i) => [p.mmsi, i]))
    }
    return {positions: this.positions, byMmsi: this.byMmsi as Map<number, number>}
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
function vesselReadings(cycle: CycleData, observedAt: (v: CurrentPosition) => number, reading: (v: CurrentPosition) => Reading | undefined): Readings {
  const {positions, byMmsi} = cycle.vessels()
  return {
    get: (target) => {
      const i = byMmsi.get(Number(target))
      return i === undefined ? undefined : reading(positions[i])
    },
    forEachFresh: (freshSince, fn) => {
      let stale = 0
      for (const v of positions) {
        if (observedAt(v) < freshSince) {
          stale++
          continue
        }
        const r = reading(v)
        if (r) fn(String(v.mmsi), r)
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

async function jobReadings(ctx: Context, pick: (runs: Array<typeof jobRuns.$inferSelect>) => number | null) {
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
    const value = pick(runs)
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
        (v) => v.at,
        (v) => (v.sog === null ? undefined : {value: v.sog, at: v.at, lat: v.lat, lon: v.lon}),
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
        (v) => ({value: Math.round((now - v.at) / 6000) / 10, at: now, lat: v.lat, lon: v.lon}),
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
    description: 'failed or timed-out runs in a row since the last success',
    freshnessSeconds: FIVE_MINUTES,
    read: (ctx) =>
      jobReadings(ctx, (runs) => {
        let n = 0
        for (const r of runs) {
          if (r.status === 'failed' || r.status === 'timeout') n++
          else if (r.status === 'success') break
        }
        return n
      }),
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
