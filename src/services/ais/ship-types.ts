// AIS ship and cargo type codes (ITU-R M.1371, message 5 and 24B) in words, and which of them are merchant
// ships: passenger, cargo and tanker (60-89), the ships that queue for berths.

const SPECIAL: Record<number, string> = {
  30: 'fishing',
  31: 'towing',
  32: 'towing, large',
  33: 'dredging or underwater operations',
  34: 'diving operations',
  35: 'military operations',
  36: 'sailing',
  37: 'pleasure craft',
  50: 'pilot vessel',
  51: 'search and rescue vessel',
  52: 'tug',
  53: 'port tender',
  54: 'anti-pollution equipment',
  55: 'law enforcement',
  58: 'medical transport',
  59: 'noncombatant ship',
}

const DECADES: Record<number, string> = {2: 'wing in ground', 4: 'high-speed craft', 6: 'passenger', 7: 'cargo', 8: 'tanker', 9: 'other type'}

/** The type in words; null when not available (0 or missing). */
export function shipTypeText(code: number | null | undefined): string | null {
  if (code === null || code === undefined || code === 0) return null
  if (SPECIAL[code]) return SPECIAL[code]
  const decade = DECADES[Math.floor(code / 10)]
  if (decade) return decade
  return `reserved (${code})`
}

export type ShipClass = 'merchant' | 'other' | 'unknown'

/**
 * Whether a ship counts in a port's queue: passenger, cargo and tankers (60-89) are the merchant ships a
 * queue is made of; tugs, pilots, fishing, pleasure craft, SAR and the rest are not; 0, reserved codes
 * (1-19, over 99) and no static data yet are unknown.
 */
export function shipClass(code: number | null | undefined): ShipClass {
  if (code === null || code === undefined || code < 20 || code > 99) return 'unknown'
  return code >= 60 && code <= 89 ? 'merchant' : 'other'
}

/**
 * The classes operators filter vessels by (`vessels list --type`), each a set of ship type codes; `unknown`
 * holds whatever no class claims: no static data yet, 0 (not available) and the reserved codes.
 */
export const SHIP_TYPE_CLASSES = [
  'cargo',
  'tanker',
  'passenger',
  'high-speed',
  'fishing',
  'tug',
  'pilot',
  'search-and-rescue',
  'law-enforcement',
  'military',
  'pleasure',
  'service',
  'wing-in-ground',
  'other',
  'unknown',
] as const
export type ShipTypeClass = (typeof SHIP_TYPE_CLASSES)[number]

/** Inclusive ranges of codes per class (towing counts with tugs; sailing with pleasure craft). */
export const SHIP_TYPE_CODES: Readonly<Record<Exclude<ShipTypeClass, 'unknown'>, ReadonlyArray<readonly [number, number]>>> = {
  cargo: [[70, 79]],
  tanker: [[80, 89]],
  passenger: [[60, 69]],
  'high-speed': [[40, 49]],
  fishing: [[30, 30]],
  tug: [
    [31, 32],
    [52, 52],
  ],
  pilot: [[50, 50]],
  'search-and-rescue': [[51, 51]],
  'law-enforcement': [[55, 55]],
  military: [[35, 35]],
  pleasure: [[36, 37]],
  service: [
    [33, 34],
    [53, 54],
    [58, 59],
  ],
  'wing-in-ground': [[20, 29]],
  other: [[90, 99]],
}

/** The class of a ship type code. */
export function shipTypeClass(code: number | null | undefined): ShipTypeClass {
  if (code === null || code === undefined) return 'unknown'
  for (const [name, ranges] of Object.entries(SHIP_TYPE_CODES)) {
    if (ranges.some(([lo, hi]) => code >= lo && code <= hi)) return name as ShipTypeClass
  }
  return 'unknown'
}
