// Which World Port Index port each of Global Fishing Watch's named anchorage cells belongs to: by name and
// country first (GFW writes `PANAMA CITY` where WPI says Balboa, `SINGAPORE` where WPI lists Keppel), then
// the nearest port within reach; what neither places is reported, never guessed.
import KDBush from 'kdbush'
import * as geokdbush from 'geokdbush'

import type {ShippedAnchorage} from '../datasets/anchorages.js'
import {haversineKm} from '../geo/geometry.js'

export interface MatchablePort {
  id: number
  name: string
  alternateNames: string[]
  iso3: string | null
  lat: number
  lon: number
}

export type MatchMethod = 'name' | 'proximity'

export interface CellAssignment {
  cell: string
  lat: number
  lon: number
  portId: number
  label: string
  sublabel: string | null
  method: MatchMethod
}

export interface UnmatchedLabel {
  label: string
  iso3: string | null
  cells: number
  /** One of its cells, to find it on a chart. */
  lat: number
  lon: number
}

export interface NamedAnchorageMatch {
  assigned: CellAssignment[]
  unmatched: UnmatchedLabel[]
  byName: number
  byProximity: number
  unmatchedCells: number
}

export interface MatchOptions {
  /** A cell no name places goes to the nearest port this close (the same reach learned cells get). */
  proximityKm: number
  /** A name match farther than this from the port is not believed (Rotterdam's North Sea anchorages lie 60 km out, Hamburg's in the German Bight 130 km). */
  maxNamedKm: number
}

/** Words too common in port names to identify one. */
const COMMON_WORDS = new Set([
  'PORT', 'PORTO', 'PUERTO', 'PORTE', 'HARBOR', 'HARBOUR', 'HAVEN', 'HAVN', 'HAFEN', 'ANCHORAGE', 'OFFSHORE', 'TERMINAL', 'BAY',
  'THE', 'OF', 'DE', 'DEL', 'DA', 'DO', 'DOS', 'LA', 'LE', 'LES', 'EL', 'AL', 'SAN', 'SANTA', 'SAO', 'ST', 'SAINT', 'NEW', 'NORTH', 'SOUTH', 'EAST', 'WEST',
  'CITY', 'ISLAND', 'ISLA', 'ILHA', 'PULAU', 'POINT', 'PUNTA', 'CAPE', 'CABO', 'RIVER', 'RIO', 'OIL', 'LNG',
])

/** Upper case, no accents, words separated by single spaces (GFW writes `ROTTERDAM ` and `HONG KONG`). */
export function normalizeName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
}

const significant = (normalized: string) => normalized.split(' ').filter((w) => w.length > 1 && !COMMON_WORDS.has(w))

/** GFW's placeholder labels for anchorages with no port name (`NLD-318`): their sublabel names the place. */
const PLACEHOLDER = /^[A-Z]{3}-\d+$/

/** Global Fishing Watch files Hong Kong and Macau under China; WPI lists them as countries of their own. */
const COUNTRIES_ALSO: Record<string, string[]> = {CHN: ['HKG', 'MAC']}

interface NameKey {
  port: MatchablePort
  full: string
  compact: string
  words: string[]
}

const keyOf = (full: string) => ({full, compact: full.replaceAll(' ', ''), words: significant(full)})

/** Transliterations differ by a letter (FUJAIRAH, Fujayrah): long words one edit apart are the same word. */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true
  if (a.length < 6 || b.length < 6 || Math.abs(a.length - b.length) > 1) return false
  let i = 0
  let j = 0
  let edits = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++
      j++
      continue
    }
    if (++edits > 1) return false
    if (a.length > b.length) i++
    else if (b.length > a.length) j++
    else {
      i++
      j++
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1
}

function within(inner: string[], outer: string[]): boolean {
  for (const w of inner) {
    let found = false
    for (const o of outer) {
      if (o.charCodeAt(0) === w.charCodeAt(0) && sameWord(w, o)) {
        found = true
        break
      }
    }
    if (!found) return false
  }
  return true
}

/** How well a label names a port: 2 the same name (spaces aside: HONGKONG), 1 one name's distinctive words all within the other's, 0 no match. */
function nameScore(label: Omit<NameKey, 'port'>, key: NameKey): number {
  if (label.full === key.full || label.compact === key.compact) return 2
  if (label.words.length === 0 || key.words.length === 0) return 0
  return within(label.words, key.words) || within(key.words, label.words) ? 1 : 0
}

/** One country's port names, indexed so a label is compared only with names it shares a word with. */
class CountryNames {
  private readonly exact = new Map<string, NameKey[]>()
  private readonly byWord = new Map<string, NameKey[]>()

