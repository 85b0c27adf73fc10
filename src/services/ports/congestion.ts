// Port congestion from the stored positions: stops tracked in each port's area (its berths and anchorage
// cells), merchant ships waiting at anchorage and at berth, the median wait over 7 days, judged against the
// port's own baseline that a persistent queue does not absorb; one snapshot per port per run.
import type {PortsJobSummary} from '../../schemas/job-summaries.js'
import {throwIfCancelled, yieldToEventLoop} from '../cancel.js'
import type {Context} from '../context.js'
import {areaCells, areaPorts, hasAreaCells} from '../db/port-areas.js'
import {
  type CongestionLevel,
  dailyMediansSince,
  insertSnapshots,
  type LatestCongestion,
  latestSnapshots,
  previousSnapshots,
  type SnapshotRow,
  type Trend,
} from '../db/port-congestion.js'
import {eachCurrentPosition, newestCurrentPositionAt} from '../db/current-positions.js'
import {loadShippedAnchorages} from '../datasets/anchorages.js'
import {loadShippedPorts} from '../datasets/ports.js'
import type {DataSource} from '../db/schema.js'
import {write} from '../db/transaction.js'
import {worstSource} from '../provenance.js'
import {portWaiting} from './anchorage-waits.js'
import {ABOVE_NORMAL, BASELINE_DAYS, baselineOf, congestionLevel, DAY_MS, updateDailyMedians} from './baseline.js'
import {learnAreaCells} from './learned-cells.js'
import {PortAreas} from './port-areas.js'
import {storeShippedAnchorageCells} from './shipped-areas.js'
import {trackStops} from './stops.js'
import {portsReachedSevere} from '../queue/triggers.js'
import {isEstimatedFix} from '../vessels/track.js'

export type {CongestionLevel, LatestCongestion, Trend}
export {congestionLevel}

export type {PortsJobSummary} from '../../schemas/job-summaries.js'

const zeroLevels = (): Record<CongestionLevel, number> => ({normal: 0, elevated: 0, high: 0, severe: 0, no_data: 0, insufficient_history: 0})

/** The port areas as stored; a database from before port areas gets the shipped anchorage cells first. */
export async function loadPortAreas(ctx: Context): Promise<PortAreas> {
  const {db} = ctx
  if (!(await hasAreaCells(db, 'fallback'))) {
    const shippedPorts = loadShippedPorts().ports
    const anchorages = loadShippedAnchorages().anchorages
    const report = await write(db, () => storeShippedAnchorageCells(db, shippedPorts, anchorages, ctx.clock.now(), false))
    ctx.logger.info('port areas: stored the shipped named anchorage cells', {cells: report.created, unmatched_cells: report.unmatched_cells})
  }
  return new PortAreas(await areaPorts(db), await areaCells(db))
}

interface PortTally {
  inPort: number
  sources: Set<DataSource>
}

