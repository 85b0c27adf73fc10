// The world's ports from the NGA World Port Index (Pub 150) shipped in data/ports: every port, with
// port limits approximated by a radius from its harbour size.
import {readFileSync} from 'node:fs'

import {parse} from 'csv-parse/sync'

import {shippedFiles} from './paths.js'

export interface ShippedPort {
  /** WPI numbers are mostly integers, but the index also holds inserted ones such as 49454.5. */
  wpiNumber: string
  name: string
  /** WPI's other names for the port (its Alternate Port Name column, `;` separated). */
  alternateNames: string[]
  unlocode: string | null
  country: string | null
  region: string | null
  waterBody: string | null
  lat: number
  lon: number
  radiusKm: number
  harborSize: string | null
  harborType: string | null
}

/**
 * WPI gives a position, not port limits: a circle sized by the harbour's WPI size class stands in for them
 * (anchorages of large ports lie several kilometres off the berths).
 */
export const RADIUS_KM_BY_HARBOR_SIZE: Record<string, number> = {Large: 10, Medium: 6, Small: 4, 'Very Small': 3}
const DEFAULT_RADIUS_KM = 3

export interface PortsLoad {
  ports: ShippedPort[]
  rejected: Array<{row: number; reason: string}>
  /** Rows that repeat a WPI number: the later row (the index's update) replaces the earlier. */
  superseded: Array<{row: number; by: number; wpiNumber: string}>
}

const loaded = new Map<string, PortsLoad>()

/** The shipped index never changes while harbormaster runs: it is parsed once per process (about 250 ms). */
export function loadShippedPorts(path: string = shippedFiles.ports): PortsLoad {
  let load = loaded.get(path)
  if (!load) {
    load = parsePortIndex(path)
    loaded.set(path, load)
  }
  return load
}

function parsePortIndex(path: string): PortsLoad {
  const rows = parse(readFileSync(path, 'utf8'), {columns: true, skip_empty_lines: true, bom: true}) as Array<Record<string, string>>
  const byNumber = new Map<string, {row: number; port: ShippedPort}>()
  const rejected: PortsLoad['rejected'] = []
  const superseded: PortsLoad['superseded'] = []
  rows.forEach((row, index) => {
    const value = (key: string) => {
      const v = row[key]?.trim()
      return v ? v : null
    }
    const rowNumber = index + 2
    const wpiNumber = value('World Port Index Number')
    const lat = Number(value('Latitude'))
    const lon = Number(value('Longitude'))
    const name = value('Main Port Name')
    const problem =
      wpiNumber === null || !/^\d+(\.\d+)?$/.test(wpiNumber)
        ? 'missing or malformed World Port Index Number'
        : !name
          ? 'missing port name'
          : value('Latitude') === null || value('Longitude') === null || !(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)
            ? 'missing or out-of-range coordinates'
            : null
    if (problem) {
      rejected.push({row: rowNumber, reason: problem})
      return
    }
    const earlier = byNumber.get(wpiNumber as string)
    if (earlier) superseded.push({row: earlier.row, by: rowNumber, wpiNumber: wpiNumber as string})
    const harborSize = value('Harbor Size')
    const locode = value('UN/LOCODE')
    byNumber.set(wpiNumber as string, {
      row: rowNumber,
      port: {
        wpiNumber: wpiNumber as string,
        name: name as string,
        alternateNames: (value('Alternate Port Name') ?? '').split(';').map((n) => n.trim()).filter(Boolean),
        unlocode: locode ? locode.replace(/\s+/g, '') : null,
        country: value('Country Code'),
        region: value('Region Name'),
        waterBody: value('World Water Body'),
        lat,
        lon,
        radiusKm: (harborSize && RADIUS_KM_BY_HARBOR_SIZE[harborSize]) || DEFAULT_RADIUS_KM,
        harborSize,
        harborType: value('Harbor Type'),
      },
    })
  })
  const ports = [...byNumber.values()].map((entry) => entry.port)
  return {ports, rejected, superseded}
}
