// Port congestion derived from stored vessel positions: vessels stopped inside port limits, split into
// waiting (anchorage) and at berth, judged against the port's own baseline; one snapshot per port per run.
import {eq, inArray, sql} from 'drizzle-orm'

import {throwIfCancelled, yieldToEventLoop} from '../cancel.js'
import type {Context} from '../context.js'
import {type Db, writeTransaction} from '../db/client.js'
import {hotStatements, type SnapshotRow} from '../db/hot-statements.js'
import {type DataSource, portCongestion, ports, vessels} from '../db/schema.js'
import {worstSource} from '../provenance.js'
import {PortIndex} from './port-index.js'

export type CongestionLevel = 'normal' | 'elevated' | 'high' | 'severe' | 'no_data' | 'insufficient_history'
export type Trend = 'rising' | 'falling' | 'steady' | 'unknown'

/** Global Fishing Watch starts a stop under 0.2 kn and ends it above 0.5 kn: under 0.5 kn is stopped. */
export const STOPPED_KNOTS = 0.5
/** Navigational status codes (ITU-R M.1371): 1 at anchor, 5 moored. */
const AT_ANCHOR = 1
const MOORED = 5
/** Without berth polygons, a stopped vessel in the inner part of the port limits is taken to be at berth. */
const BERTH_FRACTION = 0.5
/** Snapshots with data that make a baseline (the rolling median of the port's own past). */
const BASELINE_MIN_SAMPLES = 3
const BASELINE_MAX_SAMPLES = 48
const BASELINE_DAYS = 30

export interface CongestionSummary {
  ports_updated: number
  errors_count: number
  success: boolean
  ports_with_data: number
  ports_no_data: number
  vessels_in_ports: number
  source: DataSource
  observed_at: string | null
  levels: Record<CongestionLevel, number>
}

interface PortTally {
  inPort: number
  waiting: number
  atBerth: number
  sources: Set<DataSource>
}

/**
 * A port's level from its waiting vessels against its own baseline (median of past snapshots). With too
 * little history there is nothing to compare with, and the level stays normal rather than guessed.
 */
