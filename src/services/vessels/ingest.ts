// Vessel intake: decoded AIS messages validated per the AIS rules (positions that are positions, ship
// MMSIs and distress transmitters, the track rule, no future times), stored in batched transactions,
// static data merged.
import type {AisMessage} from '../ais/payload.js'
import {type Db, writeTransaction} from '../db/client.js'
import type {DataSource, Origin} from '../db/schema.js'
import {type PositionRow, vesselStore} from '../db/vessel-store.js'
import {flagOf, midOf} from '../datasets/mid.js'
import {distressDevice} from '../safety/distress.js'
import {impossibleFix, isEstimatedFix, MAX_PLAUSIBLE_KNOTS, TrackKeeper} from './track.js'

const FUTURE_TOLERANCE_MS = 5 * 60_000

const POSITION_TYPES = new Set([1, 2, 3, 18, 19, 27])
const STATIC_TYPES = new Set([5, 19, 24])

export interface IngestOptions {
  source: DataSource
  /** `fallback` for rows made from shipped data (ensure-fallback-data --force recreates those). */
  origin: Origin
  now: number
  /** When the report was observed; tag-block time or receive time where the source has one. */
  observedAtOf(message: AisMessage): number
  batchSize?: number
  /** Checked between batches: a stop request finishes the current batch and stops. */
  shouldStop?: () => boolean
  /** Called after each committed batch with the positions stored so far. */
  onBatch?: (positionsStored: number) => void
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

/** Ship stations (MID 201-775) and the distress transmitters that must never be discarded. */
function trackedMmsi(mmsi: number): boolean {
  const mid = midOf(mmsi)
  return (mid !== null && mid >= 201 && mid <= 775) || distressDevice(mmsi) !== null
}

export function ingestMessages(db: Db, messages: AisMessage[], options: IngestOptions): IngestResult {
  const store = vesselStore(db)
  const batchSize = options.batchSize ?? 5000
  const result: IngestResult = {
    messages: messages.length,
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
  const updated = new Set<number>()
  const distress = new Map<number, PositionRow>()
  const reject = (reason: string, n = 1) => {
    result.rejected += n
    result.rejected_by_reason[reason] = (result.rejected_by_reason[reason] ?? 0) + n
  }
  const track = new TrackKeeper(store)
  const teleport = `jump implying over ${MAX_PLAUSIBLE_KNOTS} kn`

  for (let from = 0; from < messages.length; from += batchSize) {
    if (options.shouldStop?.()) {
      result.stopped = true
      break
    }
    const batch = messages.slice(from, from + batchSize)
    // Counted per batch and added only after its commit, so a rolled-back batch counts nothing.
    const counts = {stored: 0, duplicates: 0, statics: 0, rejected: [] as string[], skipped: 0, updated: [] as number[], moves: 0, estimated: 0, newest: 0, distress: [] as PositionRow[]}
    const accept = (row: PositionRow) => {
      if (counts.newest < row.observedAt) counts.newest = row.observedAt
      if (distressDevice(row.mmsi) !== null) counts.distress.push(row)
      if (!store.insertPosition(row)) {
        counts.duplicates++
        return
      }
      counts.stored++
      if (store.upsertLatest(row, flagOf(row.mmsi), options.origin, options.now)) counts.updated.push(row.mmsi)
    }
    try {
      writeTransaction(db, () => {
        for (const m of batch) {
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
            const changed = store.mergeStatic(
              {
                mmsi: m.mmsi,
                imo: m.imo ?? null,
                name: m.shipname ?? null,
                callsign: m.callsign ?? null,
                shipType: m.shiptype ?? null,
                lengthM: length,
                beamM: beam,
                draughtM: m.draught ?? null,
                destination: m.destination ?? null,
              },
              flagOf(m.mmsi),
              options.origin,
              options.now,
            )
            if (changed) {
              counts.statics++
              counts.updated.push(m.mmsi)
            }
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
          for (let k = 0; k < verdict.discarded; k++) counts.rejected.push(teleport)
          if (verdict.moved) counts.moves++
          for (const r of verdict.accept) accept(r)
        }
        for (const [mmsi, held] of track.takeChangedHolds()) store.replaceSuspects(mmsi, held)
      })
    } catch (error) {
      // The keeper read state the rollback undid.
      track.reset()
      throw error
    }
    result.positions_stored += counts.stored
    result.duplicates += counts.duplicates
    result.static_updates += counts.statics
    result.skipped += counts.skipped
    result.track_moves += counts.moves
    result.estimated_positions += counts.estimated
    if (counts.newest > 0 && (result.newest_observed_at === null || counts.newest > result.newest_observed_at)) result.newest_observed_at = counts.newest
    for (const reason of counts.rejected) reject(reason)
    for (const mmsi of counts.updated) updated.add(mmsi)
    for (const row of counts.distress) {
      const seen = distress.get(row.mmsi)
      if (!seen || seen.observedAt < row.observedAt) distress.set(row.mmsi, row)
    }
    options.onBatch?.(result.positions_stored)
  }
  result.vessels_updated = updated.size
  result.positions_held = store.heldTotal()
  result.distress = [...distress.values()]
  return result
}
