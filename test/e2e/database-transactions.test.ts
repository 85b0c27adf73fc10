// One way to write on both databases: write() commits whole or rolls back whole, joins an outer write,
// takes turns on one SQLite connection, and on PostgreSQL retries what the server says to retry (a real
// deadlock, a restart) and applies migrations once however many connect at the same moment.
import {join} from 'node:path'

import {eq} from 'drizzle-orm'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openDatabase} from '../../src/services/db/client.js'
import {openPostgres, type PostgresDb} from '../../src/services/db/pg-client.js'
import {type AnyDb, write} from '../../src/services/db/transaction.js'
import {HarbormasterError} from '../../src/services/errors.js'
import {tempDir} from '../helpers/cli.js'
import {databaseUrl, freePort, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

async function value(db: AnyDb, key: string): Promise<unknown> {
  const rows = await db.orm.select({value: db.t.settings.value}).from(db.t.settings).where(eq(db.t.settings.key, key))
  return rows[0]?.value
}

async function put(db: AnyDb, key: string, v: unknown): Promise<void> {
  await db.orm
    .insert(db.t.settings)
    .values({key, value: v, updatedAt: 1})
    .onConflictDoUpdate({target: db.t.settings.key, set: {value: v}})
}

/** What every database must do alike. */
function behavesAsOneTransaction(open: () => Promise<AnyDb>) {
  it('commits everything a write did, or nothing of it when it throws', async () => {
    const db = await open()
    await write(db, async () => {
      await put(db, 'a', 1)
      await put(db, 'b', 2)
    })
    await expect(
      write(db, async () => {
        await put(db, 'a', 10)
        await put(db, 'c', 3)
        throw new Error('refused halfway')
      }),
    ).rejects.toThrow('refused halfway')
    expect([await value(db, 'a'), await value(db, 'b'), await value(db, 'c')]).toEqual([1, 2, undefined])
  })

  it('a write inside a write joins it: the inner one is undone with the outer', async () => {
    const db = await open()
    await expect(
      write(db, async () => {
        await put(db, 'outer', 1)
        await write(db, async () => put(db, 'inner', 2))
        throw new Error('outer fails after the inner write')
      }),
    ).rejects.toThrow('outer fails')
    expect([await value(db, 'outer'), await value(db, 'inner')]).toEqual([undefined, undefined])
  })

  it('twenty writes started together all commit, each whole', async () => {
    const db = await open()
    await Promise.all(
      Array.from({length: 20}, (_, k) =>
        write(db, async () => {
          await put(db, `writer-${k}`, k)
          await put(db, `writer-${k}-done`, true)
        }),
      ),
    )
    for (let k = 0; k < 20; k++) expect([await value(db, `writer-${k}`), await value(db, `writer-${k}-done`)]).toEqual([k, true])
  })
}

describe('SQLite', () => {
  const dirs: Array<() => void> = []
  const dbs: AnyDb[] = []
  afterAll(() => {
    for (const db of dbs) if (db.dialect === 'sqlite') db.close()
    for (const cleanup of dirs) cleanup()
  })
  behavesAsOneTransaction(async () => {
    const {dir, cleanup} = tempDir()
    dirs.push(cleanup)
    const db = openDatabase(join(dir, 'harbormaster.db'))
    dbs.push(db)
    return db
  })
})

describe('PostgreSQL', () => {
  let server: TestPostgres | null = null
  const opened: PostgresDb[] = []
  let databases = 0

  beforeAll(async () => {
    server = await postgresForTests()
  })
  afterAll(async () => {
    for (const db of opened) await db.close()
    server?.stop()
  })

  /** A fresh database on the test server, opened (and migrated) as the commands open it. */
  async function freshDatabase(): Promise<{db: PostgresDb; url: string}> {
    if (!server) throw new Error('no server')
    const name = `t${++databases}`
    const admin = new pg.Client({connectionString: server.url})
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const url = databaseUrl(server.url, name)
    const db = await openPostgres(url, {applicationName: 'harbormaster test'})
    opened.push(db)
    return {db, url}
  }

  describe('transactions', () => {
    behavesAsOneTransaction(async (): Promise<AnyDb> => {
      if (!server) return skipped()
      return (await freshDatabase()).db
    })
  })

  it('a deadlock between two writes is retried: both end committed, one of them ran twice', async () => {
    if (!server) return void skipped()
    const {db} = await freshDatabase()
    await put(db, 'x', 0)
    await put(db, 'y', 0)
    let attempts = 0
    let arrived = 0
    let release!: () => void
    const bothHoldOneRow = new Promise<void>((resolve) => (release = resolve))
    const crossing = (first: string, second: string) =>
      write(db, async () => {
        const attempt = ++attempts
        await db.orm.update(db.t.settings).set({value: first}).where(eq(db.t.settings.key, first))
        // First attempts wait for each other, so each holds the row the other wants next.
        if (attempt <= 2) {
          if (++arrived === 2) release()
          await bothHoldOneRow
        }
        await db.orm.update(db.t.settings).set({value: first}).where(eq(db.t.settings.key, second))
      })
    await Promise.all([crossing('x', 'y'), crossing('y', 'x')])
    expect(attempts).toBe(3)
    const finals = [await value(db, 'x'), await value(db, 'y')]
    // Whichever committed last wrote both rows.
    expect(finals[0]).toBe(finals[1])
  })

  it('a server restart between writes costs nothing: the next write gets a new connection', async () => {
    if (!server) return void skipped()
    const {db} = await freshDatabase()
    await write(db, () => put(db, 'before', 1))
    server.ctl(['-m', 'fast', 'restart'])
    await write(db, () => put(db, 'after', 2))
    expect([await value(db, 'before'), await value(db, 'after')]).toEqual([1, 2])
  })

  it('eight connections opening one new database at once apply the migrations once', async () => {
    if (!server) return void skipped()
    const {url} = await freshDatabase()
    // freshDatabase migrated it: start again from an empty database of the same server.
    const admin = new pg.Client({connectionString: server.url})
    await admin.connect()
    await admin.query('CREATE DATABASE racing')
    await admin.end()
    const racing = databaseUrl(url, 'racing')
    const dbs = await Promise.all(Array.from({length: 8}, (_, k) => openPostgres(racing, {applicationName: `harbormaster host ${k}`})))
    opened.push(...dbs)
    const applied = await dbs[0].pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')
    const files = (await import('node:fs')).readdirSync(join(import.meta.dirname, '..', '..', 'drizzle', 'postgres')).filter((f) => f.endsWith('.sql'))
    expect(applied.rows[0].n).toBe(files.length)
    expect(await value(dbs[7], 'nothing')).toBeUndefined()
  })

  it('a server that cannot be reached is one clear error, the password masked', async () => {
    if (!server) return void skipped()
    const port = await freePort()
    const error = await openPostgres(`postgres://harbormaster:s3cret-pw@127.0.0.1:${port}/harbormaster`, {applicationName: 'test'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HarbormasterError)
    expect(String((error as Error).message)).toMatch(/postgres:\/\/harbormaster:\*\*\*@127\.0\.0\.1:\d+\/harbormaster: cannot connect/)
    expect(JSON.stringify(error) + String((error as Error).message) + String((error as HarbormasterError).hint)).not.toContain('s3cret-pw')
  })
})

function skipped(): never {
  throw new Error('PostgreSQL is not installed: skipped')
}
