// The PostgreSQL backend as the end-to-end suite uses it: databases cloned from the run's templates hold
// what the SQLite templates hold, direct reads and writes reach them, and a command given a URL it cannot
// use says so without showing the password.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {count, runCli, tempDir, withDb} from '../helpers/cli.js'
import {backend, emptyDb, firstUseDb, openTestDb, seededDb} from '../helpers/template.js'

describe('the test databases of this backend', () => {
  let dir: string
  let cleanup: () => void
  beforeAll(() => ({dir, cleanup} = tempDir()))
  afterAll(() => cleanup())

  it('clones the seeded template with its ports, zones and sample vessels', async () => {
    const db = seededDb(`${dir}/seeded.db`)
    expect(db.startsWith('postgres')).toBe(backend() === 'postgres')
    expect(count(db, 'SELECT count(*) FROM ports')).toBeGreaterThan(3000)
    expect(count(db, 'SELECT count(*) FROM safety_zones')).toBeGreaterThan(0)
    expect(count(db, 'SELECT count(*) FROM vessels')).toBeGreaterThan(0)
    const first = firstUseDb(`${dir}/first.db`)
    expect(count(first, 'SELECT count(*) FROM vessels')).toBe(0)
    expect(count(first, 'SELECT count(*) FROM ports')).toBe(count(db, 'SELECT count(*) FROM ports'))
  })

  it('gives every test its own database: writes to one are not seen in another', () => {
    const a = seededDb(`${dir}/a.db`)
    const b = seededDb(`${dir}/b.db`)
    const before = count(b, 'SELECT count(*) FROM users')
    withDb(a, (d) => d.prepare(`INSERT INTO users (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)`).run('ana', 'viewer', 'x'.repeat(64), 1))
    expect(count(a, 'SELECT count(*) FROM users WHERE name = ?', 'ana')).toBe(1)
    expect(count(b, 'SELECT count(*) FROM users')).toBe(before)
  })

  it('opens an empty migrated database as the services do', async () => {
    const location = emptyDb(`${dir}/empty.db`)
    const db = await openTestDb(location)
    try {
      expect(db.dialect).toBe(backend())
      const rows = await db.orm.select().from(db.t.ports)
      expect(rows).toEqual([])
    } finally {
      await db.close()
    }
  })
})

describe('a PostgreSQL URL a command cannot use', () => {
  it('fails with what to do, the password shown as ***', async () => {
    const result = await runCli(['jobs', 'list', '--db', 'postgres://harbor:s3cret-pw@127.0.0.1:1/nowhere'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/cannot connect/)
    expect(result.stderr).toContain('***')
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw')
  })
})
