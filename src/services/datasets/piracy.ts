// Piracy and armed-robbery incidents from the NGA ASAM export shipped in data/piracy (points, not areas).
import {readFileSync} from 'node:fs'

import {parse} from 'csv-parse/sync'

import {shippedFiles} from './paths.js'

export interface PiracyIncident {
  reference: string
  occurredAt: number
  lat: number
  lon: number
  hostility: string | null
  victim: string | null
  description: string | null
  navArea: string | null
}

export interface PiracyLoad {
  incidents: PiracyIncident[]
  rejected: Array<{reference: string; reason: string}>
  /** Records repeating a reference already read (the export holds a few twice); the first is kept. */
  duplicates: number
}

// 46°37'50.89"N — seconds optional; the export also writes 5°60'00"N, which is not a coordinate.
const DMS = /^\s*(\d{1,3})\s*°\s*(\d{1,2}(?:\.\d+)?)\s*'\s*(?:(\d{1,2}(?:\.\d+)?)\s*"\s*)?([NSEW])\s*$/

/** One DMS coordinate to decimal degrees, or a reason it is not one. */
export function parseDms(text: string, axis: 'lat' | 'lon'): number | string {
  const m = DMS.exec(text)
  if (!m) return `unreadable ${axis} ${JSON.stringify(text)}`
  const [, d, min, sec, hemi] = m
  if ((axis === 'lat') !== (hemi === 'N' || hemi === 'S')) return `${axis} with hemisphere ${hemi}`
  const minutes = Number(min)
  const seconds = sec === undefined ? 0 : Number(sec)
  // 60 minutes (or seconds) carries into the next unit: 5°60'00" is 6°00'00", unnormalised but exact.
  if (minutes > 60 || seconds > 60) return `malformed ${axis} ${JSON.stringify(text)} (minutes and seconds must be at most 60)`
  const value = Number(d) + minutes / 60 + seconds / 3600
  if (value > (axis === 'lat' ? 90 : 180)) return `${axis} out of range ${JSON.stringify(text)}`
  return hemi === 'S' || hemi === 'W' ? -value : value
}

export function loadShippedIncidents(path: string = shippedFiles.piracy): PiracyLoad {
  const rows = parse(readFileSync(path, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
  }) as Array<Record<string, string>>
  const incidents: PiracyIncident[] = []
  const rejected: PiracyLoad['rejected'] = []
  const seen = new Set<string>()
  let duplicates = 0
  for (const row of rows) {
    const reference = row.reference?.trim() || '(no reference)'
    if (row.reference?.trim()) {
      if (seen.has(reference)) {
        duplicates++
        continue
      }
      seen.add(reference)
    }
    const occurredAt = Date.parse(`${row.date?.trim()}T00:00:00Z`)
    const parts = (row.position ?? '').split(/\r?\n/).map((p) => p.trim()).filter(Boolean)
    if (Number.isNaN(occurredAt)) {
      rejected.push({reference, reason: `unreadable date ${JSON.stringify(row.date)}`})
      continue
    }
    if (parts.length !== 2) {
      rejected.push({reference, reason: parts.length === 0 ? 'missing position' : `unreadable position ${JSON.stringify(row.position)}`})
      continue
    }
    const lat = parseDms(parts[0], 'lat')
    const lon = parseDms(parts[1], 'lon')
    if (typeof lat === 'string' || typeof lon === 'string') {
      rejected.push({reference, reason: typeof lat === 'string' ? lat : (lon as string)})
      continue
    }
    incidents.push({
      reference,
      occurredAt,
      lat,
      lon,
      hostility: row.hostility?.trim() || null,
      victim: row.victim?.trim() || null,
      description: row.description?.trim() || null,
      navArea: row.navArea?.trim() || null,
    })
  }
  return {incidents, rejected, duplicates}
}
