// Vessel intake: decoded AIS messages validated per the AIS rules (positions that are positions, ship
// MMSIs and distress transmitters, the track rule, no future times), stored in batched transactions as
// the source produces them, static data merged.
import type {AisMessage} from '../ais/payload.js'
import {yieldToEventLoop} from '../cancel.js'
import type {DataSource, Origin} from '../db/schema.js'
import {type AnyDb, write} from '../db/transaction.js'
import {recordIdentities} from '../db/vessel-identity.js'
import {type PositionRow, type StaticUpdate, type VesselStore, vesselStore} from '../db/vessel-store.js'
import {flagOf, midOf} from '../datasets/mid.js'
import {distressDevice} from '../safety/distress.js'
import {impossibleFix, isEstimatedFix, MAX_PLAUSIBLE_KNOTS, TrackKeeper} from './track.js'

const FUTURE_TOLERANCE_MS = 5 * 60_000
/** Messages judged between yields to the event loop while a batch's positions stream to the database. */
const YIELD_EVERY = 1000

const POSITION_TYPES = new Set([1, 2, 3, 18, 19, 27])
const STATIC_TYPES = new Set([5, 19, 24])

export interface IngestOptions {
  source: DataSource
  /** `fallback` for rows made from shipped data (ensure-fallback-data --force recreates those). */
  origin: Origin
  now: number
  /** When the report was observed; tag-block time or receive time where the source has one. */
  observedAtOf(message: AisMessage): number
  /** Messages per transaction (default 5,000). */
  batchSize?: number
  /** Checked before each batch: once aborted, the batches committed so far stay and the ingest stops. */
  signal?: AbortSignal
  /** Called after each committed batch with the positions stored and messages read so far. */
  onBatch?: (progress: {positionsStored: number; messages: number; batches: number}) => void
  /**
   * Called after each committed batch with the vessels it stored for the first time (never twice for one
   * vessel); awaited. Without it, intake does not look for new vessels at all.
   */
  onNewVessels?: (mmsis: number[]) => Promise<void>
}

export interface IngestResult {
  messages: number
  positions_stored: number
  duplicates: number
  vessels_updated: number
  static_updates: number
  /** Messages of types that carry no vessel position or static data (base stations, aids to navigation...). */
  skipped: number
  rejected: number
  rejected_by_reason: Record<string, number>
  /** Reports held back by the track rule after this intake (all vessels), waiting for reports that agree with them. */
  positions_held: number
  /** Times a vessel's track moved to a run of agreeing reports (its earlier fix was the bad one). */
  track_moves: number
  /** Dead-reckoned (62) or positioning-inoperative (63) reports: stored, not judged by speed. */
  estimated_positions: number
  /** Newest observation among the reports accepted (stored or already stored); null when none was. */
  newest_observed_at: number | null
  /** Distress transmitters (AIS-SART, MOB, EPIRB-AIS) heard: their newest accepted report each. */
  distress: PositionRow[]
  stopped: boolean
}

interface BatchCounts {
  stored: number
  duplicates: number
  statics: number
  rejected: string[]
  skipped: number
  updated: number[]
  moves: number
  estimated: number
  newest: number
  distress: PositionRow[]
  /** Vessels the batch stored for the first time. */
  created: number[]
  /** Vessels looked up and found stored already. */
  found: number[]
}

const newCounts = (): BatchCounts => ({stored: 0, duplicates: 0, statics: 0, rejected: [], skipped: 0, updated: [], moves: 0, estimated: 0, newest: 0, distress: [], created: [], found: []})

/** Ship stations (MID 201-775) and the distress transmitters that must never be discarded. */
function trackedMmsi(mmsi: number): boolean {
  const mid = midOf(mmsi)
  return (mid !== null && mid >= 201 && mid <= 775) || distressDevice(mmsi) !== null
}

/**
 * One intake: batches of messages, each stored in its own transaction (a savepoint inside a caller's
 * transaction). The track rule's keeper lives as long as the intake, so a vessel's reference fix and held
 * reports carry across batches; a batch that fails rolls back whole and the keeper forgets what it read.
 */
export class Ingest {
  private readonly store: VesselStore
  private readonly track: TrackKeeper
  private readonly result: IngestResult = {
    messages: 0,
    positions_stored: 0,
    duplicates: 0,
    vessels_updated: 0,
    static_updates: 0,
    skipped: 0,
    rejected: 0,
    rejected_by_reason: {},
    positions_held: 0,
    track_moves: 0,
    estimated_positions: 0,
    newest_observed_at: null,
    distress: [],
    stopped: false,
  }
  private readonly updated = new Set<number>()
  private readonly distress = new Map<number, PositionRow>()
  /** Vessels known to be stored (looked up once, or stored by this intake): only the others are looked up. */
  private readonly known = new Set<number>()
  private committed = 0

