// Piracy risk areas through the real CLI: the safety job's summary says what the type filter excluded and
// why, stores the areas, builds them once and reads them from the cache after that.
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {pointInGeometry, type ZoneGeometry} from '../../src/services/geo/geometry.js'
import {tempDir, withDb} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb, seededDb} from '../helpers/template.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const cacheDir = join(tmp.dir, 'cache')
const env = {HARBORMASTER_CACHE_DIR: cacheDir, HARBORMASTER_NOW: '2026-11-24T12:00:00Z'}

interface StoredZone {
  external_id: string
  severity: string
  geometry: string
  metadata: string
  source: string
  active: number
}

const piracyZones = (db: string) =>
  withDb(db, (d) =>
    d
      .prepare(
        // JSON as text and the flag as 0/1 on either backend (PostgreSQL's jsonb and boolean come back as values).
        `SELECT external_id, severity, CAST(geometry AS TEXT) AS geometry, CAST(metadata AS TEXT) AS metadata, source, CASE WHEN active THEN 1 ELSE 0 END AS active
         FROM safety_zones WHERE kind = 'piracy' ORDER BY external_id`,
      )
      .all() as StoredZone[],
  )

async function safetyRun(db: string) {
  const result = await runInProcess(['run-background-jobs', '--job', 'safety', '--json', '--db', db], {env})
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout).jobs.safety_events.zones.piracy
}

describe('piracy risk areas in the safety job', () => {
  // Seeded beforehand with the tests' shared cache: the job itself finds nothing in its own cache.
  const first = seededDb(join(tmp.dir, 'a', 'harbormaster.db'))
  const second = firstUseDb(join(tmp.dir, 'b', 'harbormaster.db'))

  it('reports the records excluded as not piracy, by reason, and stores the areas it builds', async () => {
    const piracy = await safetyRun(first)
    expect(piracy.built_from).toBe('data')
    expect(readdirSync(cacheDir).filter((f) => /^piracy-zones-[0-9a-f]{32}\.json$/.test(f))).toHaveLength(1)
    expect(piracy.source).toBe('emergency')
    expect(piracy.observed_at).toBe('2022-06-01T00:00:00.000Z')
    expect(piracy.incidents).toBeGreaterThan(4900)
    expect(piracy.excluded_by_reason.military_or_state_action).toBeGreaterThanOrEqual(30)
    expect(piracy.excluded_by_reason.protest).toBeGreaterThanOrEqual(6)
    const reasons = Object.values(piracy.excluded_by_reason as Record<string, number>).reduce((a, b) => a + b, 0)
    const types = Object.values(piracy.piracy_by_type as Record<string, number>).reduce((a, b) => a + b, 0)
    expect(reasons).toBe(piracy.excluded)
    expect(types + reasons).toBe(piracy.incidents)
    expect(piracy.piracy_by_type.hijacking).toBeGreaterThan(100)
    expect(piracy.zones).toBeGreaterThan(20)
    expect(piracy.area_km2).toBeLessThan(2_000_000)

    const stored = piracyZones(first)
    expect(stored).toHaveLength(piracy.zones)
    expect(stored.every((z) => z.active === 1 && z.source === 'emergency')).toBe(true)
    const bySeverity = stored.reduce<Record<string, number>>((acc, z) => ({...acc, [z.severity]: (acc[z.severity] ?? 0) + 1}), {})
    expect(bySeverity).toEqual(Object.fromEntries(Object.entries(piracy.zones_by_severity).filter(([, n]) => (n as number) > 0)))
    for (const z of stored) {
      const meta = JSON.parse(z.metadata)
      expect(Object.keys(meta.incidents_by_type).sort()).toEqual(['attempted_boarding', 'boarding', 'fired_upon', 'hijacking', 'kidnapping', 'suspicious_approach'])
      expect(meta.data_as_of).toBe('2022-06-01T00:00:00.000Z')
      expect(meta.newest_incident_at).toMatch(/^20\d\d-\d\d-\d\dT00:00:00.000Z$/)
    }
    // No area over Odesa's berths or the Rotterdam and Antwerp approaches (war and protests, not piracy).
    for (const [lon, lat] of [[30.75, 46.49], [3.98, 51.63], [4.32, 51.32]]) {
      expect(stored.some((z) => pointInGeometry(JSON.parse(z.geometry) as ZoneGeometry, lon, lat))).toBe(false)
    }
  })

  it('builds once per machine: a second database gets the same areas from the cache', async () => {
    const again = await safetyRun(second)
    expect(again.built_from).toBe('cache')
    const a = piracyZones(first)
    const b = piracyZones(second)
    expect(b.map((z) => z.external_id)).toEqual(a.map((z) => z.external_id))
    expect(b.map((z) => z.geometry)).toEqual(a.map((z) => z.geometry))
  })

  it('leaves the stored areas unchanged on the next run', async () => {
    const next = await safetyRun(first)
    expect(next.built_from).toBe('cache')
    expect(next).toMatchObject({created: 0, updated: 0, deactivated: 0})
    expect(next.unchanged).toBe(next.zones)
  })
})
