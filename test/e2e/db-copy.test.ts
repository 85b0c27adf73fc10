// db copy through the real CLI: a SQLite database the jobs filled goes to a real PostgreSQL server and back
// to SQLite with identical table contents; a target with data is refused unless --replace; the password of
// a URL never appears in any output.
import {join} from 'node:path'

import Database from 'better-sqlite3'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempDir} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb} from '../helpers/template.js'
import {databaseUrl, postgresForTests, type TestPostgres} from '../helpers/postgres.js'

const NOW = '2026-11-24T12:00:00Z'
const PASSWORD = 'copy-s3cret-word'

/** Every table's rows in primary key order, JSON text compared by content (jsonb orders keys its own way). */
function contents(path: string): Record<string, unknown[]> {
  const db = new Database(path, {readonly: true})
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name`).all() as Array<{name: string}>).map((t) => t.name)
    const out: Record<string, unknown[]> = {}
    for (const table of tables) {
      // By the primary key, or by every column when there is none.
      const columns = db.prepare(`SELECT name, pk FROM pragma_table_info(?) ORDER BY pk`).all(table) as Array<{name: string; pk: number}>
      const keyed = columns.filter((c) => c.pk > 0)
      const key = (keyed.length > 0 ? keyed : columns).map((c) => `"${c.name}"`)
      out[table] = (db.prepare(`SELECT * FROM "${table}" ORDER BY ${key.join(', ')}`).all() as Array<Record<string, unknown>>).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^[[{]/.test(v) ? sorted(JSON.parse(v)) : v])),
      )
    }
    return out
  } finally {
    db.close()
  }
}

/** The same tables, each with the same rows (a table at a time, so a difference names its table). */
function expectSameContents(actual: Record<string, unknown[]>, expected: Record<string, unknown[]>): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected))
  for (const table of Object.keys(expected)) expect(actual[table], table).toEqual(expected[table])
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
  )
}

describe('db copy', () => {
  let server: TestPostgres | null = null
  const temp = tempDir()
  const original = firstUseDb(join(temp.dir, 'original.db'))

  beforeAll(async () => {
    server = await postgresForTests()
    // A database the way operators have one: the seed jobs ran, a user watches a port, an alert rule exists.
    const env = {HARBORMASTER_NOW: NOW}
    expect((await runInProcess(['run-background-jobs', '--quiet', '--db', original], {env})).code).toBe(0)
    expect((await runInProcess(['users', 'add', 'harbour-master', '--role', 'OPERATOR', '--db', original], {env})).code).toBe(0)
    expect((await runInProcess(['watch', 'add', '--user', 'harbour-master', '--port', 'NLRTM', '--db', original], {env})).code).toBe(0)
  })
  afterAll(() => {
    server?.stop()
    temp.cleanup()
  })

  async function createDatabase(name: string): Promise<string> {
    if (!server) throw new Error('no server')
    const admin = new pg.Client({connectionString: server.url})
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const url = new URL(databaseUrl(server.url, name))
    // The test server trusts every local connection: the password is there to be masked, not checked.
    url.password = PASSWORD
    return url.toString()
  }

  it('SQLite to PostgreSQL and back gives the same contents, every table verified, the password never shown', async () => {
    if (!server) return
    const url = await createDatabase('round_trip')
    const there = await runCli(['db', 'copy', '--from', original, '--to', url, '--json'])
    expect(there.code, there.stderr).toBe(0)
    const report = JSON.parse(there.stdout) as {from: string; to: string; rows: number; tables: Array<{table: string; rows: number; checksum: string}>}
    expect(report.to).toContain(':***@')
    const byTable = new Map(report.tables.map((t) => [t.table, t]))
    expect(byTable.get('ports')?.rows).toBeGreaterThan(3000)
    expect(byTable.get('users')?.rows).toBe(1)
    expect(report.tables.findIndex((t) => t.table === 'ports')).toBeLessThan(report.tables.findIndex((t) => t.table === 'port_congestion'))

    const back = join(temp.dir, 'back.db')
    const returned = await runCli(['db', 'copy', '--from', url, '--to', back])
    expect(returned.code, returned.stderr).toBe(0)
    expect(returned.stdout).toMatch(/every table verified/)
    for (const out of [there.stdout, there.stderr, returned.stdout, returned.stderr]) expect(out).not.toContain(PASSWORD)
    expectSameContents(contents(back), contents(original))

    // The ids were copied as they were, and PostgreSQL's sequences moved past them.
    const client = new pg.Client({connectionString: url})
    await client.connect()
    try {
      const max = (await client.query('SELECT max(id)::int AS id FROM ports')).rows[0].id as number
      const inserted = await client.query(`INSERT INTO ports (name, lat, lon, radius_km, origin, created_at, updated_at) VALUES ('New Berth', 1, 1, 1, 'user', 0, 0) RETURNING id`)
      expect(Number(inserted.rows[0].id)).toBeGreaterThan(max)
      // The triggers counted the copied rows as they went in.
      const counted = (await client.query(`SELECT row_count FROM table_rows WHERE table_name = 'ports'`)).rows[0].row_count
      expect(Number(counted)).toBe(max === null ? 1 : (byTable.get('ports')?.rows ?? 0) + 1)
    } finally {
      await client.end()
    }
  })

  it('a target that holds data is refused, left as it was, and replaced only with --replace', async () => {
    if (!server) return
    const url = await createDatabase('occupied')
    expect((await runCli(['db', 'copy', '--from', original, '--to', url, '--quiet'])).code).toBe(0)
    const client = new pg.Client({connectionString: url})
    await client.connect()
    try {
      await client.query(`UPDATE ports SET name = 'Changed Here' WHERE id = 1`)
      const refused = await runCli(['db', 'copy', '--from', original, '--to', url])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/already holds data \(.*ports/)
      expect(refused.stderr).toMatch(/--replace/)
      expect((await client.query('SELECT name FROM ports WHERE id = 1')).rows[0].name).toBe('Changed Here')

      const replaced = await runCli(['db', 'copy', '--from', original, '--to', url, '--replace', '--json'])
      expect(replaced.code, replaced.stderr).toBe(0)
      expect(JSON.parse(replaced.stdout).replaced).toBe(true)
      expect((await client.query('SELECT name FROM ports WHERE id = 1')).rows[0].name).not.toBe('Changed Here')
    } finally {
      await client.end()
    }
  })

  it('SQLite to SQLite works without any server', async () => {
    const copy = join(temp.dir, 'copy.db')
    const result = await runCli(['db', 'copy', '--from', original, '--to', copy, '--batch-size', '500'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/\[\d+\/\d+\] vessel_positions: [\d,]+ row\(s\), checksum [0-9a-f]{16}/)
    expectSameContents(contents(copy), contents(original))
  })
})
