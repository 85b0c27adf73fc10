// Geofence entries: a watched vessel (a user's vessel watch) entering a storm or piracy zone while the zone
// is in force, or a box a user watches, is an episode from its entry report to its first report outside.
// One event per entry, keyed by where and when it began; leaving and coming back is a new entry.
import {DATA_SOURCES, type DataSource, type SafetyEvent, type SafetyZone, type Severity} from '../db/schema.js'
import {openEventsOfType} from '../db/events.js'
import {allWatches, type Watchlist} from '../db/users.js'
import {vesselByMmsi} from '../db/vessels.js'
import {zonesInForceDuring} from '../db/zones.js'
import {pointInGeometry, type ZoneGeometry} from '../geo/geometry.js'
import {worstSource} from '../provenance.js'
import type {BehaviourEnv, BehaviourEventDraft, Detector, DetectorResult, PositionWindow} from './types.js'

/**
 * Enough to see whether a vessel was inside when its fresh reports begin; an entry older than the window is
 * known from its open event, so a long stay inside needs no long look-back.
 */
const LOOKBACK_MS = 6 * 3_600_000

/** Something a vessel can be inside of: a zone in force, or a watched box. */
interface Fence {
  /** `zone-<id>` or `area-<id>`: part of the dedupe key. */
  ref: string
  kind: 'storm' | 'piracy' | 'area'
  minLon: number
  minLat: number
  maxLon: number
  maxLat: number
  /** Zones: inside and in force at the report's time. */
  holds(lon: number, lat: number, at: number): boolean
  /** Whether the fence was there at all at that time (a zone in force): otherwise leaving it is its end. */
  inForce(at: number): boolean
  zone: SafetyZone | null
  area: Watchlist | null
  severity: Severity
  /** The fence's own data source (a zone from shipped data never makes a notifying event). */
  source: DataSource | null
  name: string
}

interface Episode {
  fence: Fence
  enteredAt: number
  /** The entry report's row, or -1 when the entry lies before the window (known from its open event). */
  entryRow: number
  entryLat: number
  entryLon: number
  entrySource: DataSource
  exitRow: number
  exitReason: 'left' | 'zone_ended' | 'watch_removed' | null
}

const inLonRange = (minLon: number, maxLon: number, lon: number) => (minLon <= maxLon ? lon >= minLon && lon <= maxLon : lon >= minLon || lon <= maxLon)

function zoneFence(zone: SafetyZone): Fence {
  const geometry = zone.geometry as ZoneGeometry
  const inForce = (at: number) => (zone.validFrom === null || at >= zone.validFrom) && (zone.validTo === null || at < zone.validTo)
  return {
    ref: `zone-${zone.id}`,
    kind: zone.kind === 'piracy' ? 'piracy' : 'storm',
    minLon: zone.minLon,
    minLat: zone.minLat,
    maxLon: zone.maxLon,
    maxLat: zone.maxLat,
    inForce,
    holds: (lon, lat, at) => lat >= zone.minLat && lat <= zone.maxLat && lon >= zone.minLon && lon <= zone.maxLon && inForce(at) && pointInGeometry(geometry, lon, lat),
    zone,
    area: null,
    severity: zone.severity,
    source: zone.source,
    name: zone.name,
  }
}

function areaFence(watch: Watchlist): Fence {
  const [minLon, minLat, maxLon, maxLat] = [watch.minLon ?? 0, watch.minLat ?? 0, watch.maxLon ?? 0, watch.maxLat ?? 0]
  return {
    ref: `area-${watch.id}`,
    kind: 'area',
    // A box across the antimeridian (minLon > maxLon) spans every longitude for the quick test.
    minLon: minLon <= maxLon ? minLon : -180,
    minLat,
    maxLon: minLon <= maxLon ? maxLon : 180,
    maxLat,
    inForce: () => true,
    holds: (lon, lat) => lat >= minLat && lat <= maxLat && inLonRange(minLon, maxLon, lon),
    zone: null,
    area: watch,
    severity: 'low',
    source: null,
    name: `watched area ${minLon},${minLat},${maxLon},${maxLat}`,
  }
}

/** Watched boxes, one per distinct box (two users watching the same box share its entries), lowest watch id first. */
function distinctAreas(watches: Watchlist[]): Watchlist[] {
  const seen = new Map<string, Watchlist>()
  for (const w of watches) {
    if (w.kind !== 'area' || w.minLon === null || w.minLat === null || w.maxLon === null || w.maxLat === null) continue
    const key = `${w.minLon},${w.minLat},${w.maxLon},${w.maxLat}`
    const held = seen.get(key)
    if (!held || w.id < held.id) seen.set(key, w)
  }
  return [...seen.values()].sort((a, b) => a.id - b.id)
}

/** An open geofence event's vessel, fence and entry time, read back from its key. */
function parseKey(key: string): {mmsi: number; ref: string; enteredAt: number} | null {
  const m = /^geofence:(\d+):((?:zone|area)-\d+):(\d+)$/.exec(key)
  return m ? {mmsi: Number(m[1]), ref: m[2], enteredAt: Number(m[3])} : null
}