  constructor(
    private readonly db: AnyDb,
    private readonly options: IngestOptions,
  ) {
    this.store = vesselStore(db)
    this.track = new TrackKeeper(this.store)
  }

  get positionsStored(): number {
    return this.result.positions_stored
  }

  get messages(): number {
    return this.result.messages
  }

  get batches(): number {
    return this.committed
  }

  /** Stores one batch in one transaction: all of it or, when it throws, none of it. */
  async add(batch: AisMessage[]): Promise<void> {
    const {store, track, options} = this
    const teleport = `jump implying over ${MAX_PLAUSIBLE_KNOTS} kn`
    // Counted per attempt and added only after the commit, so a rolled-back batch counts nothing.
    let counts = newCounts()
    let attempts = 0
    try {
      await write(this.db, async () => {
        // A retried transaction starts over: what the keeper read or judged in the failed attempt is gone.
        if (attempts++ > 0) track.reset()
        counts = newCounts()
        // Read ahead what judging the batch's vessels needs: one query on a database server (SQLite is asked as they are judged).
        if (track.readsAhead) {
          const judged = new Set<number>()
          for (const m of batch) {
            if (POSITION_TYPES.has(m.msg_type) && !isEstimatedFix(m.second) && trackedMmsi(m.mmsi)) judged.add(m.mmsi)
          }
          await track.preload(judged)
        }
        // Reports accepted, in order: stored (or found stored already) in one go after the batch is judged.
        const accepted: PositionRow[] = []
        // Reports the track went on without: kept apart as the evidence of one MMSI heard in two places.
        const discarded: PositionRow[] = []
        const statics: StaticUpdate[] = []
        // Stored as they are accepted where the store streams them (PostgreSQL's COPY): the server stores one
        // chunk while the next is judged, the loop yielding now and then so the connection's traffic flows.
        const copy = store.copyPositions?.()
        const accept = (row: PositionRow) => {
          if (counts.newest < row.observedAt) counts.newest = row.observedAt
          if (distressDevice(row.mmsi) !== null) counts.distress.push(row)
          accepted.push(row)
          copy?.add(row)
        }
        let judged = 0
        try {
          for (const m of batch) {
            if (copy && ++judged % YIELD_EVERY === 0) await yieldToEventLoop()
            const isPosition = POSITION_TYPES.has(m.msg_type)
            const isStatic = STATIC_TYPES.has(m.msg_type)
            if (!isPosition && !isStatic) {
              counts.skipped++
              continue
            }
            if (!trackedMmsi(m.mmsi)) {
              counts.rejected.push('not a ship MMSI')
              continue
            }
            if (isStatic) {
              const length = m.to_bow != null && m.to_stern != null ? m.to_bow + m.to_stern : null
              const beam = m.to_port != null && m.to_starboard != null ? m.to_port + m.to_starboard : null
              statics.push({
                mmsi: m.mmsi,
                flag: flagOf(m.mmsi),
                imo: m.imo ?? null,
                name: m.shipname ?? null,
                callsign: m.callsign ?? null,
                shipType: m.shiptype ?? null,
                lengthM: length,
                beamM: beam,
                draughtM: m.draught ?? null,
                destination: m.destination ?? null,
              })
              if (!isPosition) continue
            }

            const impossible = impossibleFix(m.lat, m.lon)
            if (impossible) {
              counts.rejected.push(impossible)
              continue
            }
            const observedAt = options.observedAtOf(m)
            if (observedAt > options.now + FUTURE_TOLERANCE_MS) {
              counts.rejected.push('timestamp in the future')
              continue
            }
            const row: PositionRow = {
              mmsi: m.mmsi,
              observedAt,
              lat: m.lat as number,
              lon: m.lon as number,
              sog: m.sog ?? null,
              cog: m.cog ?? null,
              heading: m.heading ?? null,
              navStatus: m.nav_status ?? null,
              utcSecond: m.second ?? null,
              source: options.source,
              receivedAt: options.now,
            }
            if (isEstimatedFix(row.utcSecond)) {
              counts.estimated++
              accept(row)
              continue
            }
            const verdict = track.judge(row)
            for (const r of verdict.discarded) {
              counts.rejected.push(teleport)
              discarded.push(r)
            }
            if (verdict.moved) counts.moves++
            for (const r of verdict.accept) accept(r)
          }
        } catch (error) {
          // The COPY holds the connection: given up first, so the rollback can run.
          await copy?.abort()
          throw error
        }
        const copied = copy ? await copy.end() : null

        // Vessels this batch may create, looked up before it writes (only when someone listens, and each vessel once per intake).
        let unknown: number[] = []
        if (options.onNewVessels) {
          const candidates = new Set<number>()
          for (const r of statics) if (!this.known.has(r.mmsi)) candidates.add(r.mmsi)
          for (const r of accepted) if (!this.known.has(r.mmsi)) candidates.add(r.mmsi)
          if (candidates.size > 0) {
            const stored = await store.knownVessels([...candidates])
            counts.found = [...stored]
            unknown = [...candidates].filter((mmsi) => !stored.has(mmsi))
          }
        }
        const changed = await store.mergeStatics(statics, options.origin, options.now)
        const changedStatics: StaticUpdate[] = []
        for (let i = 0; i < statics.length; i++) {
          if (!changed[i]) continue
          counts.statics++
          counts.updated.push(statics[i].mmsi)
          changedStatics.push(statics[i])
        }
        // Every IMO number, name and call sign a vessel has given (the identity check reads changes from them).
        await recordIdentities(this.db, changedStatics, options.now)
        const {stored, moved} =
          copy && copied !== null
            ? {stored: copied, moved: await copy.moveLatest(flagOf, options.origin, options.now)}
            : await store.storePositions(accepted, flagOf, options.origin, options.now)
        counts.stored = stored
        counts.duplicates = accepted.length - stored
        for (const mmsi of moved) counts.updated.push(mmsi)
        await store.replaceSuspects(track.takeChangedHolds())
        await store.keepDiscarded(discarded)
        if (unknown.length > 0) {
          // Created: given static data, or a position stored (a vessel whose every report was held back is not).
          const created = new Set<number>(statics.map((r) => r.mmsi))
          for (const mmsi of moved) created.add(mmsi)
          counts.created = unknown.filter((mmsi) => created.has(mmsi))
        }
      })
    } catch (error) {
      // The keeper read state the rollback undid.
      track.reset()
      throw error
    }
    const result = this.result
    this.committed++
    result.messages += batch.length
    result.positions_stored += counts.stored
    result.duplicates += counts.duplicates
    result.static_updates += counts.statics
    result.skipped += counts.skipped
    result.track_moves += counts.moves
    result.estimated_positions += counts.estimated
    if (counts.newest > 0 && (result.newest_observed_at === null || counts.newest > result.newest_observed_at)) result.newest_observed_at = counts.newest
    for (const reason of counts.rejected) {
      result.rejected++
      result.rejected_by_reason[reason] = (result.rejected_by_reason[reason] ?? 0) + 1
    }
    for (const mmsi of counts.updated) this.updated.add(mmsi)
    if (options.onNewVessels) {
      for (const mmsi of counts.created) this.known.add(mmsi)
      for (const mmsi of counts.found) this.known.add(mmsi)
      if (counts.created.length > 0) await options.onNewVessels(counts.created)
    }
    for (const row of counts.distress) {
      const seen = this.distress.get(row.mmsi)
      if (!seen || seen.observedAt < row.observedAt) this.distress.set(row.mmsi, row)
    }
  }

