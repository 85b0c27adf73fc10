// Raw statements for the hot paths (batch ingest, congestion, detection): on PostgreSQL whole columns sent
// as array parameters that `unnest` turns back into rows, and rows read back as arrays, on the open
// transaction's connection (inside `write`/`read`) or the pool; and reads written once for both databases.
import type pg from 'pg'

import type {PostgresDb} from './pg-client.js'
import type {AnyDb} from './transaction.js'

type Queryable = Pick<pg.Pool, 'query'>

/** The connection of the transaction open on `db` in this async context, else the pool. */
function connection(db: PostgresDb): Queryable {
  return (db.orm as unknown as {$client: Queryable}).$client
}

/** Rows as arrays of column values, in the order the statement names them. */
export async function pgArrays<T extends unknown[]>(db: PostgresDb, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await connection(db).query({text, values, rowMode: 'array'})
  return result.rows as T[]
}

/** Rows as objects keyed by column name (alias them as the caller's fields). */
export async function pgObjects<T>(db: PostgresDb, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await connection(db).query(text, values)
  return result.rows as T[]
}

/** Runs a statement; returns the rows it changed. */
export async function pgExec(db: PostgresDb, text: string, values: unknown[] = []): Promise<number> {
  const result = await connection(db).query(text, values)
  return result.rowCount ?? 0
}

/**
 * Rows as objects of a read written once for both databases in the SQL they share, with `?` placeholders
 * (numbered for PostgreSQL) and camelCase aliases double-quoted: SQLite's statement, PostgreSQL's query.
 */
export async function hotRows<T>(db: AnyDb, text: string, values: unknown[] = []): Promise<T[]> {
  if (db.dialect === 'sqlite') return db.sqlite.prepare(text).all(...values) as T[]
  let n = 0
  return pgObjects<T>(db, text.replace(/\?/g, () => `$${++n}`), values)
}

// Column arrays sent in PostgreSQL's binary array format (a Buffer parameter goes over the wire as binary):
// the server reads them without parsing text, which otherwise costs as much as the insert itself. Layout:
// dimensions, has-nulls flag, element type oid, length and lower bound; then each element as its byte
// length (-1 for null) and its bytes.
const INT8_OID = 20
const TEXT_OID = 25
const FLOAT8_OID = 701

type Get<T, V> = (item: T) => V | null | undefined
const self = <V>(item: unknown) => item as V | null | undefined

/** A bigint[] or double precision[] of the items' values, written through a DataView (a third of Buffer's per-call checks). */
function numberArray<T>(items: ArrayLike<T>, get: Get<T, number>, oid: number): Buffer {
  const n = items.length
  let nulls = 0
  for (let i = 0; i < n; i++) if (get(items[i]) == null) nulls++
  const buf = Buffer.allocUnsafe(20 + n * 4 + (n - nulls) * 8)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  view.setInt32(0, 1)
  view.setInt32(4, nulls > 0 ? 1 : 0)
  view.setInt32(8, oid)
  view.setInt32(12, n)
  view.setInt32(16, 1)
  const float = oid === FLOAT8_OID
  let o = 20
  for (let i = 0; i < n; i++) {
    const v = get(items[i])
    if (v == null) {
      view.setInt32(o, -1)
      o += 4
      continue
    }
    view.setInt32(o, 8)
    if (float) view.setFloat64(o + 4, v)
    else {
      const high = Math.floor(v / 4_294_967_296)
      view.setInt32(o + 4, high)
      view.setUint32(o + 8, v - high * 4_294_967_296)
    }
    o += 12
  }
  return buf
}

/** A bigint[] parameter of the items (or of `get` of each): integers within JS's safe range. */
export function int8Array<T = number | null>(items: ArrayLike<T>, get: Get<T, number> = self): Buffer {
  return numberArray(items, get, INT8_OID)
}

/** A double precision[] parameter of the items (or of `get` of each). */
export function float8Array<T = number | null>(items: ArrayLike<T>, get: Get<T, number> = self): Buffer {
  return numberArray(items, get, FLOAT8_OID)
}

/** A text[] parameter of the items (or of `get` of each). */
export function textArray<T = string | null>(items: ArrayLike<T>, get: Get<T, string> = self): Buffer {
  const n = items.length
  // Columns such as the source repeat a handful of values: each encoded once.
  const encoded = new Map<string, Buffer>()
  const parts = new Array<Buffer | null>(n)
  let size = 20
  let nulls = 0
  for (let i = 0; i < n; i++) {
    const v = get(items[i])
    if (v == null) {
      parts[i] = null
      nulls++
      size += 4
      continue
    }
    let bytes = encoded.get(v)
    if (!bytes) encoded.set(v, (bytes = Buffer.from(v, 'utf8')))
    parts[i] = bytes
    size += 4 + bytes.length
  }
  const buf = Buffer.allocUnsafe(size)
  buf.writeInt32BE(1, 0)
  buf.writeInt32BE(nulls > 0 ? 1 : 0, 4)
  buf.writeInt32BE(TEXT_OID, 8)
  buf.writeInt32BE(n, 12)
  buf.writeInt32BE(1, 16)
  let o = 20
  for (const p of parts) {
    if (!p) {
      buf.writeInt32BE(-1, o)
      o += 4
      continue
    }
    buf.writeInt32BE(p.length, o)
    p.copy(buf, o + 4)
    o += 4 + p.length
  }
  return buf
}

/** The rows turned into one array per key, in the keys' order: the parameters of an `unnest($1, $2, …)`. */
export function columnsOf<T>(rows: Iterable<T>, keys: readonly (keyof T)[]): unknown[][] {
  const columns: unknown[][] = keys.map(() => [])
  for (const row of rows) for (let k = 0; k < keys.length; k++) columns[k].push(row[keys[k]])
  return columns
}
