// What every AIS source hands the vessels job: decoded messages, how they were read, and when observed.
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
export function countRejection(stats: DecoderStats, reason: string): void {
  stats.rejected++
  stats.rejectedByReason[reason] = (stats.rejectedByReason[reason] ?? 0) + 1
}
