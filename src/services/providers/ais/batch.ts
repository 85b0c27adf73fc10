// What every AIS source hands the vessels job: decoded messages (all at once, or as a stream of batches
// for sources too large to hold), how they were read, and when each was observed.
import type {Rejection} from '../../ais/payload.js'
import type {DecoderStats} from '../../ais/nmea.js'
import type {AisMessage} from '../../ais/payload.js'
import type {DataSource} from '../../db/schema.js'

export interface AisBatch {
  /** The source's name as configured: sample, nmea-file, nmea-tcp, nmea-udp, aisstream, aishub. */
  provider: string
  source: DataSource
  messages: AisMessage[]
  decode: DecoderStats
  /** When the batch's reports were observed (the newest). */
  observedAt: number
  observedAtOf(message: AisMessage): number
}

/**
 * A source the vessels job ingests as it reads: batches in reading order (read once). Sources that hold
 * their messages (a window of a feed, one web-service reply) give one batch; a capture file streams.
 */
export interface AisFeed {
  provider: string
  source: DataSource
  batches: AsyncIterable<AisMessage[]> | Iterable<AisMessage[]>
  /** Decode counts; complete once `batches` has been read to its end. */
  decode: DecoderStats
  observedAtOf(message: AisMessage): number
}

export function feedOf(batch: AisBatch): AisFeed {
  return {provider: batch.provider, source: batch.source, batches: [batch.messages], decode: batch.decode, observedAtOf: batch.observedAtOf}
}

export function emptyStats(): DecoderStats {
  return {lines: 0, messages: 0, rejected: 0, ignored: 0, rejectedByReason: {}}
}

/** A batch of live messages, each stamped with its own time (a tag block's, or when it was received). */
export function liveBatch(provider: string, messages: AisMessage[], decode: DecoderStats, fallbackTime: number): AisBatch {
  const observedAtOf = (m: AisMessage) => m.received_at ?? fallbackTime
  let observedAt = 0
  for (const m of messages) observedAt = Math.max(observedAt, observedAtOf(m))
  return {provider, source: 'live', messages, decode, observedAt: observedAt || fallbackTime, observedAtOf}
}

/** Counts one rejection the way the decoder does, for sources that validate JSON instead of NMEA. */
export function countRejection(stats: DecoderStats, rejection: Rejection): void {
  stats.rejected++
  stats.rejectedByReason[rejection.kind] = (stats.rejectedByReason[rejection.kind] ?? 0) + 1
}
