// Global Fishing Watch's named anchorages shipped in data/ports: one row per S2 level-14 cell where
// vessels are seen to stop, labelled with the port it belongs to and the port's ISO3 country.
import {readFileSync} from 'node:fs'

import {parse} from 'csv-parse/sync'

import {cellToken} from '../geo/s2.js'
import {shippedFiles} from './paths.js'

export interface ShippedAnchorage {
  /** S2 level-14 cell token, computed from the position (as Global Fishing Watch's own pipeline does). */
  cell: string
  lat: number
  lon: number
  label: string
  sublabel: string | null
  iso3: string | null
  row: number
}

export interface AnchoragesLoad {
  anchorages: ShippedAnchorage[]
  rejected: Array<{row: number; reason: string}>
  /** Rows whose cell an earlier row already names: the first row keeps the cell. */
  duplicates: number
  /** Rows whose s2id column does not name the cell of their position (431 were mangled into numbers like 3.40E+08 by a spreadsheet). */
  s2idDisagrees: number
}

export function loadShippedAnchorages(path: string = shippedFiles.anchorages): AnchoragesLoad {
  // Arrays, not an object per row: 60,410 rows.
  const [header, ...rows] = parse(readFileSync(path, 'utf8'), {skip_empty_lines: true, bom: true}) as string[][]
  const col = (name: string) => {
    const k = header.indexOf(name)
    if (k < 0) throw new Error(`${path}: no ${name} column`)
    return k
  }
  const [S2ID, LATITUDE, LONGITUDE, LABEL, SUBLABEL, ISO3] = ['s2id', 'latitude', 'longitude', 'label', 'sublabel', 'iso3'].map(col)
  const byCell = new Map<string, ShippedAnchorage>()
  const rejected: AnchoragesLoad['rejected'] = []
  let duplicates = 0
  let s2idDisagrees = 0
  rows.forEach((r, index) => {
    const row = index + 2
    const lat = Number(r[LATITUDE])
    const lon = Number(r[LONGITUDE])
    const label = r[LABEL]?.trim()
    if (!r[LATITUDE]?.trim() || !r[LONGITUDE]?.trim() || !(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) {
      rejected.push({row, reason: 'missing or out-of-range coordinates'})
      return
    }
    if (!label) {
      rejected.push({row, reason: 'missing label'})
      return
    }
    const cell = cellToken(lat, lon)
    if ((r[S2ID] ?? '').trim().toLowerCase() !== cell) s2idDisagrees++
    if (byCell.has(cell)) {
      duplicates++
      return
    }
    const iso3 = r[ISO3]?.trim().toUpperCase()
    byCell.set(cell, {cell, lat, lon, label, sublabel: r[SUBLABEL]?.trim() || null, iso3: iso3 && /^[A-Z]{3}$/.test(iso3) ? iso3 : null, row})
  })
  return {anchorages: [...byCell.values()], rejected, duplicates, s2idDisagrees}
}
