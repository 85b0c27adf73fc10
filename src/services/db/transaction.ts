// The one way to write on either database: a transaction that commits whole or not at all, retried when
// the database says to try again (SQLITE_BUSY; a PostgreSQL serialization failure, deadlock, restart or
// broken connection), with the repositories inside it using its handle without being passed it.
import {AsyncLocalStorage} from 'node:async_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {HarbormasterError} from '../errors.js'
import {type Db, isBusy} from './client.js'
import type {PostgresDb} from './pg-client.js'

/** Either database: SQLite's file or a PostgreSQL server. */
export type AnyDb = Db | PostgresDb

/**
 * Errors a retry can cure: serialization failures and deadlocks, the server shutting down or restarting,
 * and connections that broke (SQLSTATE classes 08 and 57P, and the socket's own codes).
 */
export function isTransientPostgresError(error: unknown): boolean {
  // drizzle wraps the driver's error ("Failed query: ...") with the driver's as its cause.
  for (let cause = (error as {cause?: unknown} | null)?.cause, depth = 0; cause && depth < 5; cause = (cause as {cause?: unknown}).cause, depth++) {
    if (isTransientPostgresError(cause)) return true
  }
  const code = (error as {code?: string} | null)?.code
  if (!code) return /Connection terminated|connection error|Client has encountered a connection error/i.test(String((error as Error)?.message ?? ''))
  return (
    code === '40001' ||
    code === '40P01' ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code.startsWith('08') ||
    code === 'ECONNRESET' ||
    code === 'ECONNREFUSED' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT'
  )
}

/** What a repository needs to know of the open transaction: the handle to run its statements on. */
export interface OpenTransaction<Handle> {
  /** The database the transaction belongs to (a nested write on another database starts its own). */
  owner: object
  handle: Handle
}

const open = new AsyncLocalStorage<OpenTransaction<unknown>>()

/** The handle of the transaction `owner` has open in this async context, if any. */
export function currentTransaction<Handle>(owner: object): Handle | undefined {
  const tx = open.getStore()
  return tx?.owner === owner ? (tx.handle as Handle) : undefined
}

/** Runs `fn` with `handle` as the open transaction of `owner` for everything it awaits. */
export function withTransaction<Handle, T>(owner: object, handle: Handle, fn: () => Promise<T>): Promise<T> {
  return open.run({owner, handle}, fn)
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number
  /** What is retried: SQLITE_BUSY on SQLite, transient errors on PostgreSQL. */
  retryable(error: unknown): boolean
  /** The error to throw when every attempt met a retryable error. */
  exhausted(error: unknown): Error
}

/** Jittered, capped, doubling delays: 0-100 ms, 0-200 ms, ... up to 2 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(2000, 50 * 2 ** attempt) * Math.random()
}

/** Runs `attempt` until it succeeds, fails for good, or runs out of attempts. */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 5
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (error) {
      if (!options.retryable(error)) throw error
      if (n >= attempts) throw options.exhausted(error)
      await sleep(retryDelayMs(n))
    }
  }
}

/** PostgreSQL's transient errors, retried; the last one explained when they do not stop. */
export function postgresRetries(location: string, attempts?: number): RetryOptions {
  return {
    attempts,
    retryable: isTransientPostgresError,
    exhausted: (error) =>
      new HarbormasterError(`database ${location}: the transaction failed ${attempts ?? 5} times (${(error as Error).message})`, {
        hint: 'check that the PostgreSQL server is up and reachable; concurrent writers are retried automatically',
        cause: error,
      }),
  }
}

/**
 * A queue of one: async writes on one SQLite connection take turns (one connection holds one transaction),
 * while other processes are kept out by SQLite's own lock.
 */
export class TurnQueue {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn)
    this.tail = result.catch(() => undefined)
    return result
  }
}

const sqliteTurns = new WeakMap<object, TurnQueue>()

/**
 * Runs `fn` in the turn of SQLite database `db` (or of one of its connections): after the transactions
 * already queued on it, before later ones.
 */
export function sqliteTurn<T>(db: object, fn: () => Promise<T>): Promise<T> {
  let turns = sqliteTurns.get(db)
  if (!turns) sqliteTurns.set(db, (turns = new TurnQueue()))
  return turns.run(fn)
}

/** SQLite connections with a write transaction open across awaits (write below): other flows must not read on them. */
const writing = new WeakSet<object>()

/** Per database: how many write transactions this process has ended on it (data-version.ts keeps a version until this moves). */
const writesEnded = new WeakMap<object, number>()

function wrote(db: AnyDb): void {
  writesEnded.set(db, (writesEnded.get(db) ?? 0) + 1)
}

/** How many write transactions this process has ended on `db` so far. */
export function writesEndedOn(db: AnyDb): number {
  return writesEnded.get(db) ?? 0
}

/**
 * Whether a write transaction of `write` is open on this connection. Only then can another async flow meet
 * uncommitted rows on it: a synchronous transaction runs to its end before anything else does.
 */
export function asyncWriteOpen(connection: object): boolean {
  return writing.has(connection)
}

/** SQLite's busy errors after the busy timeout, retried; the last one explained. */
function sqliteRetries(db: Db): RetryOptions {
  return {
    retryable: isBusy,
    exhausted: (error) =>
      new HarbormasterError(`database ${db.path} stayed locked by another process`, {
        hint: 'another harbormaster process holds a long write transaction; try again shortly',
        cause: error,
      }),
  }
}

/**
 * Runs `fn` in one write transaction on either database and returns what it returns: committed whole when
 * it resolves, rolled back whole when it throws. Repositories called inside use the transaction without
 * being passed it; a `write` inside a `write` on the same database joins the outer one. A retryable error
 * runs `fn` again from the start, so `fn` does nothing outside the database that must not happen twice.
 */
export function write<T>(db: AnyDb, fn: () => Promise<T>, options: {attempts?: number} = {}): Promise<T> {
  if (currentTransaction(db) !== undefined) return fn()
  if (db.dialect === 'postgres') {
    return withRetries(() => db.transaction((tx) => withTransaction(db, tx, fn)), postgresRetries(db.location, options.attempts)).finally(() => wrote(db))
  }
  // With a read connection beside it (serve), writes go through the other one.
  const connection = db.writer ?? db.sqlite
  return sqliteTurn(db, () =>
    withRetries(
      async () => {
        // IMMEDIATE: a deferred transaction that upgrades to a write can fail with SQLITE_BUSY at once.
        connection.exec('BEGIN IMMEDIATE')
        writing.add(connection)
        try {
          const result = await withTransaction(db, connection, fn)
          connection.exec('COMMIT')
          wrote(db)
          return result
        } catch (error) {
          if (connection.inTransaction) connection.exec('ROLLBACK')
          throw error
        } finally {
          writing.delete(connection)
        }
      },
      {...sqliteRetries(db), attempts: options.attempts},
    ),
  )
}
