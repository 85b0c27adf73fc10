// Piracy risk zones from the shipped NGA ASAM incidents: the type filter, the risk areas as zone drafts
// with their metadata and severity, and the build cached by the data, the settings and the code.
import {readFileSync} from 'node:fs'
import {extname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {cacheKey, readDerived, writeDerived} from '../cache/derived-cache.js'
import type {PiracyBuildSummary} from '../../schemas/job-summaries.js'
import type {Config} from '../config.js'
import type {Context} from '../context.js'
import {type PiracyIncident, type PiracyLoad, loadShippedIncidents} from '../datasets/piracy.js'
import {shippedFiles} from '../datasets/paths.js'
import type {DataSource, Origin, Severity} from '../db/schema.js'
import {polygonsAreaKm2} from '../geo/area.js'
import {polygonsOf} from '../geo/geometry.js'
import {type LandOutline, landOutline, landOutlineVersion} from '../geo/land.js'
import {PACKAGE_ROOT} from '../package-root.js'
import type {ZoneDraft} from '../safety/zones.js'
import {EXCLUSION_REASONS, type ExclusionReason, PIRACY_TYPES, type PiracyType, classifyIncident} from './incident-types.js'
import {type RiskArea, type RiskAreaSettings, type TypedIncident, buildRiskAreas} from './risk-areas.js'

const DAY_MS = 86_400_000

/** A zone's score (type weights with decay, summed over its incidents) from which it is this severe. */
export const SEVERITY_SCORES: ReadonlyArray<[Severity, number]> = [
  ['critical', 50],
  ['high', 20],
  ['medium', 8],
  ['low', 0],
]

export function severityOfScore(score: number): Severity {
  for (const [severity, floor] of SEVERITY_SCORES) if (score >= floor) return severity
  return 'low'
}

export function riskAreaSettings(config: Config): RiskAreaSettings {
  return {
    clusterKm: config.piracyClusterKm,
    maxGapKm: config.piracyMaxGapKm,
    coreWeight: config.piracyCoreWeight,
    bufferQuantile: config.piracyBufferQuantile,
    halfLifeDays: config.piracyHalfLifeDays,
    positionToleranceKm: config.piracyPositionToleranceKm,
  }
}

export interface ClassifiedIncidents {
  piracy: Array<TypedIncident & {description: string | null; navArea: string | null}>
  excludedByReason: Record<ExclusionReason, number>
  byType: Record<PiracyType, number>
}

/** The type filter over loaded incidents (README, "Piracy risk areas": the rule). */
export function classifyIncidents(incidents: PiracyIncident[]): ClassifiedIncidents {
  const excludedByReason = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>
  const byType = Object.fromEntries(PIRACY_TYPES.map((t) => [t, 0])) as Record<PiracyType, number>
  const piracy: ClassifiedIncidents['piracy'] = []
  for (const incident of incidents) {
    const verdict = classifyIncident(incident)
    if (!verdict.piracy) {
      excludedByReason[verdict.reason]++
      continue
    }
    byType[verdict.type]++
    piracy.push({
      reference: incident.reference,
      occurredAt: incident.occurredAt,
      lat: incident.lat,
      lon: incident.lon,
      type: verdict.type,
      description: incident.description,
      navArea: incident.navArea,
    })
  }
  return {piracy, excludedByReason, byType}
}

/** What a build tells the job summary. */
export type {PiracyBuildSummary} from '../../schemas/job-summaries.js'

export interface PiracyZoneBuild {
  drafts: ZoneDraft[]
  summary: PiracyBuildSummary
  /** Newest incident the data holds (ms), or null without incidents. */
  newestAt: number | null
}

/** Zones from loaded incidents: pure, so tests and benchmarks call it on any split of the data. */
export function buildPiracyZones(
  load: PiracyLoad,
  settings: RiskAreaSettings,
  land: LandOutline,
  labels: {source: DataSource; origin: Origin},
): PiracyZoneBuild {
  const classified = classifyIncidents(load.incidents)
  const build = buildRiskAreas(classified.piracy, settings, land)
  const newestAt = load.incidents.length > 0 ? Math.max(...load.incidents.map((i) => i.occurredAt)) : null
  const zonesBySeverity: Record<Severity, number> = {critical: 0, high: 0, medium: 0, low: 0}
  let areaKm2 = 0
  const drafts = build.areas.map((area) => {
    const draft = zoneDraft(area, classified.piracy, {...labels, bufferKm: build.bufferKm, settings, dataAsOf: newestAt ?? build.referenceAt})
    zonesBySeverity[draft.severity]++
    areaKm2 += draft.metadata?.area_km2 as number
    return draft
  })
  const excluded = Object.values(classified.excludedByReason).reduce((a, b) => a + b, 0)
  return {
    drafts,
    newestAt,
    summary: {
      incidents: load.incidents.length,
      incidents_rejected: load.rejected.length,
      duplicates: load.duplicates,
      piracy_incidents: classified.piracy.length,
      piracy_by_type: classified.byType,
      excluded,
      excluded_by_reason: classified.excludedByReason,
      newest_incident_at: newestAt === null ? null : new Date(newestAt).toISOString(),
      zones: drafts.length,
      zones_by_severity: zonesBySeverity,
      area_km2: Math.round(areaKm2),
      buffer_km: build.bufferKm,
      incidents_in_zones: build.areas.reduce((sum, a) => sum + a.incidents.length, 0),
    },
  }
}

function zoneDraft(
  area: RiskArea,
  incidents: ClassifiedIncidents['piracy'],
  context: {source: DataSource; origin: Origin; bufferKm: number; settings: RiskAreaSettings; dataAsOf: number},
): ZoneDraft {
  const members = area.incidents.map((k) => incidents[k])
  const first = members.map((m) => m.reference).sort()[0]
  const place = placeOf(members)
  const severe = area.countsByType.hijacking + area.countsByType.kidnapping
  const years = `${new Date(area.oldestAt).getUTCFullYear()}–${new Date(area.newestAt).getUTCFullYear()}`
  const severity = severityOfScore(area.score)
  const areaKm2 = Math.round(polygonsAreaKm2(polygonsOf(area.geometry)))
  return {
    kind: 'piracy',
    externalId: `piracy:${first}`,
    name: `Piracy risk area${place ? `: ${place}` : ''} (${members.length} incidents ${years}${severe > 0 ? `, ${severe} ${severe === 1 ? 'hijacking or kidnapping' : 'hijackings or kidnappings'}` : ''})`,
    severity,
    geometry: area.geometry,
    validFrom: area.oldestAt,
    validTo: null,
    active: true,
    portId: null,
    source: context.source,
    observedAt: area.newestAt,
    origin: context.origin,
    metadata: {
      place,
      incidents: members.length,
      incidents_by_type: area.countsByType,
      newest_incident_at: new Date(area.newestAt).toISOString(),
      oldest_incident_at: new Date(area.oldestAt).toISOString(),
      data_as_of: new Date(context.dataAsOf).toISOString(),
      newest_incident_days_before_data_end: Math.floor((context.dataAsOf - area.newestAt) / DAY_MS),
      score: Math.round(area.score * 10) / 10,
      area_km2: areaKm2,
      buffer_km: context.bufferKm,
      cluster_km: context.settings.clusterKm,
      half_life_days: context.settings.halfLifeDays,
      dataset: 'NGA ASAM export of 2022-06-21',
    },
  }
}

/** The place most of an area's reports name first ("NIGERIA: On 3 May, ..."), else its NAVAREA. */
function placeOf(members: ClassifiedIncidents['piracy']): string | null {
  const counts = new Map<string, number>()
  for (const m of members) {
    const place = /^\s*(?:\(U\)\s*)?([A-Z][A-Z .,'&()-]{2,40}?)\s*:/.exec(m.description ?? '')?.[1]?.trim()
    const key = place ?? (m.navArea ? `NAVAREA ${m.navArea}` : null)
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  let best: string | null = null
  let most = 0
  for (const [place, n] of counts) {
    if (n > most || (n === most && best !== null && place < best)) {
      best = place
      most = n
    }
  }
  return best
}

export interface ShippedPiracyZones extends PiracyZoneBuild {
  builtFrom: 'data' | 'cache'
  buildMs: number
}

const CACHE_NAME = 'piracy-zones'
// .js when built, .ts when run from the sources (bin/dev.js, tests). The built commands are bundled, so
// the compiled modules are found under dist/ by name rather than beside this code.
const ext = extname(fileURLToPath(import.meta.url))
const here = join(PACKAGE_ROOT, ext === '.ts' ? 'src' : 'dist', 'services', 'piracy')
/** The code a build depends on: a change to any of these makes a new cache key. */
const BUILD_CODE = [
  join(here, `incident-types${ext}`),
  join(here, `risk-areas${ext}`),
  join(here, `zones${ext}`),
  join(here, '..', 'datasets', `piracy${ext}`),
  join(here, '..', 'geo', `geometry${ext}`),
  join(here, '..', 'geo', `hull${ext}`),
  join(here, '..', 'geo', `land${ext}`),
  join(here, '..', 'geo', `area${ext}`),
]

/**
 * The zones from the shipped incidents, for the safety job and `ensure-fallback-data`: built once per
 * machine (a few seconds: the 1:10m land outline and the clipping) and read from the cache after that.
 */
export function shippedPiracyZones(ctx: Pick<Context, 'config' | 'logger'>): ShippedPiracyZones {
  const started = performance.now()
  const settings = riskAreaSettings(ctx.config)
  const key = cacheKey([
    readFileSync(shippedFiles.piracy),
    JSON.stringify(settings),
    landOutlineVersion('10m'),
    ...BUILD_CODE.map((path) => readFileSync(path)),
  ])
  const cached = readDerived<PiracyZoneBuild>(ctx.config.cacheDir, CACHE_NAME, key)
  if (cached) return {...cached, builtFrom: 'cache', buildMs: Math.round(performance.now() - started)}
  const load = loadShippedIncidents()
  if (load.rejected.length > 0) ctx.logger.debug(`piracy incidents rejected: ${load.rejected.length}`, {first: load.rejected[0]})
  const build = buildPiracyZones(load, settings, landOutline('10m'), {source: 'emergency', origin: 'fallback'})
  try {
    writeDerived(ctx.config.cacheDir, CACHE_NAME, key, build)
  } catch (error) {
    ctx.logger.warn(`piracy zones not cached (they are rebuilt next run): ${(error as Error).message}`, {dir: ctx.config.cacheDir})
  }
  return {...build, builtFrom: 'data', buildMs: Math.round(performance.now() - started)}
}
