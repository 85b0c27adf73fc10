// Which NWS events are marine hazards, their order of severity, and a storm zone's severity from the event
// combined with the severity and certainty NWS gives the alert (the README documents this table).
import type {Severity} from '../db/schema.js'

/**
 * Marine events, most severe first. The event sets the level; within a level the order breaks ties
 * (stored as `event_rank`, 1 = most severe). Watches sit one level above where their usual certainty
 * ("Possible") puts them, so a Hurricane Watch lands at medium and a Storm Watch at low.
 */
export const MARINE_EVENT_ORDER: ReadonlyArray<readonly [event: string, level: Severity]> = [
  ['Hurricane Force Wind Warning', 'critical'],
  ['Hurricane Warning', 'critical'],
  ['Typhoon Warning', 'critical'],
  ['Tsunami Warning', 'critical'],
  ['Storm Warning', 'high'],
  ['Tropical Storm Warning', 'high'],
  ['Special Marine Warning', 'high'],
  ['Hazardous Seas Warning', 'high'],
  ['Storm Surge Warning', 'high'],
  ['Hurricane Force Wind Watch', 'high'],
  ['Hurricane Watch', 'high'],
  ['Typhoon Watch', 'high'],
  ['Tsunami Watch', 'high'],
  ['Gale Warning', 'medium'],
  ['Heavy Freezing Spray Warning', 'medium'],
  ['High Surf Warning', 'medium'],
  ['Storm Watch', 'medium'],
  ['Tropical Storm Watch', 'medium'],
  ['Storm Surge Watch', 'medium'],
  ['Tsunami Advisory', 'medium'],
  ['Gale Watch', 'low'],
  ['Hazardous Seas Watch', 'low'],
  ['Heavy Freezing Spray Watch', 'low'],
  ['Small Craft Advisory', 'low'],
  ['Freezing Spray Advisory', 'low'],
  ['Brisk Wind Advisory', 'low'],
  ['Dense Fog Advisory', 'low'],
  ['Marine Weather Statement', 'low'],
]

const LEVELS: Severity[] = ['low', 'medium', 'high', 'critical']
const byName = new Map(MARINE_EVENT_ORDER.map(([event, level], i) => [event.toLowerCase(), {event, level, rank: i + 1}]))

/** The event as the table spells it (NWS feeds also send lower-case names), or null when it is not marine. */
export function marineEvent(event: string): {event: string; level: Severity; rank: number} | null {
  return byName.get(event.trim().toLowerCase()) ?? null
}

export function isMarineEvent(event: string): boolean {
  return marineEvent(event) !== null
}

/** Warnings are the alerts a vessel must not miss: one left without an outline is reported, not just counted. */
export function isWarning(event: string): boolean {
  return / warning$/i.test(event.trim())
}

/**
 * The event's level, raised one step when NWS calls the alert Extreme, lowered one step when NWS calls it
 * Minor or its certainty is Possible or Unlikely; the net change is at most one step either way, so the
 * event stays the main signal.
 */
export function stormSeverity(event: string, nwsSeverity?: string | null, certainty?: string | null): Severity {
  const base = marineEvent(event)?.level ?? 'low'
  let change = 0
  const severity = (nwsSeverity ?? '').toLowerCase()
  if (severity === 'extreme') change++
  if (severity === 'minor') change--
  if (['possible', 'unlikely'].includes((certainty ?? '').toLowerCase())) change--
  change = Math.max(-1, Math.min(1, change))
  return LEVELS[Math.max(0, Math.min(LEVELS.length - 1, LEVELS.indexOf(base) + change))]
}
