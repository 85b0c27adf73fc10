// Flag state from an MMSI: its Maritime Identification Digits (ITU list shipped in data/ais).
import {readFileSync} from 'node:fs'

import {parse} from 'csv-parse/sync'

import {shippedFiles} from './paths.js'

let table: Map<number, string> | undefined

function load(): Map<number, string> {
  const rows = parse(readFileSync(shippedFiles.mid, 'utf8'), {columns: true, skip_empty_lines: true}) as Array<{
    MID: string
    Allocated_to: string
  }>
  const byMid = new Map<number, string[]>()
  for (const row of rows) {
    const mid = Number(row.MID)
    byMid.set(mid, [...(byMid.get(mid) ?? []), row.Allocated_to.trim()])
  }
  const out = new Map<number, string>()
  for (const [mid, names] of byMid) {
    // Several territories share one MID (306: three Dutch Caribbean ones): keep what they have in common.
    out.set(mid, names.length === 1 ? names[0] : commonPrefix(names))
  }
  return out
}

function commonPrefix(names: string[]): string {
  const head = names.map((n) => n.split(' - ')[0])
  return head.every((h) => h === head[0]) ? head[0] : names[0]
}

/** The MID of a ship MMSI (its first three digits), or null for MMSIs that are not ships. */
export function midOf(mmsi: number): number | null {
  if (mmsi < 200_000_000 || mmsi > 799_999_999) return null
  return Math.floor(mmsi / 1_000_000)
}

/** Flag state of a ship MMSI, or null when its MID is not allocated. */
export function flagOf(mmsi: number): string | null {
  const mid = midOf(mmsi)
  if (mid === null) return null
  table ??= load()
  return table.get(mid) ?? null
}