export function congestionLevel(waiting: number, baseline: number | null): CongestionLevel {
  if (baseline === null) return 'normal'
  const base = Math.max(baseline, 1)
  const ratio = waiting / base
  const excess = waiting - base
  if (ratio >= 3 && excess >= 5) return 'severe'
  if (ratio >= 2 && excess >= 3) return 'high'
  if (ratio >= 1.5 && excess >= 2) return 'elevated'
  return 'normal'
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Stores a run's snapshots in one transaction. */
function storeSnapshots(db: Db, rows: SnapshotRow[]): void {
  const {insertSnapshot} = hotStatements(db)
  writeTransaction(db, () => {
    for (const row of rows) insertSnapshot(row)
  })
}

export async function computePortCongestion(ctx: Context): Promise<CongestionSummary> {
  const {db, config, clock} = ctx
  const now = clock.now()
  if (config.portsSource === 'simulated') return simulateCongestion(ctx)

  const allPorts = await db.orm
    .select({id: ports.id, lat: ports.lat, lon: ports.lon, radiusKm: ports.radiusKm})
    .from(ports)
    .all()
  const newest = (await db.orm.select({at: sql<number | null>`max(${vessels.positionAt})`}).from(vessels).get())?.at ?? null
  const windowMs = config.positionWindowMinutes * 60_000
  const observedAt = newest ?? now
  const windowStart = observedAt - windowMs

  const tallies = new Map<number, PortTally>()
  let vesselsInPorts = 0
  if (newest !== null && allPorts.length > 0) {
    const index = new PortIndex(allPorts)
    const current = hotStatements(db).currentPositions(windowStart)
    let checked = 0
    for (const v of current) {
      // World scale is hundreds of thousands of positions: timers, signals and the API get a turn.
      if (++checked % 20_000 === 0) {
        await yieldToEventLoop()
        throwIfCancelled(ctx.signal)
      }
      const hit = index.portAt(v.lat, v.lon)
      if (!hit) continue
      const port = hit.port
      const distance = hit.distanceKm
      vesselsInPorts++
      const id = port.id
      let tally = tallies.get(id)
      if (!tally) {
        tally = {inPort: 0, waiting: 0, atBerth: 0, sources: new Set()}
        tallies.set(id, tally)
      }
      tally.inPort++
      tally.sources.add(v.source)
      const stopped = v.sog !== null ? v.sog < STOPPED_KNOTS : v.nav === AT_ANCHOR || v.nav === MOORED
      if (!stopped) continue
      const berth = v.nav === MOORED || (v.nav !== AT_ANCHOR && distance <= port.radiusKm * BERTH_FRACTION)
      if (berth) tally.atBerth++
      else tally.waiting++
    }
  }

  const levels: Record<CongestionLevel, number> = {normal: 0, elevated: 0, high: 0, severe: 0, no_data: 0, insufficient_history: 0}
  const dataSources = new Set<DataSource>()
  const rows: SnapshotRow[] = []
  for (const p of allPorts) {
    const tally = tallies.get(p.id)
    if (!tally) {
      levels.no_data++
      rows.push({
        portId: p.id,
        observedAt,
        windowStart,
        vesselsWaiting: null,
        vesselsAtBerth: null,
        vesselsInPort: null,
        level: 'no_data',
        baselineWaiting: null,
        baselineSamples: 0,
        trend: 'unknown',
        source: 'fallback',
        createdAt: now,
      })
      continue
    }
    const history = hotStatements(db).portHistory(p.id, observedAt - BASELINE_DAYS * 86_400_000, BASELINE_MAX_SAMPLES)
    // A rerun on the same observation must not count itself as history.
    const past = history.filter((h) => h.observedAt < observedAt && h.waiting !== null).map((h) => h.waiting as number)
    const baseline = past.length >= BASELINE_MIN_SAMPLES ? median(past) : null
    const level = congestionLevel(tally.waiting, baseline)
    const previous = past[0]
    const trend: 'rising' | 'falling' | 'steady' | 'unknown' =
      previous === undefined ? 'unknown' : tally.waiting > previous ? 'rising' : tally.waiting < previous ? 'falling' : 'steady'
    const source = worstSource([...tally.sources])
    dataSources.add(source)
    levels[level]++
    rows.push({
      portId: p.id,
      observedAt,
      windowStart,
      vesselsWaiting: tally.waiting,
      vesselsAtBerth: tally.atBerth,
      vesselsInPort: tally.inPort,
      level,
      baselineWaiting: baseline,
      baselineSamples: past.length,
      trend,
      source,
      createdAt: now,
    })
  }

  storeSnapshots(db, rows)

  const withData = allPorts.length - levels.no_data
  return {
    ports_updated: rows.length,
    errors_count: 0,
    success: true,
    ports_with_data: withData,
    ports_no_data: levels.no_data,
    vessels_in_ports: vesselsInPorts,
    source: withData > 0 ? worstSource([...dataSources]) : 'fallback',
    observed_at: newest === null ? null : new Date(observedAt).toISOString(),
    levels,
  }
}

/**
 * The demo feed (HARBORMASTER_PORTS_SOURCE=simulated): deterministic made-up numbers for the large ports,
 * every value labelled `simulated`, for showing the platform without AIS coverage. Never notifies anyone.
 */
async function simulateCongestion(ctx: Context): Promise<CongestionSummary> {
  const now = ctx.clock.now()
  const hour = Math.floor(now / 3_600_000)
  const large = await ctx.db.orm.select({id: ports.id}).from(ports).where(eq(ports.harborSize, 'Large')).all()
  const levels: Record<CongestionLevel, number> = {normal: 0, elevated: 0, high: 0, severe: 0, no_data: 0, insufficient_history: 0}
  const rows = large.map((p) => {
    const waiting = pseudoRandom(p.id * 7919 + hour) % 12
    const atBerth = pseudoRandom(p.id * 104_729 + hour) % 20
    const level = congestionLevel(waiting, 4)
    levels[level]++
    return {
      portId: p.id,
      observedAt: now,
      windowStart: now - ctx.config.positionWindowMinutes * 60_000,
      vesselsWaiting: waiting,
      vesselsAtBerth: atBerth,
      vesselsInPort: waiting + atBerth,
      level,
      baselineWaiting: 4,
      baselineSamples: 0,
      trend: 'unknown' as const,
      source: 'simulated' as const,
      createdAt: now,
    }
  })
  storeSnapshots(ctx.db, rows)
  return {
    ports_updated: rows.length,
    errors_count: 0,
    success: true,
    ports_with_data: rows.length,
    ports_no_data: 0,
    vessels_in_ports: rows.reduce((n, r) => n + r.vesselsInPort, 0),
    source: 'simulated',
    observed_at: new Date(now).toISOString(),
    levels,
  }
}

function pseudoRandom(seed: number): number {
  let x = seed | 0
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  return (x ^ (x >>> 16)) >>> 0
}

export interface LatestCongestion {
  portId: number
  name: string
  lat: number
  lon: number
  radiusKm: number
  level: CongestionLevel
  waiting: number | null
  atBerth: number | null
  baseline: number | null
  source: DataSource
  observedAt: number
}

/** Each port's latest snapshot, optionally only those at the given levels. */
export async function latestCongestion(db: Db, levels?: CongestionLevel[]): Promise<LatestCongestion[]> {
  const latest = db.orm
    .select({id: sql<number>`max(${portCongestion.id})`.as('latest_id')})
    .from(portCongestion)
    .groupBy(portCongestion.portId)
    .as('latest')
  return db.orm
    .select({
      portId: ports.id,
      name: ports.name,
      lat: ports.lat,
      lon: ports.lon,
      radiusKm: ports.radiusKm,
      level: portCongestion.level,
      waiting: portCongestion.vesselsWaiting,
      atBerth: portCongestion.vesselsAtBerth,
      baseline: portCongestion.baselineWaiting,
      source: portCongestion.source,
      observedAt: portCongestion.observedAt,
    })
    .from(portCongestion)
    .innerJoin(latest, eq(latest.id, portCongestion.id))
    .innerJoin(ports, eq(ports.id, portCongestion.portId))
    .where(levels ? inArray(portCongestion.level, levels) : undefined)
    .all()
}
