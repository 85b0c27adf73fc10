// The behaviour pass: the positions stored since the last pass (after the watermark) read in slices, each
// with what the detectors look back on, run through every detector; a slice's events, the detectors' own
// state and the watermark past it are committed in one write transaction, so a pass killed midway leaves
// whole slices only and the next pass finds the same episodes again by their keys.
import type {BehaviourJobSummary} from '../../schemas/job-summaries.js'
import {anySignal, Cancelled, throwIfCancelled, yieldToEventLoop} from '../cancel.js'
import type {Context} from '../context.js'
import {
  advanceBehaviourWatermark,
  behaviourEventsByKey,
  type BehaviourEventRow,
  type BehaviourEventUpdate,
  behaviourWatermark,
  firstPositionIdSince,
  openBehaviourEvents,
  insertBehaviourEvents,
  positionIds,
  updateBehaviourEvents,
} from '../db/behaviour.js'
import {BEHAVIOUR_EVENT_TYPES, type BehaviourEventType} from '../db/schema.js'
import {write} from '../db/transaction.js'
import {landOutline} from '../geo/land.js'
import {acquireLease, holderText, leaseHolder} from '../jobs/lease.js'
import {loadPortAreas} from '../ports/congestion.js'
import {notifyWatchers} from '../safety/notify.js'
import {deliverWebhooks} from '../safety/webhooks.js'
import {DETECTORS} from './detectors.js'
import type {BehaviourEnv, BehaviourEventDraft, Detector, DetectorResult} from './types.js'
import {readSliceWindow, type WindowRead} from './window-reader.js'

export type {BehaviourJobSummary} from '../../schemas/job-summaries.js'

/** The registry job, and the lease vessel:analyze's pass shares with it. */
export const BEHAVIOUR_JOB = 'behaviour'
/** A database never analysed before: its positions from this long before the newest one. */
export const FIRST_PASS_MS = 7 * 86_400_000

export interface BehaviourPassOptions {
  detectors?: readonly Detector[]
  /** Fresh positions per slice (default: the behaviourSlicePositions setting). */
  slicePositions?: number
}

const iso = (ms: number) => new Date(ms).toISOString()

function emptySummary(watermark: number | null): BehaviourJobSummary {
  return {
    success: true,
    positions_fresh: 0,
    positions_read: 0,
    positions_carried: 0,
    vessels: 0,
    slices: 0,
    events_new: 0,
    events_updated: 0,
    events_ended: 0,
    new_by_type: Object.fromEntries(BEHAVIOUR_EVENT_TYPES.map((t) => [t, 0])) as Record<BehaviourEventType, number>,
    notifications: 0,
    webhooks: {attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0},
    detectors: {},
    watermark_before: watermark,
    watermark_after: watermark,
    first_pass_since: null,
    errors_count: 0,
  }
}

/**
 * One pass over the positions not analysed yet. Slices are ranges of position ids (the order positions were
 * stored in), each read with the positions observed up to the detectors' longest look-back before its oldest
 * fresh report (and as long after its newest), and each fresh vessel's last report before that. Stops
 * between slices when asked to (what is committed stays).
 */
