// Piracy risk areas from typed incidents: weighted clusters (DBSCAN on great-circle distance, incidents
// weighed by type and by an exponential decay with age, so chronic areas stay and one-off years fade),
// each drawn as hulls of its anchoring incidents grown by a buffer the data supports and cut to the water.
import KDBush from 'kdbush'
import * as geokdbush from 'geokdbush'

import * as polygonClipping from 'polyclip-ts'

import {circleGeometry, haversineKm, pointInGeometry, polygonsOf, type Ring, type ZoneGeometry} from '../geo/geometry.js'
import {bufferedHulls} from '../geo/hull.js'
import type {LandOutline} from '../geo/land.js'
import {PIRACY_TYPES, type PiracyType, TYPE_WEIGHT} from './incident-types.js'

const DAY_MS = 86_400_000

export interface TypedIncident {
  reference: string
  occurredAt: number
  lat: number
  lon: number
  type: PiracyType
}

export interface RiskAreaSettings {
  /** Incidents closer than this chain into one risk area (DBSCAN's ε). */
  clusterKm: number
  /** No spot of an area lies farther than this (plus the buffer) from its anchoring incidents. */
  maxGapKm: number
  /**
   * An incident anchors an area when the weights of the incidents within `clusterKm` (itself
   * included) reach this: a hijacking of the last months alone, a handful of recent boardings, or a
   * long record of older ones. See `incidentWeight`.
   */
  coreWeight: number
  /** Which share of incidents lies within the buffer of earlier years' incidents (sets `bufferKm`). */
  bufferQuantile: number
  /** An incident's weight halves every this many days before the newest incident. */
  halfLifeDays: number
  /**
   * ASAM gives positions to the minute (about 1.9 km): a member the land outline puts ashore (a berth,
   * a river the 1:10m outline fills) keeps a disc this wide, unclipped.
   */
  positionToleranceKm: number
}

export interface RiskArea {
  geometry: ZoneGeometry
  /** The cluster's incidents, as indices into the incidents given. */
  incidents: number[]
  /** Those of them that anchor it (DBSCAN's cores): the hull is drawn around these. */
  anchors: number[]
  score: number
  countsByType: Record<PiracyType, number>
  newestAt: number
  oldestAt: number
}

export interface RiskAreaBuild {
  areas: RiskArea[]
  /** The buffer drawn around each cluster's hull. */
  bufferKm: number
  /** The newest incident: recency is measured back from it, so an old export still ranks its areas. */
  referenceAt: number
  clusters: number
  /** Incidents in no area: too few, too old or too mild where they happened. */
  unclustered: number
  areasAllLand: number
}

/** Weight of one incident at `referenceAt`: its type's weight, halved every `halfLifeDays` of age. */
export function incidentWeight(incident: TypedIncident, referenceAt: number, halfLifeDays: number): number {
  const ageDays = Math.max(0, (referenceAt - incident.occurredAt) / DAY_MS)
  return TYPE_WEIGHT[incident.type] * 0.5 ** (ageDays / halfLifeDays)
}

/**
 * The buffer the data supports: for each calendar year, how far its incidents lie from the nearest
 * incident of the years before; the given quantile of those distances. A zone drawn that far around
 * past incidents would have held that share of the next years' incidents.
 */
export function recurrenceDistanceKm(incidents: TypedIncident[], quantile: number): number {
  const byYear = new Map<number, TypedIncident[]>()
  for (const i of incidents) {
    const year = new Date(i.occurredAt).getUTCFullYear()
    const list = byYear.get(year)
    if (list) list.push(i)
    else byYear.set(year, [i])
  }
  const years = [...byYear.keys()].sort((a, b) => a - b)
  const distances: number[] = []
  let earlier: TypedIncident[] = []
  for (const year of years) {
    const current = byYear.get(year) as TypedIncident[]
    if (earlier.length > 0) {
      const index = new KDBush(earlier.length)
      for (const e of earlier) index.add(e.lon, e.lat)
      index.finish()
      for (const i of current) {
        const [nearest] = geokdbush.around(index, i.lon, i.lat, 1) as number[]
        distances.push(haversineKm(i.lat, i.lon, earlier[nearest].lat, earlier[nearest].lon))
      }
    }
    earlier = earlier.concat(current)
  }
  if (distances.length === 0) return 0
  distances.sort((a, b) => a - b)
  return distances[Math.min(distances.length - 1, Math.floor(quantile * (distances.length - 1)))]
}

/**
 * DBSCAN over great-circle distance with weighted incidents: an incident is a core of a cluster when
 * the weights within `clusterKm` of it (its own included) reach `coreWeight`; incidents within reach of
 * a core join its cluster; the rest are noise (-1). With unit weights this is plain DBSCAN.
 */
