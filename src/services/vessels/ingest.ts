// Vessel intake: decoded AIS messages validated per the AIS rules (positions that are positions, ship
// MMSIs, no > 50 kn jumps, no future times), stored in batched transactions, static data merged.
import type {AisMessage} from '../ais/payload.js'
import {type Db, writeTransaction} from '../db/client.js'
import type {DataSource, Origin} from '../db/schema.js'
import {type PositionRow, vesselStore} from '../db/vessel-store.js'
import {flagOf, midOf} from '../datasets/mid.js'
import {haversineKm} from '../geo/geometry.js'

/** A report implying more than this between two positions is a jump, not a voyage. */
export const MAX_PLAUSIBLE_KNOTS = 50
/** Below this distance GPS jitter can imply any speed over a few seconds; never call it a jump. */
const JITTER_KM = 0.5
const FUTURE_TOLERANCE_MS = 5 * 60_000
const KM_PER_NM = 1.852

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
  stopped: boolean
}

function shipMmsi(mmsi: number): boolean {
  const mid = midOf(mmsi)
  return mid !== null && mid >= 201 && mid <= 775
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
    stopped: false,
  }
  const updated = new Set<number>()
  const reject = (reason: string) => {
    result.rejected++
    result.rejected_by_reason[reason] = (result.rejected_by_reason[reason] ?? 0) + 1
  }

  for (let from = 0; from < messages.length; from += batchSize) {
    if (options.shouldStop?.()) {
      result.stopped = true
      break
    }
    const batch = messages.slice(from, from + batchSize)
    // Counted per batch and added only after its commit, so a rolled-back batch counts nothing.
    const counts = {stored: 0, duplicates: 0, statics: 0, rejected: [] as string[], skipped: 0, updated: [] as number[]}
    writeTransaction(db, () => {
      const latest = new Map<number, {positionAt: number; lat: number; lon: number} | null>()
      for (const m of batch) {
        const isPosition = POSITION_TYPES.has(m.msg_type)
        const isStatic = STATIC_TYPES.has(m.msg_type)
        if (!isPosition && !isStatic) {
          counts.skipped++
          continue
        }
        if (!shipMmsi(m.mmsi)) {
          counts.rejected.push('not a ship MMSI')
          continue
        }
        const flag = flagOf(m.mmsi)
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
            flag,
            options.origin,
            options.now,
          )
          if (changed) {
            counts.statics++
            counts.updated.push(m.mmsi)
          }
          if (!isPosition) continue
        }

        if (m.lat == null || m.lon == null) {
          counts.rejected.push('position not available')
          continue
        }
        if (Math.abs(m.lat) > 90 || Math.abs(m.lon) > 180) {
          counts.rejected.push('position out of range')
          continue
        }
        const observedAt = options.observedAtOf(m)
        if (observedAt > options.now + FUTURE_TOLERANCE_MS) {
          counts.rejected.push('timestamp in the future')
          continue
        }
        let previous = latest.get(m.mmsi)
        if (previous === undefined) {
          previous = store.latestOf(m.mmsi) ?? null
          latest.set(m.mmsi, previous)
        }
        if (previous && observedAt > previous.positionAt) {
          const km = haversineKm(previous.lat, previous.lon, m.lat, m.lon)
          const hours = (observedAt - previous.positionAt) / 3_600_000
          if (km > JITTER_KM && km / KM_PER_NM / hours > MAX_PLAUSIBLE_KNOTS) {
            counts.rejected.push(`jump implying over ${MAX_PLAUSIBLE_KNOTS} kn`)
            continue
          }
        }
        const row: PositionRow = {
          mmsi: m.mmsi,
          observedAt,
          lat: m.lat,
          lon: m.lon,
          sog: m.sog ?? null,
          cog: m.cog ?? null,
          heading: m.heading ?? null,
          navStatus: m.nav_status ?? null,
          source: options.source,
          receivedAt: options.now,
        }
        if (!store.insertPosition(row)) {
          counts.duplicates++
          continue
        }
        counts.stored++
        if (store.upsertLatest(row, flag, options.origin, options.now)) {
          counts.updated.push(m.mmsi)
          latest.set(m.mmsi, {positionAt: observedAt, lat: m.lat, lon: m.lon})
        }
      }
    })
    result.positions_stored += counts.stored
    result.duplicates += counts.duplicates
    result.static_updates += counts.statics
    result.skipped += counts.skipped
    for (const reason of counts.rejected) reject(reason)
    for (const mmsi of counts.updated) updated.add(mmsi)
    options.onBatch?.(result.positions_stored)
  }
  result.vessels_updated = updated.size
  return result
}
