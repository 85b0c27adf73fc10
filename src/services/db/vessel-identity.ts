// Every identity value (IMO number, name, call sign, ship type) a vessel's static reports have given, on either
// database: recorded by intake inside its batch transaction (one prepared statement per value on SQLite, one
// statement per batch on PostgreSQL), read back by the identity check and the vessel profiles.
import type {Statement} from 'better-sqlite3'

import {hotRows, pgExec, textArray, int8Array} from './pg-batch.js'
import {preparedOnce} from './prepared.js'
import type {IdentityField} from './schema.js'
import type {AnyDb} from './transaction.js'

/** The identity a static report gave (null: the report did not carry that field). */
export interface ReportedIdentity {
  mmsi: number
  imo: number | null
  name: string | null
  callsign: string | null
  /** AIS ship type; 0 is "not available". */
  shipType?: number | null
}

export interface IdentityValue {
  field: IdentityField
  value: string
  firstSeenAt: number
  lastSeenAt: number
}

const UPSERT = `INSERT INTO vessel_identity_values (mmsi, field, value, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (mmsi, field, value) DO UPDATE SET last_seen_at = excluded.last_seen_at WHERE excluded.last_seen_at > vessel_identity_values.last_seen_at`

function valuesOf(rows: ReportedIdentity[]): Array<[number, IdentityField, string]> {
  const out: Array<[number, IdentityField, string]> = []
  for (const r of rows) {
    // 0 is AIS's "not available", not a number given.
    if (r.imo !== null && r.imo !== 0) out.push([r.mmsi, 'imo', String(r.imo)])
    // Names and call signs come padded and in any case from some transponders: compared as shown.
    const name = r.name?.trim()
    if (name) out.push([r.mmsi, 'name', name])
    const callsign = r.callsign?.trim()
    if (callsign) out.push([r.mmsi, 'callsign', callsign])
    if (r.shipType !== null && r.shipType !== undefined && r.shipType !== 0) out.push([r.mmsi, 'ship_type', String(r.shipType)])
  }
  return out
}

/** Records the values the reports gave (each once per vessel; seen again, its last time moves). Joins the open transaction. */
export async function recordIdentities(db: AnyDb, rows: ReportedIdentity[], at: number): Promise<void> {
  const values = valuesOf(rows)
  if (values.length === 0) return
  if (db.dialect === 'sqlite') {
    const upsert = preparedOnce<Statement>(db, 'vessel-identity:upsert', () => db.sqlite.prepare(UPSERT))
    for (const [mmsi, field, value] of values) upsert.run(mmsi, field, value, at, at)
    return
  }
  await pgExec(
    db,
    `INSERT INTO vessel_identity_values (mmsi, field, value, first_seen_at, last_seen_at)
     SELECT DISTINCT ON (mmsi, field, value) mmsi, field, value, $4::bigint, $4::bigint
     FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(mmsi, field, value)
     ON CONFLICT (mmsi, field, value) DO UPDATE SET last_seen_at = excluded.last_seen_at WHERE excluded.last_seen_at > vessel_identity_values.last_seen_at`,
    [int8Array(values, (v) => v[0]), textArray(values, (v) => v[1]), textArray(values, (v) => v[2]), at],
  )
}

/** A vessel's identity values, oldest first. */
export async function identityValuesOf(db: AnyDb, mmsi: number): Promise<IdentityValue[]> {
  return (await identityValuesIn(db, mmsi, mmsi)).map(({mmsi: _, ...value}) => value)
}

/** The identity values of every vessel with an MMSI in [lo, hi], by vessel, each vessel's oldest first. */
export async function identityValuesIn(db: AnyDb, lo: number, hi: number): Promise<Array<IdentityValue & {mmsi: number}>> {
  const rows = await hotRows<IdentityValue & {mmsi: number}>(
    db,
    `SELECT mmsi, field, value, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt" FROM vessel_identity_values
     WHERE mmsi BETWEEN ? AND ? ORDER BY mmsi, first_seen_at, id`,
    [lo, hi],
  )
  return rows.map((r) => ({mmsi: Number(r.mmsi), field: r.field, value: r.value, firstSeenAt: Number(r.firstSeenAt), lastSeenAt: Number(r.lastSeenAt)}))
}
