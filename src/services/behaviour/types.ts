// The behaviour pass's contract: the window of positions every detector reads (columns, one vessel's rows
// together in time order), what a detector may consult besides, and what it gives back for the pass to store.
import type {Context} from '../context.js'
import type {BehaviourEventType, DataSource, Severity} from '../db/schema.js'
import type {AnyDb} from '../db/transaction.js'
import type {LandOutline} from '../geo/land.js'
import type {PortAreas} from '../ports/port-areas.js'

/** `nav` and `second` when the report has none. */
export const NOT_AVAILABLE = 255

/**
 * Positions as columns, no object per report. Vessel v's rows are [vesselStart[v], vesselStart[v + 1]),
 * oldest first; vessels are in ascending MMSI order. Held-back reports (the track rule's suspects) are not in it.
 */
export interface PositionWindow {
  /** Rows. */
  length: number
  /** Epoch ms. */
  at: Float64Array
  lat: Float64Array
  lon: Float64Array
  /** Knots; NaN when not available. */
  sog: Float32Array
  /** Navigational status 0-15; NOT_AVAILABLE when none. */
  nav: Uint8Array
  /** AIS time stamp second 0-63 (62 dead reckoning, 63 positioning inoperative: not fixes); NOT_AVAILABLE when none. */
  second: Uint8Array
  /** Index into DATA_SOURCES of the report's source. */
  source: Uint8Array
  /** 1: stored after the watermark (not analysed before); 0: read only to look back. */
  fresh: Uint8Array
  vessels: number
  vesselMmsi: Float64Array
  /** vessels + 1 entries. */
  vesselStart: Int32Array
  /** The oldest and newest report time in the window (epoch ms); since > until when empty. */
  since: number
  until: number
}

/** What detectors consult besides the positions. */
export interface BehaviourEnv {
  ctx: Context
  /** The pass's clock (the context's): an episode still going on at `now` is open. */
  now: number
  /** Port areas: each port's WPI position (berths) and its anchorage cells. */
  areas: PortAreas
  /** Natural Earth land (world-atlas): distance to shore. */
  land: LandOutline
}

/** One event a detector found; stored as a safety event of its type, once per dedupe key. */
export interface BehaviourEventDraft {
  type: BehaviourEventType
  /** The vessel (an encounter: the lower MMSI; the other is in metadata.other_mmsi). */
  mmsi: number
  /**
   * The same episode found again has the same key, whatever window found it: `<type>:<mmsi>:<start ms>`
   * (an encounter: `encounter:<lower mmsi>:<higher mmsi>:<start ms>`).
   */
  dedupeKey: string
  severity: Severity
  title: string
  lat: number
  lon: number
  portId?: number | null
  zoneId?: number | null
  /** The least trustworthy source of the reports the event was read from (emergency data never notifies). */
  source: DataSource
  /** When the episode began (the event's observed time). */
  startedAt: number
  /** When it ended; null while it goes on (the event stays open, and a later pass ends it). */
  endedAt: number | null
  /** snake_case keys, ISO 8601 UTC times. */
  metadata: Record<string, unknown>
  /**
   * Store only as news of an episode already stored (its open event is updated, and ended when endedAt is
   * set), never as a new event: the episode no longer meets the detector's rule on what this window holds,
   * but an earlier pass found that it did.
   */
  onlyIfKnown?: boolean
}

export interface DetectorResult {
  events: BehaviourEventDraft[]
  /** The detector's own state (port calls), written in the pass's one write transaction with the events and the watermark. */
  commit?: (db: AnyDb) => Promise<void>
  /** Counters for the pass's summary (snake_case). */
  counts?: Record<string, number>
}

export interface Detector {
  name: string
  /** How far before a vessel's oldest fresh report the window must reach for this detector. */
  lookbackMs: number
  detect(env: BehaviourEnv, window: PositionWindow): Promise<DetectorResult>
}
