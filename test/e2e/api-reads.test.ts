// serve answers requests while its own background runs write, in one process: a request never sees a batch
// half written, on SQLite (serve's second, read-only connection) as on PostgreSQL (the pool's connections),
// and sees all of it once it is committed; answers kept per data version are replaced then, not before.
import {join} from 'node:path'

import type {FastifyInstance} from 'fastify'
import {afterAll, describe, expect, it} from 'vitest'

import {AnswerCache} from '../../src/services/api/answers.js'
import {buildServer} from '../../src/services/api/server.js'
import {cacheSummary, entriesOf, writeCache} from '../../src/services/cache/api-cache.js'
import {fixedClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {openDatabase} from '../../src/services/db/client.js'
import {dataVersion} from '../../src/services/db/data-version.js'
import {openAnyDatabase} from '../../src/services/db/open.js'
import {read} from '../../src/services/db/query.js'
import {type AnyDb, write} from '../../src/services/db/transaction.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {checkQuota, recordRequest} from '../../src/services/providers/usage.js'
import {tempDir} from '../helpers/cli.js'
import {backend, emptyDb} from '../helpers/template.js'

const NOW = Date.parse('2026-11-24T12:00:00Z')
const ADMIN_TOKEN = 'bootstrap-admin-token-0123456789'
const BATCH = 10

const entry = (i: number) => ({key: `nws:/alerts/test-${i}`, provider: 'nws', payload: JSON.stringify({features: [], n: i}), fetchedAt: NOW - i * 1000, ttlSeconds: 300})

function contextOf(location: string, db: AnyDb): Context {
  return {config: loadConfig({dbPath: location, env: {HARBORMASTER_API_RATE_LIMIT: '0', HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN}}), db, logger: silentLogger, clock: fixedClock(NOW)}
}

/**
 * A batch of cache entries written in one transaction that stops halfway until the test lets it go on:
 * `midway` resolves once half the batch is written (uncommitted), `finish()` lets the rest go and commit.
 */
function halfWrittenBatch(db: AnyDb) {
  let reached!: () => void
  let resume!: () => void
  const midway = new Promise<void>((resolve) => (reached = resolve))
  const goOn = new Promise<void>((resolve) => (resume = resolve))
  const done = write(db, async () => {
    for (let i = 0; i < BATCH / 2; i++) await writeCache(db, entry(i))
    reached()
    await goOn
    for (let i = BATCH / 2; i < BATCH; i++) await writeCache(db, entry(i))
  })
  return {midway, done, finish: () => resume()}
}

const temp = tempDir()
const opened: AnyDb[] = []
let n = 0
afterAll(async () => {
  for (const db of opened) await db.close()
  temp.cleanup()
})

/** A new empty database of this run's backend, opened as serve opens it. */
async function open(): Promise<{location: string; db: AnyDb}> {
  const location = emptyDb(join(temp.dir, `reads-${++n}.db`))
  const db = await openAnyDatabase(location, {applicationName: 'harbormaster serve', readConnection: true})
  opened.push(db)
  return {location, db}
}

describe(backend() === 'sqlite' ? 'SQLite, as serve opens it (a read connection beside the write one)' : 'PostgreSQL (a connection of the pool for each flow)', () => {
  it('a request during a write sees none of its batch, and all of it once committed', async () => {
    const {location, db} = await open()
    const ctx = contextOf(location, db)
    const app: FastifyInstance = buildServer(ctx)
    try {
      const base = await app.listen({host: '127.0.0.1', port: 0})
      const cacheOfNws = async () => {
        const response = await fetch(`${base}/api/cache/nws/`, {headers: {authorization: `Bearer ${ADMIN_TOKEN}`}})
        expect(response.status).toBe(200)
        return ((await response.json()) as {entries: Array<{key: string}>}).entries
      }
      const batch = halfWrittenBatch(db)
      let counted: Promise<void> | undefined
      try {
        await batch.midway
        // Every flow but the writer's sees the database as it was.
        expect(await cacheOfNws()).toEqual([])
        expect((await cacheSummary(db)).get('nws')).toBeUndefined()
        // A snapshot read does not wait for the write to end (it would never end: the test holds it).
        expect(await read(db, () => entriesOf(db, 'nws'))).toEqual([])
        // A write from a request meanwhile (a call counted) is neither lost nor mixed into the batch.
        counted = recordRequest(ctx, 'nws')
      } finally {
        batch.finish()
        await Promise.all([batch.done, counted])
      }
      expect((await cacheOfNws()).map((e) => e.key)).toEqual(Array.from({length: BATCH}, (_, i) => entry(i).key))
      expect((await cacheSummary(db)).get('nws')).toEqual({entries: BATCH, newestAt: NOW})
      expect(await checkQuota(ctx, 'nws')).toMatchObject({used: 1})
    } finally {
      await app.close()
    }
  })

  it('an answer kept while a batch is half written is replaced once it commits, not before', async () => {
    const {db} = await open()
    const answers = new AnswerCache(db)
    let computed = 0
    const count = () =>
      answers.answer('nws', async () => {
        computed++
        return {status: 200, body: JSON.stringify((await entriesOf(db, 'nws')).length)}
      })
    const before = await count()
    expect(before.body).toBe('0')
    const versionBefore = await dataVersion(db)
    const batch = halfWrittenBatch(db)
    try {
      await batch.midway
      // Nothing committed: the answer is the one kept before the batch.
      const during = await count()
      expect(during.body).toBe('0')
      expect(during.etag).toBe(before.etag)
      // On SQLite the version stands, and the kept answer is served without computing it again. PostgreSQL's
      // moves whenever any transaction on the server ends (other databases' too): it may be computed again,
      // from committed rows only.
      if (backend() === 'sqlite') {
        expect(await dataVersion(db)).toBe(versionBefore)
        expect(computed).toBe(1)
      }
    } finally {
      batch.finish()
      await batch.done
    }
    expect(await dataVersion(db)).not.toBe(versionBefore)
    const after = await count()
    expect(after.body).toBe(String(BATCH))
    expect(after.etag).not.toBe(before.etag)
    expect((await count()).body).toBe(String(BATCH))
  })

  it.runIf(backend() === 'sqlite')('on its one connection alone, a read meets the half-written batch: why serve opens a second', async () => {
    const db = openDatabase(join(temp.dir, 'one-connection.db'))
    opened.push(db)
    const batch = halfWrittenBatch(db)
    try {
      await batch.midway
      expect(await db.orm.select().from(db.t.apiCache)).toHaveLength(BATCH / 2)
    } finally {
      batch.finish()
      await batch.done
    }
  })
})
