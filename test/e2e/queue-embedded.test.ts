// What the embedded engine adds to the queue contract on SQLite: an enqueue inside a caller's write
// transaction commits or rolls back with it, and one made while another flow's transaction is open on the
// connection neither joins it nor is lost with it.
import {sql} from 'drizzle-orm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {rawRows} from '../../src/services/db/query.js'
import {write} from '../../src/services/db/transaction.js'
import {enqueue} from '../../src/services/queue/queue.js'
import {tempDir} from '../helpers/cli.js'
import {openQueueHarness} from '../helpers/queue-contract.js'

describe('embedded queue engine on SQLite', () => {
  let dir: string
  let cleanup: () => void
  const closers: Array<() => Promise<void>> = []
  beforeAll(() => ({dir, cleanup} = tempDir()))
  afterAll(async () => {
    for (const close of closers) await close()
    cleanup()
  })
  const open = async (name: string) => {
    const h = await openQueueHarness(dir, name, 'sqlite')
    closers.push(h.close)
    return h
  }
  const settingCount = async (db: Parameters<typeof rawRows>[0]) => (await rawRows<{n: number}>(db, sql`SELECT count(*) AS n FROM settings`))[0].n

  it('commits an enqueue with the write transaction it was made in, and rolls it back with it', async () => {
    const {ctx, engine} = await open('joined')
    const kept = await write(ctx.db, async () => enqueue(ctx, {type: 'system:canary', payload: {note: 'kept'}}))
    const lost = await write(ctx.db, async () => {
      const job = await enqueue(ctx, {type: 'system:canary', payload: {note: 'lost'}})
      expect(await engine.get(job.id)).toBeDefined()
      throw new Error('the work that caused the job failed')
    }).catch((error: Error) => error)
    expect((lost as Error).message).toBe('the work that caused the job failed')
    const jobs = await engine.list({})
    expect(jobs.map((j) => j.id)).toEqual([kept.id])
    expect(jobs[0].payload).toMatchObject({note: 'kept'})
  })

  it("keeps its changes out of another flow's open transaction: that one rolling back loses none of them", async () => {
    const {ctx, engine} = await open('apart')
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let inside!: () => void
    const opened = new Promise<void>((resolve) => (inside = resolve))
    const other = write(ctx.db, async () => {
      await rawRows(ctx.db, sql`INSERT INTO settings (key, value, updated_at) VALUES ('queue-test', '1', 0) RETURNING key`)
      inside()
      await gate
      throw new Error('the other flow fails')
    }).catch((error: Error) => error)
    await opened
    // Called while the other flow's transaction is open on the connection (the engine reaches the database
    // before its first await).
    expect(ctx.db.dialect === 'sqlite' && ctx.db.sqlite.inTransaction).toBe(true)
    const job = engine.enqueue({type: 'system:canary', payload: {}, queue: 'default'})
    release()
    expect(((await other) as Error).message).toBe('the other flow fails')
    const {id} = await job
    expect(await settingCount(ctx.db)).toBe(0)
    const [claimed] = await engine.fetch('default', 1, 'w1')
    expect(claimed.id).toBe(id)
    await engine.complete(id)
    expect(await engine.get(id)).toMatchObject({state: 'completed'})
  })
})
