// The data version on SQLite: requests answered in one turn of the event loop share one read of it, a write
// this process ends moves it at once, and another connection's commit is seen from the next turn on.
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterAll, expect, it} from 'vitest'

import {yieldToEventLoop as nextTurn} from '../../src/services/cancel.js'
import {openDatabase} from '../../src/services/db/client.js'
import {dataVersion} from '../../src/services/db/data-version.js'
import {write} from '../../src/services/db/transaction.js'
import {tempDir} from '../helpers/cli.js'
import {emptyDb} from '../helpers/template.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

it('is kept for the turn, moves at once on a write of this process, and sees another connection from the next turn', async () => {
  const path = emptyDb(join(tmp.dir, 'version.db'))
  const db = openDatabase(path)
  const other = new Database(path)
  try {
    const first = await dataVersion(db)
    expect(await dataVersion(db)).toBe(first)

    // Another connection commits: this turn keeps the version it read, the next one reads it again.
    other.prepare(`INSERT INTO api_cache (key, source, payload, fetched_at, ttl_seconds) VALUES ('a', 'nws', '{}', 1, 60)`).run()
    expect(await dataVersion(db)).toBe(first)
    await nextTurn()
    const second = await dataVersion(db)
    expect(second).not.toBe(first)

    // A write this process ends moves it in the same turn.
    await write(db, async () => {
      db.sqlite.prepare(`INSERT INTO api_cache (key, source, payload, fetched_at, ttl_seconds) VALUES ('b', 'nws', '{}', 1, 60)`).run()
    })
    const third = await dataVersion(db)
    expect(third).not.toBe(second)

    // Nothing written: the same version turn after turn.
    await nextTurn()
    expect(await dataVersion(db)).toBe(third)
  } finally {
    other.close()
    db.close()
  }
})
