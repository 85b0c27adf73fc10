// Port areas in the database: the ports with their berth reach, and the anchorage and berth cells
// (S2 level 14) that belong to each, shipped (Global Fishing Watch's named anchorages) or learned.
import type {Db} from './client.js'
import type {AreaCellKind, AreaCellMethod, Origin} from './schema.js'

export interface AreaPortRow {
  id: number
  wpiNumber: string | null
  unlocode: string | null
  name: string
  country: string | null
  lat: number
  lon: number
  radiusKm: number
  harborSize: string | null
}

export interface AreaCellRow {
  portId: number
  cell: string
  lat: number
  lon: number
  kind: AreaCellKind
  method: AreaCellMethod
  origin: Origin
}

export interface NewAreaCell extends AreaCellRow {
  label: string | null
  sublabel: string | null
  vessels: number | null
}

export async function areaPorts(db: Db): Promise<AreaPortRow[]> {
  return db.sqlite
    .prepare(`SELECT id, wpi_number AS wpiNumber, unlocode, name, country, lat, lon, radius_km AS radiusKm, harbor_size AS harborSize FROM ports ORDER BY id`)
    .all() as AreaPortRow[]
}

/** Port ids by WPI number (synchronous: used inside the fallback-data write transaction). */
export function portIdsByWpiNumber(db: Db): Map<string, number> {
  const rows = db.sqlite.prepare(`SELECT id, wpi_number AS wpi FROM ports WHERE wpi_number IS NOT NULL`).all() as Array<{id: number; wpi: string}>
  return new Map(rows.map((r) => [r.wpi, r.id]))
}

export async function areaCells(db: Db): Promise<AreaCellRow[]> {
  return db.sqlite.prepare(`SELECT port_id AS portId, cell, lat, lon, kind, method, origin FROM port_area_cells ORDER BY id`).all() as AreaCellRow[]
}

/** Whether any cell of the origin is stored. */
export function hasAreaCells(db: Db, origin: Origin): boolean {
  return db.sqlite.prepare(`SELECT EXISTS (SELECT 1 FROM port_area_cells WHERE origin = ?)`).pluck().get(origin) === 1
}

export interface CellWrite {
  created: number
  /** Already there with this origin. */
  kept: number
  /** Cells another origin (learned, or a person) already holds: left alone. */
  untouched: number
  deleted: number
}

/**
 * Stores cells of one origin; with `replace`, that origin's cells are deleted first (a --force rebuild of
 * the shipped ones). A cell already held is left as it is. Call inside a write
 * transaction.
 */
export function storeAreaCells(db: Db, origin: Origin, cells: NewAreaCell[], now: number, options: {replace: boolean}): CellWrite {
  const write: CellWrite = {created: 0, kept: 0, untouched: 0, deleted: 0}
  if (options.replace) write.deleted = db.sqlite.prepare(`DELETE FROM port_area_cells WHERE origin = ?`).run(origin).changes
  const insert = db.sqlite.prepare(
    `INSERT INTO port_area_cells (port_id, cell, lat, lon, kind, method, label, sublabel, vessels, origin, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(cell) DO NOTHING`,
  )
  const holder = db.sqlite.prepare(`SELECT origin FROM port_area_cells WHERE cell = ?`).pluck()
  for (const c of cells) {
    const changes = insert.run(c.portId, c.cell, c.lat, c.lon, c.kind, c.method, c.label, c.sublabel, c.vessels, c.origin, now, now).changes
    if (changes > 0) write.created++
    else if (holder.get(c.cell) === origin) write.kept++
    else write.untouched++
  }
  return write
}
