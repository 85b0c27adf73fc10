// The worker behind test/helpers/test-db.ts: runs a PostgreSQL statement for a test that arranges or
// asserts rows synchronously, as it does with better-sqlite3 on SQLite. One connection per database URL.
import pg from 'pg'
import {runAsWorker} from 'synckit'

// As harbormaster reads them: int8 and numeric as JS numbers.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10))
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v))

const clients = new Map()

async function client(url) {
  let c = clients.get(url)
  if (!c) {
    c = new pg.Client({connectionString: url, application_name: 'harbormaster tests'})
    c.on('error', () => clients.delete(url))
    await c.connect()
    clients.set(url, c)
  }
  return c
}

runAsWorker(async (url, sql, params) => {
  if (sql === null) {
    const c = clients.get(url)
    clients.delete(url)
    await c?.end().catch(() => undefined)
    return {rows: [], rowCount: 0}
  }
  const result = await (await client(url)).query(sql, params)
  const last = Array.isArray(result) ? result.at(-1) : result
  return {rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0}
})
