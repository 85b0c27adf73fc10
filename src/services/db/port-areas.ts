// Port areas in the database: the ports with their berth reach, and the anchorage and berth cells
// (S2 level 14) that belong to each, shipped (Global Fishing Watch's named anchorages) or learned.
import {columnsOf, hotRows, pgArrays, pgExec} from './pg-batch.js'
import type {PostgresDb} from './pg-client.js'
import type {AreaCellKind, AreaCellMethod, Origin} from './schema.js'
import type {AnyDb} from './transaction.js'

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

const AREA_PORTS = `SELECT id, wpi_number AS "wpiNumber", unlocode, name, country, lat, lon, radius_km AS "radiusKm", harbor_size AS "harborSize" FROM ports ORDER BY id`
const AREA_CELLS = `SELECT port_id AS "portId", cell, lat, lon, kind, method, origin FROM port_area_cells ORDER BY id`

export async function areaPorts(db: AnyDb): Promise<AreaPortRow[]> {
  return hotRows<AreaPortRow>(db, AREA_PORTS)
}

/** Port ids by WPI number. */
export async function portIdsByWpiNumber(db: AnyDb): Promise<Map<string, number>> {
  const rows = await hotRows<{id: number; wpi: string}>(db, `SELECT id, wpi_number AS wpi FROM ports WHERE wpi_number IS NOT NULL`)
  return new Map(rows.map((r) => [r.wpi, r.id]))
}

export async function areaCells(db: AnyDb): Promise<AreaCellRow[]> {
  if (db.dialect === 'sqlite') return hotRows<AreaCellRow>(db, AREA_CELLS)
  // Tens of thousands of cells: read as arrays (the driver's row objects cost more than the query).
  const rows = await pgArrays<[number, string, number, number, AreaCellKind, AreaCellMethod, Origin]>(db, AREA_CELLS)
  return rows.map(([portId, cell, lat, lon, kind, method, origin]) => ({portId, cell, lat, lon, kind, method, origin}))
}

/** One port's cells, in the order areaCells gives them. */
export async function areaCellsOfPort(db: AnyDb, portId: number): Promise<AreaCellRow[]> {
  return hotRows<AreaCellRow>(db, `SELECT port_id AS "portId", cell, lat, lon, kind, method, origin FROM port_area_cells WHERE port_id = ? ORDER BY id`, [portId])
}

/** The cells inside a box (minLon > maxLon: across the antimeridian), in the order areaCells gives them. */
export async function areaCellsInBox(db: AnyDb, box: {minLon: number; minLat: number; maxLon: number; maxLat: number}): Promise<AreaCellRow[]> {
  const lon = box.minLon <= box.maxLon ? `lon BETWEEN ? AND ?` : `(lon >= ? OR lon <= ?)`
  return hotRows<AreaCellRow>(
    db,
    `SELECT port_id AS "portId", cell, lat, lon, kind, method, origin FROM port_area_cells WHERE lat BETWEEN ? AND ? AND ${lon} ORDER BY id`,
    [box.minLat, box.maxLat, box.minLon, box.maxLon],
  )
}

/** Whether any cell of the origin is stored. */
export async function hasAreaCells(db: AnyDb, origin: Origin): Promise<boolean> {
  const [row] = await hotRows<{held: number | boolean}>(db, `SELECT EXISTS (SELECT 1 FROM port_area_cells WHERE origin = ?) AS held`, [origin])
  return row.held === 1 || row.held === true
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
 * the shipped ones). A cell already held is left as it is. Call inside a write transaction.
 */
export async function storeAreaCells(db: AnyDb, origin: Origin, cells: NewAreaCell[], now: number, options: {replace: boolean}): Promise<CellWrite> {
  if (db.dialect === 'postgres') return storeAreaCellsPostgres(db, origin, cells, now, options)
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

/** The same in one statement for all the cells (tens of thousands of shipped ones), and one read of who holds the rest. */
async function storeAreaCellsPostgres(db: PostgresDb, origin: Origin, cells: NewAreaCell[], now: number, options: {replace: boolean}): Promise<CellWrite> {
  const write: CellWrite = {created: 0, kept: 0, untouched: 0, deleted: 0}
  if (options.replace) write.deleted = await pgExec(db, `DELETE FROM port_area_cells WHERE origin = $1`, [origin])
  if (cells.length === 0) return write
  // A cell given twice is stored as its first occurrence; the later ones find it held (by this origin).
  const first = new Map<string, NewAreaCell>()
  for (const c of cells) if (!first.has(c.cell)) first.set(c.cell, c)
  const cols = columnsOf(first.values(), ['portId', 'cell', 'lat', 'lon', 'kind', 'method', 'label', 'sublabel', 'vessels', 'origin'])
  const inserted = new Set(
    (
      await pgArrays<[string]>(
        db,
        `INSERT INTO port_area_cells (port_id, cell, lat, lon, kind, method, label, sublabel, vessels, origin, created_at, updated_at)
         SELECT u.*, $11::bigint, $11::bigint
         FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
           AS u(port_id, cell, lat, lon, kind, method, label, sublabel, vessels, origin)
         ON CONFLICT (cell) DO NOTHING RETURNING cell`,
        [...cols, now],
      )
    ).map(([cell]) => cell),
  )
  const others = cells.filter((c) => !inserted.has(c.cell)).map((c) => c.cell)
  const holders = new Map(
    others.length === 0 ? [] : await pgArrays<[string, Origin]>(db, `SELECT cell, origin FROM port_area_cells WHERE cell = ANY($1::text[])`, [[...new Set(others)]]),
  )
  const counted = new Set<string>()
  for (const c of cells) {
    if (inserted.has(c.cell)) {
      if (!counted.has(c.cell)) write.created++
      else if ((first.get(c.cell) as NewAreaCell).origin === origin) write.kept++
      else write.untouched++
      counted.add(c.cell)
    } else if (holders.get(c.cell) === origin) write.kept++
    else write.untouched++
  }
  return write
}