const iso = (ms: number) => new Date(ms).toISOString()
const sourceAt = (w: PositionWindow, i: number): DataSource => DATA_SOURCES[w.source[i]]

/**
 * One vessel's episodes inside one fence, from its rows [a, b) in time order. `openAt`: the entry time of
 * the vessel's open event for the fence, if any (from before the window, or at one of its look-back rows).
 * `starts`: whether new entries count (a vessel no longer watched only has its open episode ended).
 */
function episodesIn(w: PositionWindow, a: number, b: number, fence: Fence, openAt: number | undefined, starts: boolean): Episode[] {
  const episodes: Episode[] = []
  const entry = (i: number, enteredAt: number): Episode => ({fence, enteredAt, entryRow: i, entryLat: i < 0 ? Number.NaN : w.lat[i], entryLon: i < 0 ? Number.NaN : w.lon[i], entrySource: i < 0 ? 'live' : sourceAt(w, i), exitRow: -1, exitReason: null})
  let known = openAt
  let current: Episode | null = null
  if (known !== undefined && known < w.at[a]) {
    current = entry(-1, known)
    known = undefined
  }
  // Inside with no episode: inside before the window began (an earlier pass saw it, or the vessel was not
  // watched then), or since an entry in the look-back rows that was an earlier pass's to report.
  let untracked = false
  for (let i = a; i < b; i++) {
    const inside = fence.holds(w.lon[i], w.lat[i], w.at[i])
    if (current) {
      if (!inside) {
        current.exitRow = i
        current.exitReason = fence.inForce(w.at[i]) ? 'left' : 'zone_ended'
        episodes.push(current)
        current = null
      }
      continue
    }
    if (!inside) {
      untracked = false
      continue
    }
    if (known !== undefined && w.at[i] >= known) {
      // The open event's entry, found again in the look-back rows: its end may come in the fresh ones.
      current = entry(i, known)
      known = undefined
    } else if (!untracked && starts && w.fresh[i] === 1) {
      current = entry(i, w.at[i])
    } else {
      untracked = true
    }
  }
  if (current) episodes.push(current)
  return episodes
}

/** An open event's fence that is no longer there (its watch removed, its zone deleted). */
function goneFence(ref: string): Fence {
  return {
    ref,
    kind: ref.startsWith('zone-') ? 'storm' : 'area',
    minLon: 0,
    minLat: 0,
    maxLon: 0,
    maxLat: 0,
    holds: () => false,
    inForce: () => false,
    zone: null,
    area: null,
    severity: 'low',
    source: null,
    name: ref,
  }
}

