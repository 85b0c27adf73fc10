// Sea state at ports in the database, on either database: which ports are asked about, the readings
// stored, and when the newest one was observed.
import {desc, inArray, sql} from 'drizzle-orm'

import type {DataSource} from './schema.js'
import type {AnyDb} from './transaction.js'

export type StormRisk = 'low' | 'moderate' | 'high' | 'severe' | 'unknown'

export interface PortWeatherReading {
  portId: number
  observedAt: number
  waveHeightM: number | null
  wavePeriodS: number | null
  stormRisk: StormRisk
  source: DataSource
  createdAt: number
}

/** The busiest ports first, at most `limit`: WPI harbour size Large, then Medium, each by id. */
export async function busiestPorts(db: AnyDb, limit: number): Promise<Array<{id: number; lat: number; lon: number}>> {
  const {ports} = db.t
  return db.orm
    .select({id: ports.id, lat: ports.lat, lon: ports.lon})
    .from(ports)
    .where(inArray(ports.harborSize, ['Large', 'Medium']))
    .orderBy(sql`CASE ${ports.harborSize} WHEN 'Large' THEN 0 ELSE 1 END`, ports.id)
    .limit(limit)
}

/** Stores readings, five hundred rows per statement. Call inside a write transaction (or alone). */
export async function insertPortWeather(db: AnyDb, rows: PortWeatherReading[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db.orm.insert(db.t.portWeather).values(rows.slice(i, i + 500))
}

/** When the newest stored reading was observed, or null with none. */
export async function newestPortWeatherAt(db: AnyDb): Promise<number | null> {
  const {portWeather} = db.t
  const [row] = await db.orm.select({at: portWeather.observedAt}).from(portWeather).orderBy(desc(portWeather.observedAt)).limit(1)
  return row?.at ?? null
}