export function clusterIncidents(
  incidents: Array<{lon: number; lat: number}>,
  clusterKm: number,
  coreWeight: number,
  weights?: ArrayLike<number>,
): {labels: Int32Array; core: Uint8Array; clusters: number} {
  const index = new KDBush(Math.max(1, incidents.length))
  for (const i of incidents) index.add(i.lon, i.lat)
  index.finish()
  const neighbours = (k: number): number[] => geokdbush.around(index, incidents[k].lon, incidents[k].lat, Infinity, clusterKm) as number[]
  const isCore = (near: number[]): boolean => {
    let sum = 0
    for (const n of near) sum += weights ? weights[n] : 1
    return sum >= coreWeight
  }
  const labels = new Int32Array(incidents.length).fill(-1)
  const core = new Uint8Array(incidents.length)
  const visited = new Uint8Array(incidents.length)
  let clusters = 0
  for (let k = 0; k < incidents.length; k++) {
    if (visited[k]) continue
    const seeds = neighbours(k)
    if (!isCore(seeds)) continue
    visited[k] = 1
    core[k] = 1
    const id = clusters++
    labels[k] = id
    const queue = seeds
    while (queue.length > 0) {
      const j = queue.pop() as number
      if (labels[j] === -1) labels[j] = id
      if (visited[j]) continue
      visited[j] = 1
      const more = neighbours(j)
      if (isCore(more)) {
        core[j] = 1
        for (const m of more) if (!visited[m]) queue.push(m)
      }
    }
  }
  return {labels, core, clusters}
}

export function buildRiskAreas(incidents: TypedIncident[], settings: RiskAreaSettings, land: LandOutline): RiskAreaBuild {
  const referenceAt = incidents.reduce((max, i) => Math.max(max, i.occurredAt), 0)
  const bufferKm = Math.round(recurrenceDistanceKm(incidents, settings.bufferQuantile) * 10) / 10
  const weights = incidents.map((i) => incidentWeight(i, referenceAt, settings.halfLifeDays))
  const {labels, core, clusters} = clusterIncidents(incidents, settings.clusterKm, settings.coreWeight, weights)
  const members: number[][] = Array.from({length: clusters}, () => [])
  labels.forEach((id, k) => {
    if (id >= 0) members[id].push(k)
  })
  const areas: RiskArea[] = []
  let areasAllLand = 0
  for (const group of members) {
    // Fringe incidents count towards the area's score, but only anchors shape it: a hull stretched to
    // every scattered old report would cover open ocean no recent attack came near.
    const anchors = group.filter((k) => core[k])
    const geometry = withAshoreMembers(
      land.clipToWater(unionOf(bufferedHulls(anchors.map((k) => incidents[k]), bufferKm, {maxGapKm: settings.maxGapKm}))),
      anchors.map((k) => incidents[k]),
      settings.positionToleranceKm,
    )
    if (!geometry) {
      areasAllLand++
      continue
    }
    const countsByType = Object.fromEntries(PIRACY_TYPES.map((t) => [t, 0])) as Record<PiracyType, number>
    for (const k of group) countsByType[incidents[k].type]++
    areas.push({
      geometry,
      incidents: group,
      anchors,
      score: group.reduce((sum, k) => sum + weights[k], 0),
      countsByType,
      newestAt: Math.max(...group.map((k) => incidents[k].occurredAt)),
      oldestAt: Math.min(...group.map((k) => incidents[k].occurredAt)),
    })
  }
  return {areas, bufferKm, referenceAt, clusters, unclustered: labels.filter((l) => l < 0).length, areasAllLand}
}

/** The area plus a small disc around each member it does not hold (members the outline puts ashore). */
function withAshoreMembers(geometry: ZoneGeometry | null, members: TypedIncident[], toleranceKm: number): ZoneGeometry | null {
  const outside = members.filter((m) => !geometry || !pointInGeometry(geometry, m.lon, m.lat))
  if (outside.length === 0 || toleranceKm <= 0) return geometry
  const discs = outside.map((m) => polygonsOf(circleGeometry(m.lat, m.lon, toleranceKm, 24)))
  const parts = polygonClipping.union(geometry ? polygonsOf(geometry) : discs[0], ...discs) as Ring[][]
  return parts.length === 0 ? null : asGeometry(parts)
}

function unionOf(geometries: ZoneGeometry[]): ZoneGeometry {
  if (geometries.length === 1) return geometries[0]
  const [first, ...rest] = geometries.map(polygonsOf)
  return asGeometry(polygonClipping.union(first, ...rest) as Ring[][])
}

function asGeometry(parts: Ring[][]): ZoneGeometry {
  return parts.length === 1 ? {type: 'Polygon', coordinates: parts[0]} : {type: 'MultiPolygon', coordinates: parts}
}