  add(key: NameKey): void {
    for (const k of new Set([key.full, key.compact])) push(this.exact, k, key)
    for (const w of new Set(key.words)) push(this.byWord, w, key)
  }

  /** Names that could match: the same name, or one sharing a (nearly) same distinctive word. */
  candidates(label: Omit<NameKey, 'port'>): Set<NameKey> {
    const out = new Set<NameKey>([...(this.exact.get(label.full) ?? []), ...(this.exact.get(label.compact) ?? [])])
    for (const w of label.words) {
      for (const [word, keys] of this.byWord) {
        if (word.charCodeAt(0) === w.charCodeAt(0) && sameWord(w, word)) for (const k of keys) out.add(k)
      }
    }
    return out
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

export function matchNamedAnchorages(anchorages: ShippedAnchorage[], ports: MatchablePort[], options: MatchOptions): NamedAnchorageMatch {
  const namesByCountry = new Map<string, CountryNames>()
  for (const port of ports) {
    if (!port.iso3) continue
    let names = namesByCountry.get(port.iso3)
    if (!names) namesByCountry.set(port.iso3, (names = new CountryNames()))
    for (const name of [port.name, ...port.alternateNames]) {
      const full = normalizeName(name)
      if (full) names.add({port, ...keyOf(full)})
    }
  }

  // The ports each (country, name) designates, best score only; memoised, since labels repeat.
  const named = new Map<string, MatchablePort[]>()
  const portsNamed = (iso3: string | null, name: string | null): MatchablePort[] => {
    if (!iso3 || !name) return []
    const normalized = normalizeName(name)
    const memo = `${iso3}|${normalized}`
    const known = named.get(memo)
    if (known) return known
    const label = keyOf(normalized)
    let best = 0
    let found: MatchablePort[] = []
    for (const country of [iso3, ...(COUNTRIES_ALSO[iso3] ?? [])]) {
      for (const key of namesByCountry.get(country)?.candidates(label) ?? []) {
        const score = nameScore(label, key)
        if (score === 0 || score < best) continue
        if (score > best) {
          best = score
          found = []
        }
        if (!found.includes(key.port)) found.push(key.port)
      }
    }
    named.set(memo, found)
    return found
  }

  const index = new KDBush(Math.max(1, ports.length))
  for (const p of ports) index.add(p.lon, p.lat)
  index.finish()

  const assigned: CellAssignment[] = []
  const unmatchedByLabel = new Map<string, UnmatchedLabel>()
  let byName = 0
  let byProximity = 0
  for (const a of anchorages) {
    const label = normalizeName(a.label)
    const byLabel = PLACEHOLDER.test(label) ? [] : portsNamed(a.iso3, label)
    // Sublabels are often only a destination someone typed (HOUSTON TX, PORT ARTHUR on a Galveston Bay cell):
    // they only choose among the ports within reach.
    const bySublabel = byLabel.length === 0 ? portsNamed(a.iso3, a.sublabel) : []
    const nearest = (candidates: MatchablePort[], maxKm: number) => {
      let best: MatchablePort | null = null
      let km = maxKm
      for (const p of candidates) {
        const d = haversineKm(a.lat, a.lon, p.lat, p.lon)
        if (d <= km) {
          km = d
          best = p
        }
      }
      return best
    }
    // Several ports of one name (a label for a whole port WPI splits into terminals): the nearest of them.
    let port = nearest(byLabel, options.maxNamedKm) ?? nearest(bySublabel, options.proximityKm)
    let method: MatchMethod = 'name'
    if (!port) {
      const near = geokdbush.around(index, a.lon, a.lat, 1, options.proximityKm) as number[]
      port = near.length > 0 ? ports[near[0]] : null
      method = 'proximity'
    }
    if (port) {
      assigned.push({cell: a.cell, lat: a.lat, lon: a.lon, portId: port.id, label: a.label, sublabel: a.sublabel, method})
      if (method === 'name') byName++
      else byProximity++
      continue
    }
    const key = `${a.iso3 ?? ''}|${label}`
    const entry = unmatchedByLabel.get(key)
    if (entry) entry.cells++
    else unmatchedByLabel.set(key, {label: a.label, iso3: a.iso3, cells: 1, lat: a.lat, lon: a.lon})
  }
  const unmatched = [...unmatchedByLabel.values()].sort((x, y) => y.cells - x.cells || x.label.localeCompare(y.label))
  return {assigned, unmatched, byName, byProximity, unmatchedCells: unmatched.reduce((n, u) => n + u.cells, 0)}
}