export async function runBehaviourPass(ctx: Context, options: BehaviourPassOptions = {}): Promise<BehaviourJobSummary> {
  const {db} = ctx
  const log = ctx.logger.child({job: BEHAVIOUR_JOB})
  const detectors = options.detectors ?? DETECTORS
  const sliceSize = options.slicePositions ?? ctx.config.behaviourSlicePositions
  const now = ctx.clock.now()
  const timings: Record<string, number> = {}
  const time = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try {
      return await work()
    } finally {
      timings[phase] = Math.round((timings[phase] ?? 0) + performance.now() - t0)
    }
  }

  const before = await behaviourWatermark(db)
  const summary = emptySummary(before)
  summary.timings_ms = timings
  for (const d of detectors) summary.detectors[d.name] = {events: 0}
  const ids = await positionIds(db)
  if (ids.last === null || ids.newestAt === null) return summary

  // A first pass starts 7 days before the newest position; later ones right after the watermark.
  let floor = Number.MIN_SAFE_INTEGER
  let from = before ?? 0
  if (before === null) {
    floor = ids.newestAt - FIRST_PASS_MS
    summary.first_pass_since = iso(floor)
    from = ((await firstPositionIdSince(db, floor)) ?? ids.last + 1) - 1
  }
  // Positions stored from now on wait for the next pass.
  const upTo = ids.last
  const lookbackMs = Math.max(0, ...detectors.map((d) => d.lookbackMs))
  let env: BehaviourEnv | undefined
  let committed = before
  const vessels = new Set<number>()
  // The window of the slice before: most of what the next one looks back on.
  let previous: WindowRead | null = null

  for (let after = from; after < upTo; ) {
    throwIfCancelled(ctx.signal)
    const through = Math.min(after + sliceSize, upTo)
    const slice = {afterId: after, upToId: through, floor, lookbackMs}
    const read = await time('read', () =>
      readSliceWindow(db, slice, previous, async () => {
        await yieldToEventLoop()
        throwIfCancelled(ctx.signal)
      }),
    )
    previous = null
    if (read === null) {
      // No fresh position in the range (deleted, or observed before a first pass's start).
      after = through
      continue
    }
    env ??= await time('areas', async () => ({ctx, now, areas: await loadPortAreas(ctx), land: landOutline('10m')}))
    const found: Array<{detector: Detector; result: DetectorResult}> = []
    for (const detector of detectors) {
      const result = await time(`detect_${detector.name}`, () => detector.detect(env as BehaviourEnv, read.window))
      found.push({detector, result})
      await yieldToEventLoop()
    }
    throwIfCancelled(ctx.signal)
    const stored = await time('store', () => storeSlice(ctx, found, through, now))
    committed = through

    summary.slices++
    summary.positions_fresh += read.fresh
    summary.positions_read += read.read + read.before
    summary.positions_carried += read.carried
    for (const mmsi of read.freshVessels) vessels.add(mmsi)
    summary.events_new += stored.created
    summary.events_updated += stored.updated
    summary.events_ended += stored.ended
    summary.notifications += stored.notifications
    for (const [type, n] of Object.entries(stored.createdByType)) summary.new_by_type[type as BehaviourEventType] += n
    for (const {detector, result} of found) {
      const counts = summary.detectors[detector.name]
      // Drafts that only end a stored episode are not news of their own.
      counts.events += result.events.filter((e) => !e.onlyIfKnown).length
      for (const [k, n] of Object.entries(result.counts ?? {})) counts[k] = (counts[k] ?? 0) + n
    }
    log.debug(`slice ${summary.slices}: positions ${after + 1}-${through}`, {
      fresh: read.fresh,
      read: read.read + read.before,
      carried: read.carried,
      vessels: read.window.vessels,
      events_new: stored.created,
      events_updated: stored.updated,
    })
    previous = read
    after = through
  }
  // Nothing fresh after the last slice (or at all): the watermark still moves past what was looked at.
  if (committed === null || committed < upTo) await write(db, () => advanceBehaviourWatermark(db, upTo, now))
  summary.watermark_after = upTo
  summary.vessels = vessels.size
  summary.webhooks = await deliverWebhooks(ctx)
  log.info(
    `${summary.events_new} new behaviour events, ${summary.events_updated} updated, ${summary.notifications} notifications from ${summary.positions_fresh} new positions`,
    {slices: summary.slices, positions_read: summary.positions_read, watermark: upTo},
  )
  return summary
}

interface SliceStored {
  created: number
  createdByType: Record<string, number>
  updated: number
  ended: number
  notifications: number
}