  /** The intake's result; `stopped` when it ended on a stop request rather than at the end of its input. */
  async finish(stopped = false): Promise<IngestResult> {
    return {
      ...this.result,
      stopped,
      vessels_updated: this.updated.size,
      positions_held: await this.store.heldTotal(),
      distress: [...this.distress.values()],
    }
  }
}

/**
 * Ingests messages as a source produces them (arrays of any length, e.g. decoded as a file streams by),
 * in transactions of `batchSize`. Between batches it yields to the event loop, so lease heartbeats,
 * timeouts, signals and the HTTP API stay live, and it stops when `signal` is aborted: committed batches
 * stay, nothing of a batch is ever half stored. Memory is bounded by one batch, whatever the input's size.
 */
export async function ingestMessages(
  db: AnyDb,
  source: AsyncIterable<AisMessage[]> | Iterable<AisMessage[]>,
  options: IngestOptions,
): Promise<IngestResult> {
  const batchSize = options.batchSize ?? 5000
  const ingest = new Ingest(db, options)
  const commit = async (batch: AisMessage[]): Promise<boolean> => {
    if (options.signal?.aborted) return false
    await ingest.add(batch)
    options.onBatch?.({positionsStored: ingest.positionsStored, messages: ingest.messages, batches: ingest.batches})
    await yieldToEventLoop()
    return true
  }
  let pending: AisMessage[] = []
  for await (const chunk of source) {
    if (options.signal?.aborted) return ingest.finish(true)
    let from = 0
    // Whole batches straight from the chunk; the remainder waits for the next chunk.
    if (pending.length > 0) {
      from = Math.min(chunk.length, batchSize - pending.length)
      pending = pending.concat(chunk.slice(0, from))
      if (pending.length < batchSize) continue
      if (!(await commit(pending))) return ingest.finish(true)
      pending = []
    }
    for (; chunk.length - from >= batchSize; from += batchSize) {
      if (!(await commit(from === 0 && chunk.length === batchSize ? chunk : chunk.slice(from, from + batchSize)))) return ingest.finish(true)
    }
    if (from < chunk.length) pending = chunk.slice(from)
  }
  if (pending.length > 0 && !(await commit(pending))) return ingest.finish(true)
  return ingest.finish(false)
}
