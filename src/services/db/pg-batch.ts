// Raw statements for the hot paths (batch ingest, congestion, detection): on PostgreSQL whole columns sent
// as array parameters that `unnest` turns back into rows, rows streamed by binary COPY, and rows read back as
// arrays, on the open transaction's connection (inside `write`/`read`) or the pool; and reads written once
// for both databases.
import {createRequire} from 'node:module'

import type pg from 'pg'
import type copyStreamsModule from 'pg-copy-streams'

import type {PostgresDb} from './pg-client.js'
import {preparedOnce} from './prepared.js'
import {type AnyDb, currentTransaction} from './transaction.js'

type Queryable = Pick<pg.Pool, 'query'>

/** pg-copy-streams, loaded on the first COPY: commands on SQLite never load PostgreSQL's code. */
let copyStreams: typeof copyStreamsModule | undefined
const copyFrom = (text: string) => (copyStreams ??= createRequire(import.meta.url)('pg-copy-streams') as typeof copyStreamsModule).from(text)

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

/**
 * A row of figures that move whenever some data does (counts, id ends, latest change times), as one text a
 * caller keeps and compares: written once for both databases, prepared once per SQLite connection as `key`.
 */
export async function versionOf(db: AnyDb, key: string, text: string): Promise<string> {
  const row = db.dialect === 'postgres' ? (await pgArrays<unknown[]>(db, text))[0] : (preparedOnce(db, key, () => db.sqlite.prepare(text).raw()).get() as unknown[])
  return row.join('.')
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

/** One column of a binary COPY: its type and how to read it from a row (null or undefined for NULL). */
export type CopyColumn<T> = {type: 'int8' | 'float8'; get: Get<T, number>} | {type: 'text'; get: Get<T, string>}

/** What a binary COPY's data starts with: signature, flags and header extension length. */
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)])
/** And ends with: a field count of -1. */
const COPY_TRAILER = Buffer.from([0xff, 0xff])

/**
 * Rows in COPY's binary format, one field per column in the columns' order (without the header and
 * trailer, so a COPY can be sent a chunk at a time): the server takes numbers as they are instead of
 * parsing text. Per row its field count, then each field as its byte length (-1 for null) and its bytes.
 */
function copyBinaryRows<T>(rows: ArrayLike<T>, columns: readonly CopyColumn<T>[]): Buffer {
  const n = rows.length
  // Text columns repeat a handful of values (the source): each encoded once, and measured before writing.
  const encoded = new Map<string, Buffer>()
  let size = n * (2 + columns.length * 12)
  for (const column of columns) {
    if (column.type !== 'text') continue
    for (let i = 0; i < n; i++) {
      const v = column.get(rows[i])
      if (v == null) continue
      let bytes = encoded.get(v)
      if (!bytes) encoded.set(v, (bytes = Buffer.from(v, 'utf8')))
      size += bytes.length
    }
  }
  const buf = Buffer.allocUnsafe(size)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let o = 0
  const fields = columns.length
  for (let i = 0; i < n; i++) {
    const row = rows[i]
    view.setInt16(o, fields)
    o += 2
    for (let c = 0; c < fields; c++) {
      const column = columns[c]
      const v = column.get(row)
      if (v == null) {
        view.setInt32(o, -1)
        o += 4
      } else if (column.type === 'float8') {
        view.setInt32(o, 8)
        view.setFloat64(o + 4, v as number)
        o += 12
      } else if (column.type === 'int8') {
        const high = Math.floor((v as number) / 4_294_967_296)
        view.setInt32(o, 8)
        view.setInt32(o + 4, high)
        view.setUint32(o + 8, (v as number) - high * 4_294_967_296)
        o += 12
      } else {
        const bytes = encoded.get(v as string) as Buffer
        view.setInt32(o, bytes.length)
        bytes.copy(buf, o + 4)
        o += 4 + bytes.length
      }
    }
  }
  return buf.subarray(0, o)
}

/** A binary COPY in progress: rows sent as they come, a chunk at a time, while the caller goes on. */
export interface CopyIn<T> {
  add(row: T): void
  /** Sends what is left and ends the COPY: the rows copied, or the server's error. */
  end(): Promise<number>
  /** Gives the COPY up (the server fails it), so the connection can run the next statement. */
  abort(): Promise<void>
}

/** Rows per chunk sent: small enough that the server works on one while the next is made. */
const COPY_CHUNK_ROWS = 1000

/**
 * Starts `COPY … FROM STDIN (FORMAT binary)` on the connection of the transaction open on `db`: rows added
 * go to the server a chunk at a time, so it stores them while the caller works out the next ones. Nothing
 * else runs on the connection until `end` or `abort`. A failed COPY fails the transaction: callers that mean
 * to go on start it inside a savepoint.
 */
export function pgCopyIn<T>(db: PostgresDb, text: string, columns: readonly CopyColumn<T>[]): CopyIn<T> {
  if (currentTransaction(db) === undefined) throw new Error('COPY runs inside a write transaction')
  const client = connection(db) as pg.ClientBase
  const stream = client.query(copyFrom(text))
  let failed = false
  const done = new Promise<number>((resolve, reject) => {
    stream.on('error', (error) => {
      failed = true
      reject(error)
    })
    stream.on('finish', () => resolve(stream.rowCount))
  })
  // Seen by `end` or `abort`; until then a failure only stops the sending.
  done.catch(() => undefined)
  stream.write(COPY_HEADER)
  let pending: T[] = []
  const send = () => {
    if (!failed && pending.length > 0) stream.write(copyBinaryRows(pending, columns))
    pending = []
  }
  return {
    add(row) {
      pending.push(row)
      if (pending.length >= COPY_CHUNK_ROWS) send()
    },
    end() {
      send()
      if (!failed) stream.end(COPY_TRAILER)
      return done
    },
    async abort() {
      if (!failed) stream.destroy(new Error('COPY given up'))
      await done.catch(() => undefined)
    },
  }
}