export const geofence: Detector = {
  name: 'geofence',
  lookbackMs: LOOKBACK_MS,
  async detect(env: BehaviourEnv, w: PositionWindow): Promise<DetectorResult> {
    const {db} = env.ctx
    const [watches, openEvents] = await Promise.all([allWatches(db), openEventsOfType(db, 'geofence')])
    const watched = new Set(watches.filter((x) => x.kind === 'vessel' && x.mmsi !== null).map((x) => x.mmsi as number))
    // Open episodes by vessel and fence: their entry lies before the window, their end may lie in it.
    const open = new Map<number, Map<string, number>>()
    for (const e of openEvents) {
      const parsed = parseKey(e.dedupeKey)
      if (!parsed) continue
      const byFence = open.get(parsed.mmsi) ?? new Map<string, number>()
      byFence.set(parsed.ref, parsed.enteredAt)
      open.set(parsed.mmsi, byFence)
    }
    const vessels: number[] = []
    for (let v = 0; v < w.vessels; v++) if (watched.has(w.vesselMmsi[v]) || open.has(w.vesselMmsi[v])) vessels.push(v)
    if (vessels.length === 0 || w.length === 0) return {events: [], counts: {geofence_vessels: 0, geofence_entries: 0, geofence_exits: 0}}

    let oldestOpen = w.since
    for (const byFence of open.values()) for (const at of byFence.values()) oldestOpen = Math.min(oldestOpen, at)
    const zones = await zonesInForceDuring(db, ['storm', 'piracy'], oldestOpen, w.until)
    const fences = [...zones.map(zoneFence), ...distinctAreas(watches).map(areaFence)]
    const fenceByRef = new Map(fences.map((f) => [f.ref, f]))

    const episodes: Array<{mmsi: number; episode: Episode; newEntry: boolean}> = []
    for (const v of vessels) {
      const mmsi = w.vesselMmsi[v]
      const a = w.vesselStart[v]
      const b = w.vesselStart[v + 1]
      if (a === b) continue
      const starts = watched.has(mmsi)
      const openHere = open.get(mmsi) ?? new Map<string, number>()
      let minLat = Infinity
      let maxLat = -Infinity
      let minLon = Infinity
      let maxLon = -Infinity
      for (let i = a; i < b; i++) {
        minLat = Math.min(minLat, w.lat[i])
        maxLat = Math.max(maxLat, w.lat[i])
        minLon = Math.min(minLon, w.lon[i])
        maxLon = Math.max(maxLon, w.lon[i])
      }
      for (const fence of fences) {
        const openAt = openHere.get(fence.ref)
        if (!starts && openAt === undefined) continue
        const carried = openAt !== undefined && openAt < w.at[a]
        if (!carried && (maxLat < fence.minLat || minLat > fence.maxLat || maxLon < fence.minLon || minLon > fence.maxLon)) continue
        for (const episode of episodesIn(w, a, b, fence, openAt, starts)) {
          // Reported when something of it is new: its entry, or its end, read from fresh reports.
          const newEntry = episode.entryRow >= 0 && w.fresh[episode.entryRow] === 1
          const newEnd = episode.exitRow >= 0 && (w.fresh[episode.exitRow] === 1 || episode.entryRow < 0)
          if (newEntry || newEnd) episodes.push({mmsi, episode, newEntry})
        }
      }
      // Open entries whose fence is gone end at the vessel's first fresh report.
      for (const [ref, enteredAt] of openHere) {
        if (fenceByRef.has(ref)) continue
        let first = a
        while (first < b && w.fresh[first] === 0) first++
        if (first === b) continue
        episodes.push({mmsi, newEntry: false, episode: {fence: goneFence(ref), enteredAt, entryRow: -1, entryLat: Number.NaN, entryLon: Number.NaN, entrySource: 'live', exitRow: first, exitReason: ref.startsWith('zone-') ? 'zone_ended' : 'watch_removed'}})
      }
    }

    const names = new Map<number, string>()
    for (const mmsi of new Set(episodes.map((e) => e.mmsi))) names.set(mmsi, (await vesselByMmsi(db, mmsi))?.name?.trim() || `MMSI ${mmsi}`)
    const openByKey = new Map(openEvents.map((e) => [e.dedupeKey, e]))
    // An episode whose entry this window did not read fresh is news only of an event already stored.
    const events = episodes.map(({mmsi, episode, newEntry}) => ({...draftOf(w, mmsi, names.get(mmsi) as string, episode, openByKey), ...(newEntry ? {} : {onlyIfKnown: true})}))
    return {events, counts: {geofence_vessels: vessels.length, geofence_entries: episodes.filter((e) => e.newEntry).length, geofence_exits: events.filter((e) => e.endedAt !== null).length}}
  },
}

type StoredEpisode = Pick<SafetyEvent, 'lat' | 'lon' | 'source' | 'zoneId' | 'metadata'>

function draftOf(w: PositionWindow, mmsi: number, name: string, e: Episode, openByKey: Map<string, StoredEpisode>): BehaviourEventDraft {
  const {fence} = e
  const dedupeKey = `geofence:${mmsi}:${fence.ref}:${e.enteredAt}`
  // An episode already stored keeps the entry position and source its event was stored with.
  const stored = openByKey.get(dedupeKey)
  const lat = stored?.lat ?? (e.entryRow >= 0 ? e.entryLat : w.lat[e.exitRow])
  const lon = stored?.lon ?? (e.entryRow >= 0 ? e.entryLon : w.lon[e.exitRow])
  const entrySource = stored?.source ?? e.entrySource
  const exitedAt = e.exitRow >= 0 ? w.at[e.exitRow] : null
  const gone = fence.zone === null && fence.area === null
  // A fence that is gone is described by what its event stored.
  const where = gone
    ? {}
    : {
        fence: fence.kind === 'area' ? 'area' : 'zone',
        kind: fence.kind,
        zone_id: fence.zone?.id ?? null,
        zone_external_id: fence.zone?.externalId ?? null,
        zone: fence.zone?.name ?? null,
        area_id: fence.area?.id ?? null,
        area: fence.area ? [fence.area.minLon, fence.area.minLat, fence.area.maxLon, fence.area.maxLat] : null,
      }
  const what = fence.kind === 'area' ? fence.name : `${fence.name} (${fence.kind} zone)`
  return {
    type: 'geofence',
    mmsi,
    dedupeKey,
    severity: fence.severity,
    title: `${name} entered ${what} at ${iso(e.enteredAt)}`,
    lat,
    lon,
    zoneId: fence.zone?.id ?? stored?.zoneId ?? null,
    source: worstSource([entrySource, ...(fence.source ? [fence.source] : [])]),
    startedAt: e.enteredAt,
    endedAt: exitedAt,
    metadata: {
      ...(stored?.metadata ?? {}),
      ...where,
      entered_at: iso(e.enteredAt),
      exited_at: exitedAt === null ? null : iso(exitedAt),
      exit_reason: e.exitReason,
      duration_hours: exitedAt === null ? null : Math.round(((exitedAt - e.enteredAt) / 3_600_000) * 10) / 10,
      position: {lat, lon},
      ...(e.exitRow >= 0 ? {exit_position: {lat: w.lat[e.exitRow], lon: w.lon[e.exitRow]}} : {}),
    },
  }
}