export async function computePortCongestion(ctx: Context): Promise<PortsJobSummary> {
  const {db, config, clock} = ctx
  const now = clock.now()
  if (config.portsSource === 'simulated') return simulateCongestion(ctx)

  const phases: Record<string, number> = {}
  let mark = performance.now()
  const phase = (name: string) => {
    const t = performance.now()
    phases[name] = Math.round(t - mark)
    mark = t
  }
  const areas = await loadPortAreas(ctx)
  phase('areas')
  const newest = await newestCurrentPositionAt(db)
  const windowMs = config.positionWindowMinutes * 60_000
  const observedAt = newest ?? now
  const windowStart = observedAt - windowMs

  const stops = await trackStops(ctx, areas, {observedAt, windowMs})
  phase('stops')
  const learned = await learnAreaCells(ctx, areas, observedAt)
  phase('learning')

  // Vessels in each port's area now (any type): whether the port has data at all.
  const tallies = new Map<number, PortTally>()
  let vesselsInPorts = 0
  if (newest !== null) {
    await eachCurrentPosition(
      db,
      windowStart,
      ({lat, lon, second, source}) => {
        if (isEstimatedFix(second)) return
        const hit = areas.locate(lat, lon)
        if (!hit) return
        vesselsInPorts++
        let tally = tallies.get(hit.portId)
        if (!tally) tallies.set(hit.portId, (tally = {inPort: 0, sources: new Set()}))
        tally.inPort++
        tally.sources.add(source)
      },
      // World scale is hundreds of thousands of positions: timers, signals and the API get a turn.
      async () => {
        await yieldToEventLoop()
        throwIfCancelled(ctx.signal)
      },
    )
  }

  phase('in_port')
  const withData = [...tallies.keys()]
  const waiting = await portWaiting(db, {observedAt, windowStart})
  phase('waiting')
  const previous = await previousSnapshots(db, withData, observedAt)
  await updateDailyMedians(db, withData, observedAt)
  const daily = await dailyMediansSince(db, observedAt - 2 * BASELINE_DAYS * DAY_MS - DAY_MS)
  phase('baselines')

  const levels = zeroLevels()
  const dataSources = new Set<DataSource>()
  const rows: SnapshotRow[] = []
  for (const p of areas.ports) {
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
        waitingUnknownType: null,
        atBerthUnknownType: null,
        level: 'no_data',
        baselineWaiting: null,
        baselineSamples: 0,
        medianWaitHours: null,
        waitsCounted: null,
        episodeStartedAt: null,
        trend: 'unknown',
        source: 'fallback',
        createdAt: now,
      })
      continue
    }
    const w = waiting.get(p.id)
    const count = w?.waiting ?? 0
    const prev = previous.get(p.id)
    const baseline = baselineOf(daily.get(p.id) ?? [], observedAt, prev?.episodeStartedAt ?? null)
    const level = congestionLevel(count, baseline.waiting)
    const trend: Trend = prev === undefined ? 'unknown' : count > prev.waiting ? 'rising' : count < prev.waiting ? 'falling' : 'steady'
    const source = worstSource(tally.sources)
    dataSources.add(source)
    levels[level]++
    rows.push({
      portId: p.id,
      observedAt,
      windowStart,
      vesselsWaiting: count,
      vesselsAtBerth: w?.atBerth ?? 0,
      vesselsInPort: tally.inPort,
      waitingUnknownType: w?.waitingUnknownType ?? 0,
      atBerthUnknownType: w?.atBerthUnknownType ?? 0,
      level,
      baselineWaiting: baseline.waiting,
      baselineSamples: baseline.days,
      medianWaitHours: w?.medianWaitHours ?? null,
      waitsCounted: w?.waitsCounted ?? 0,
      episodeStartedAt: ABOVE_NORMAL.has(level) ? (prev?.episodeStartedAt ?? observedAt) : null,
      trend,
      source,
      createdAt: now,
    })
  }

  await write(db, () => insertSnapshots(db, rows))
  phase('snapshots')
  // Ports that have just reached severe: the vessels waiting there are analysed (a trigger never fails the job).
  const reachedSevere = rows
    .filter((r) => r.level === 'severe' && previous.get(r.portId)?.level !== 'severe')
    .map((r) => ({portId: r.portId, waiting: waiting.get(r.portId)?.waitingMmsis ?? []}))
  if (reachedSevere.length > 0) await portsReachedSevere(ctx, reachedSevere)
  const shipped = areas.cells.filter((c) => c.origin === 'fallback').length
  return {
    ports_updated: rows.length,
    errors_count: 0,
    success: true,
    ports_with_data: withData.length,
    ports_no_data: levels.no_data,
    vessels_in_ports: vesselsInPorts,
    source: withData.length > 0 ? worstSource(dataSources) : 'fallback',
    observed_at: newest === null ? null : new Date(observedAt).toISOString(),
    levels,
    stops,
    area_cells: {shipped, learned: areas.cells.length - shipped + learned.cells_learned, learned_this_run: learned},
    timings_ms: phases,
  }
}

/**
 * The demo feed (HARBORMASTER_PORTS_SOURCE=simulated): deterministic made-up numbers for the large ports,
 * every value labelled `simulated`, for showing the platform without AIS coverage. Never notifies anyone.
 */
async function simulateCongestion(ctx: Context): Promise<PortsJobSummary> {
  const now = ctx.clock.now()
  const hour = Math.floor(now / 3_600_000)
  const large = (await areaPorts(ctx.db)).filter((p) => p.harborSize === 'Large')
  const levels = zeroLevels()
  const rows: SnapshotRow[] = large.map((p) => {
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
      waitingUnknownType: 0,
      atBerthUnknownType: 0,
      level,
      baselineWaiting: 4,
      baselineSamples: 0,
      medianWaitHours: null,
      waitsCounted: null,
      episodeStartedAt: null,
      trend: 'unknown',
      source: 'simulated',
      createdAt: now,
    }
  })
  await write(ctx.db, () => insertSnapshots(ctx.db, rows))
  return {
    ports_updated: rows.length,
    errors_count: 0,
    success: true,
    ports_with_data: rows.length,
    ports_no_data: 0,
    vessels_in_ports: rows.reduce((n, r) => n + (r.vesselsInPort ?? 0), 0),
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

/** Each port's latest snapshot, optionally only those at the given levels. */
export async function latestCongestion(db: Context['db'], levels?: CongestionLevel[]): Promise<LatestCongestion[]> {
  return latestSnapshots(db, levels)
}
