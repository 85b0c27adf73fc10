// Vessel profiles as the profile-refresh job stores them (one row per vessel, its parts as JSON), written a
// chunk of vessels per statement batch on either database, and read back one vessel at a time.
import type {Statement} from 'better-sqlite3'

import {float8Array, hotRows, int8Array, pgExec, textArray} from './pg-batch.js'
import {preparedOnce} from './prepared.js'
import type {IdentityField} from './model.js'
import type {LastPortCall, PortCallTally} from './port-calls.js'
import type {AnyDb} from './transaction.js'

export interface ProfileIdentityValue {
  field: IdentityField
  value: string
  firstSeenAt: number
  lastSeenAt: number
}

/** A port a vessel calls at, with how often, as its profile keeps it. */
export type ProfilePort = Omit<PortCallTally, 'mmsi'>

/** A vessel's latest call (or the visit it is on now), as its profile keeps it. */
export type ProfilePortCall = Omit<LastPortCall, 'mmsi'>

/** One vessel's profile, as stored. */
export interface VesselProfileRow {
  mmsi: number
  computedAt: number
  windowStart: number
  positions24h: number
  positions: number
  distanceNm: number
  daysHeard: number
  firstHeardAt: number | null
  lastHeardAt: number | null
  identity: ProfileIdentityValue[]
  usualPorts: ProfilePort[]
  lastPortCall: ProfilePortCall | null
  eventsByType: Record<string, number>
}

const COLUMNS = [
  'mmsi',
  'computed_at',
  'window_start',
  'positions_24h',
  'positions',
  'distance_nm',
  'days_heard',
  'first_heard_at',
  'last_heard_at',
  'identity',
  'usual_ports',
  'last_port_call',
  'events_by_type',
] as const

const UPDATE_SET = COLUMNS.slice(1)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')

const UPSERT = `INSERT INTO vessel_profiles (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (mmsi) DO UPDATE SET ${UPDATE_SET}`

/** Stores the profiles (replacing each vessel's last one). Joins the open transaction. */
export async function storeProfiles(db: AnyDb, profiles: VesselProfileRow[]): Promise<void> {
  if (profiles.length === 0) return
  const json = (v: unknown) => JSON.stringify(v)
  if (db.dialect === 'sqlite') {
    const upsert = preparedOnce<Statement>(db, 'vessel-profiles:upsert', () => db.sqlite.prepare(UPSERT))
    for (const p of profiles) {
      upsert.run(
        p.mmsi, p.computedAt, p.windowStart, p.positions24h, p.positions, p.distanceNm, p.daysHeard, p.firstHeardAt, p.lastHeardAt,
        json(p.identity), json(p.usualPorts), p.lastPortCall === null ? null : json(p.lastPortCall), json(p.eventsByType),
      )
    }
    return
  }
  // One statement for the chunk: columns as arrays, the JSON parts as text cast to jsonb.
  await pgExec(
    db,
    `INSERT INTO vessel_profiles (${COLUMNS.join(', ')})
     SELECT mmsi, computed_at, window_start, positions_24h, positions, distance_nm, days_heard, first_heard_at, last_heard_at,
       identity::jsonb, usual_ports::jsonb, last_port_call::jsonb, events_by_type::jsonb
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::float8[], $7::bigint[], $8::bigint[], $9::bigint[],
       $10::text[], $11::text[], $12::text[], $13::text[]) AS u(${COLUMNS.join(', ')})
     ON CONFLICT (mmsi) DO UPDATE SET ${UPDATE_SET}`,
    [
      int8Array(profiles, (p) => p.mmsi),
      int8Array(profiles, (p) => p.computedAt),
      int8Array(profiles, (p) => p.windowStart),
      int8Array(profiles, (p) => p.positions24h),
      int8Array(profiles, (p) => p.positions),
      float8Array(profiles, (p) => p.distanceNm),
      int8Array(profiles, (p) => p.daysHeard),
      int8Array(profiles, (p) => p.firstHeardAt),
      int8Array(profiles, (p) => p.lastHeardAt),
      textArray(profiles, (p) => json(p.identity)),
      textArray(profiles, (p) => json(p.usualPorts)),
      textArray(profiles, (p) => (p.lastPortCall === null ? null : json(p.lastPortCall))),
      textArray(profiles, (p) => json(p.eventsByType)),
    ],
  )
}

/** SQLite returns JSON columns read raw as text; PostgreSQL's driver parses jsonb. */
const parsed = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))

/** A vessel's stored profile; undefined before the first refresh that saw it. */
export async function storedProfile(db: AnyDb, mmsi: number): Promise<VesselProfileRow | undefined> {
  const [row] = await hotRows<Record<(typeof COLUMNS)[number], unknown>>(db, `SELECT ${COLUMNS.join(', ')} FROM vessel_profiles WHERE mmsi = ?`, [mmsi])
  if (!row) return undefined
  return {
    mmsi: Number(row.mmsi),
    computedAt: Number(row.computed_at),
    windowStart: Number(row.window_start),
    positions24h: Number(row.positions_24h),
    positions: Number(row.positions),
    distanceNm: Number(row.distance_nm),
    daysHeard: Number(row.days_heard),
    firstHeardAt: num(row.first_heard_at),
    lastHeardAt: num(row.last_heard_at),
    identity: parsed(row.identity),
    usualPorts: parsed(row.usual_ports),
    lastPortCall: row.last_port_call === null ? null : parsed(row.last_port_call),
    eventsByType: parsed(row.events_by_type),
  }
}
