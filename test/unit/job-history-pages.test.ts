// The web page's run history on both databases: keyset pages newest first (ties on the start broken by id)
// walked to the end and back, each filter (job, status, the trigger's kind, since) and their combinations, and
// one run read back whole with its error and stack.
import {join} from 'node:path'

import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {systemClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {openDatabase} from '../../src/services/db/client.js'
import {finishRunRow, insertRunningRun, insertSkippedRun} from '../../src/services/db/job-runs.js'
import {openPostgres} from '../../src/services/db/pg-client.js'
import type {AnyDb} from '../../src/services/db/transaction.js'
import {historyPage, runDetail} from '../../src/services/jobs/status.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {tempDir} from '../helpers/cli.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

const T0 = Date.parse('2026-11-29T00:00:00Z')
const TRIGGERS = ['cli', 'scheduler 2026-11-29T00:00:00Z', 'queue', 'web', 'scheduler 2026-11-29T00:15:00Z']

function historyRules(open: () => Promise<{db: AnyDb; location: string}>) {
  let ctx: Context
  /** Every run's id, in the order the history lists them (newest first). */
  let newestFirst: number[]
  let failed = 0

  beforeAll(async () => {
    const {db, location} = await open()
    ctx = {config: loadConfig({env: {}, dbPath: location}), db, logger: silentLogger, clock: systemClock}
    const runs: Array<{id: number; at: number}> = []
    // 12 runs, two to a start time (ties), jobs and triggers in turn; every third failed.
    for (let i = 0; i < 12; i++) {
      const at = T0 + Math.floor(i / 2) * 60_000
      const job = i % 2 === 0 ? 'vessels' : 'cleanup'
      const trigger = TRIGGERS[i % TRIGGERS.length]
      if (i === 11) {
        await insertSkippedRun(db, {job, at, trigger, reason: 'paused', host: 'h', pid: 1})
        runs.push({id: runs.at(-1)!.id + 1, at})
        continue
      }
      const id = await insertRunningRun(db, {job, startedAt: at, host: 'h', pid: 1, trigger, startRssBytes: 1})
      const bad = i % 3 === 0
      await finishRunRow(db, id, {status: bad ? 'failed' : 'success', completedAt: at + 10, durationMs: 10, peakRssBytes: 1, ...(bad ? {error: `failure ${i}`, errorStack: `Error: failure ${i}\n    at work`} : {})})
      if (bad) failed = id
      runs.push({id, at})
    }
    newestFirst = runs.sort((a, b) => b.at - a.at || b.id - a.id).map((r) => r.id)
  })
  afterAll(async () => {
    if (ctx.db.dialect === 'sqlite') ctx.db.close()
    else await ctx.db.close()
  })

  it('walks every page newest first and back again, ties broken by id', async () => {
    const seen: number[] = []
    const cursors: string[] = []
    let page = await historyPage(ctx, {}, {limit: 5})
    expect(page.newer).toBeNull()
    for (;;) {
      seen.push(...page.runs.map((r) => r.id))
      if (!page.older) break
      cursors.push(page.older)
      page = await historyPage(ctx, {}, {before: page.older, limit: 5})
    }
    expect(seen).toEqual(newestFirst)
    expect(cursors).toHaveLength(2)
    // Back from the last page: the page before it, whole.
    expect(page.newer).not.toBeNull()
    const back = await historyPage(ctx, {}, {after: page.newer as string, limit: 5})
    expect(back.runs.map((r) => r.id)).toEqual(newestFirst.slice(5, 10))
    expect(back.older).not.toBeNull()
  })

  it('filters by job, status, trigger kind and since, alone and together', async () => {
    const all = (await historyPage(ctx, {}, {limit: 100})).runs
    const ids = async (filter: Parameters<typeof historyPage>[1]) => (await historyPage(ctx, filter, {limit: 100})).runs.map((r) => r.id)
    expect(await ids({job: 'vessels'})).toEqual(all.filter((r) => r.job === 'vessels').map((r) => r.id))
    expect(await ids({status: 'failed'})).toEqual(all.filter((r) => r.status === 'failed').map((r) => r.id))
    expect(await ids({trigger: 'scheduler'})).toEqual(all.filter((r) => r.trigger.startsWith('scheduler ')).map((r) => r.id))
    expect(await ids({trigger: 'web'})).toEqual(all.filter((r) => r.trigger === 'web').map((r) => r.id))
    expect(await ids({since: T0 + 4 * 60_000})).toEqual(all.filter((r) => r.startedAt >= T0 + 4 * 60_000).map((r) => r.id))
    const both = all.filter((r) => r.job === 'vessels' && r.trigger.startsWith('scheduler ') && r.status === 'success').map((r) => r.id)
    expect(both.length).toBeGreaterThan(0)
    expect(await ids({job: 'vessels', trigger: 'scheduler', status: 'success'})).toEqual(both)
    expect(await ids({job: 'cleanup', status: 'running'})).toEqual([])
  })

  it('reads one run whole: its error and stack', async () => {
    const detail = await runDetail(ctx, failed)
    expect(detail?.run).toMatchObject({status: 'failed', error: expect.stringMatching(/^failure \d+$/), errorStack: expect.stringMatching(/^Error: failure \d+\n {4}at work$/)})
    expect(detail?.holder).toBeNull()
    expect(await runDetail(ctx, 10_000)).toBeUndefined()
  })
}

describe('SQLite', () => {
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())
  historyRules(async () => {
    const location = join(tmp.dir, 'history.db')
    return {db: openDatabase(location), location}
  })
})

describe('PostgreSQL', () => {
  let server: TestPostgres | null = null
  beforeAll(async () => {
    server = await postgresForTests()
    if (!server) return
    const client = new pg.Client({connectionString: server.url})
    await client.connect()
    await client.query('CREATE DATABASE job_history')
    await client.end()
  })
  afterAll(() => server?.stop())
  historyRules(async () => {
    if (!server) throw new Error('PostgreSQL is not installed: skipped')
    const location = databaseUrl(server.url, 'job_history')
    return {db: await openPostgres(location, {applicationName: 'harbormaster history test'}), location}
  })
})