function eventRow(d: BehaviourEventDraft): BehaviourEventRow {
  return {
    type: d.type,
    severity: d.severity,
    zoneId: d.zoneId ?? null,
    portId: d.portId ?? null,
    mmsi: d.mmsi,
    dedupeKey: d.dedupeKey,
    title: d.title,
    lat: d.lat,
    lon: d.lon,
    source: d.source,
    observedAt: d.startedAt,
    metadata: d.metadata,
    resolvedAt: d.endedAt,
  }
}

/**
 * A slice's writes in one transaction: new episodes inserted (notifying their watchers), stored open ones
 * brought up to date (ended ones stay as they are), the detectors' own state, and the watermark.
 */
async function storeSlice(ctx: Context, found: ReadonlyArray<{result: DetectorResult}>, watermark: number, now: number): Promise<SliceStored> {
  const {db} = ctx
  // Of one episode found twice in a slice, the last word.
  const drafts = new Map<string, BehaviourEventDraft>()
  for (const {result} of found) for (const e of result.events) drafts.set(e.dedupeKey, e)
  return write(db, async () => {
    // Open episodes are few: read at once. Of the rest only news is looked up (ended episodes stay as stored).
    const open = await openBehaviourEvents(db)
    const known = await behaviourEventsByKey(db, [...drafts.values()].filter((d) => !d.onlyIfKnown && !open.has(d.dedupeKey)).map((d) => d.dedupeKey))
    const inserts: BehaviourEventRow[] = []
    const updates: BehaviourEventUpdate[] = []
    for (const d of drafts.values()) {
      const id = open.get(d.dedupeKey)
      if (id !== undefined) updates.push({id, title: d.title, metadata: d.metadata, resolvedAt: d.endedAt, lastSeenAt: now})
      else if (!d.onlyIfKnown && !known.has(d.dedupeKey)) inserts.push(eventRow(d))
    }
    const created = await insertBehaviourEvents(db, inserts, now)
    const updated = await updateBehaviourEvents(db, updates)
    for (const {result} of found) await result.commit?.(db)
    await advanceBehaviourWatermark(db, watermark, now)
    const notifications = await notifyWatchers(ctx, created)
    const createdByType: Record<string, number> = {}
    for (const e of created) createdByType[e.type] = (createdByType[e.type] ?? 0) + 1
    const ended = created.filter((e) => e.resolvedAt !== null).length + updates.filter((u) => u.resolvedAt !== null).length
    return {created: created.length, createdByType, updated, ended, notifications}
  })
}

/** The `behaviour` registry job: the runner holds the lease. */
export async function runBehaviourJob(ctx: Context): Promise<BehaviourJobSummary> {
  return runBehaviourPass(ctx)
}

export type BehaviourPassOutcome = {ran: true; summary: BehaviourJobSummary} | {ran: false; held_by: string}

/**
 * The pass as vessel:analyze runs it: under the `behaviour` job's lease, so the two never run at once (in
 * this process or another). When a pass holds it none runs: the holder covers the same positions.
 */
export async function runBehaviourPassUnlessRunning(ctx: Context): Promise<BehaviourPassOutcome> {
  // Read first: while a long pass runs, the analyses meanwhile cost a read each, not a write.
  const holder = await leaseHolder(ctx, BEHAVIOUR_JOB)
  if (holder) return {ran: false, held_by: holder}
  const lost = new AbortController()
  const taken = await acquireLease(ctx, BEHAVIOUR_JOB, {
    onLost: (to) => lost.abort(new Cancelled('lease', `lost the ${BEHAVIOUR_JOB} lease${to ? ` to ${to}` : ''}`)),
  })
  if (!taken.acquired) return {ran: false, held_by: holderText(BEHAVIOUR_JOB, taken.holder)}
  const stop = anySignal([ctx.signal, lost.signal])
  try {
    return {ran: true, summary: await runBehaviourPass({...ctx, signal: stop.signal})}
  } finally {
    stop.dispose()
    await taken.lease.release()
  }
}
