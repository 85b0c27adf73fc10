// The report's colours and marker sizes, one list for the map, its legend and the page's tables: each level,
// zone kind and event type has a word beside its colour wherever it is shown, so colour is never the only signal.
import type {CongestionLevel, EventType, ZoneKind} from '../db/schema.js'

export const SEA = '#d6e6f4'
export const LAND = '#efe9dc'
export const COASTLINE = '#a39a86'
export const GRATICULE = '#c3d5e6'

/** Ports, drawn from the least to the most congested: a worse level is larger, ringed, and drawn on top. */
export const PORT_STYLES: ReadonlyArray<{level: CongestionLevel; word: string; fill: string; radius: number; ring: string | null}> = [
  {level: 'no_data', word: 'no data', fill: '#9e9e9e', radius: 1.4, ring: null},
  {level: 'insufficient_history', word: 'insufficient history', fill: '#74a9cf', radius: 2.2, ring: null},
  {level: 'normal', word: 'normal', fill: '#1a9850', radius: 2.8, ring: null},
  {level: 'elevated', word: 'elevated', fill: '#fee08b', radius: 4.5, ring: '#5c4a00'},
  {level: 'high', word: 'high', fill: '#fc8d59', radius: 5.5, ring: '#5c2a00'},
  {level: 'severe', word: 'severe', fill: '#d73027', radius: 7, ring: '#3d0000'},
]

/** Zones are filled see-through (what lies under them stays visible) and outlined in their full colour. */
export const ZONE_FILL_OPACITY = 0.4
export const ZONE_STYLES: Readonly<Record<ZoneKind, {word: string; colour: string}>> = {
  storm: {word: 'storm', colour: '#6a3d9a'},
  piracy: {word: 'piracy risk', colour: '#c51b7d'},
  congestion: {word: 'congestion', colour: '#b35806'},
}

/** Events are diamonds (ports are round), outlined in black. */
export const EVENT_STYLES: Readonly<Record<EventType, {word: string; colour: string}>> = {
  storm: {word: 'storm', colour: '#6a3d9a'},
  piracy: {word: 'piracy', colour: '#c51b7d'},
  congestion: {word: 'congestion', colour: '#b35806'},
  distress: {word: 'distress', colour: '#e31a1c'},
  ais_gap: {word: 'AIS gap', colour: '#1f78b4'},
  loitering: {word: 'loitering', colour: '#33a02c'},
  encounter: {word: 'encounter', colour: '#ff7f00'},
  identity: {word: 'identity', colour: '#4d4d4d'},
  geofence: {word: 'geofence entry', colour: '#01665e'},
}

export function portStyle(level: CongestionLevel) {
  return PORT_STYLES.find((s) => s.level === level) ?? PORT_STYLES[0]
}

/** `#rrggbb` as [r, g, b]. */
export function rgbOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}
