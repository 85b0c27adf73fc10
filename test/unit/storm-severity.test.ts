// Storm severity: the documented order of marine events, combined with NWS severity and certainty; and the
// storm zones stored before external ids became the NWS alert id, kept (not replaced) by the next run.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ROOT, tempDir} from '../helpers/cli.js'
import {openDatabase} from '../../src/services/db/client.js'
import {adoptLegacyStormIds} from '../../src/services/db/storm-alerts.js'
import {parseAlerts} from '../../src/services/providers/nws.js'
import {isWarning, MARINE_EVENT_ORDER, marineEvent, stormSeverity} from '../../src/services/safety/storm-severity.js'

const LEVEL = {low: 0, medium: 1, high: 2, critical: 3}

describe('storm severity', () => {
  it('follows the documented order: no event is more severe than one above it', () => {
    const levels = MARINE_EVENT_ORDER.map(([, level]) => LEVEL[level])
    for (let i = 1; i < levels.length; i++) expect(levels[i], MARINE_EVENT_ORDER[i][0]).toBeLessThanOrEqual(levels[i - 1])
    expect(MARINE_EVENT_ORDER.map(([event]) => event).slice(0, 2)).toEqual(['Hurricane Force Wind Warning', 'Hurricane Warning'])
  })

  it('ranks hurricane force wind over storm over gale over small craft, for the same NWS severity and certainty', () => {
    const events = ['Hurricane Force Wind Warning', 'Storm Warning', 'Gale Warning', 'Small Craft Advisory']
    expect(events.map((e) => stormSeverity(e, 'Severe', 'Likely'))).toEqual(['critical', 'high', 'medium', 'low'])
    expect(events.map((e) => marineEvent(e)?.rank)).toEqual([1, 5, 14, 24])
  })

  it('raises one step for Extreme, lowers one for Minor or a Possible/Unlikely certainty, never more than one step', () => {
    expect(stormSeverity('Gale Warning', 'Extreme', 'Observed')).toBe('high')
    expect(stormSeverity('Gale Warning', 'Minor', 'Likely')).toBe('low')
    expect(stormSeverity('Gale Warning', 'Moderate', 'Possible')).toBe('low')
    expect(stormSeverity('Gale Warning', 'Extreme', 'Possible')).toBe('medium')
    expect(stormSeverity('Storm Warning', 'Minor', 'Unlikely')).toBe('medium')
    expect(stormSeverity('Hurricane Warning', 'Extreme', 'Observed')).toBe('critical')
    expect(stormSeverity('Small Craft Advisory', 'Minor', 'Possible')).toBe('low')
    // A watch is usually Possible: a Hurricane Watch lands at medium, a Storm Watch at low.
    expect(stormSeverity('Hurricane Watch', 'Extreme', 'Possible')).toBe('high')
    expect(stormSeverity('Hurricane Watch', 'Severe', 'Possible')).toBe('medium')
    expect(stormSeverity('Storm Watch', 'Severe', 'Possible')).toBe('low')
    expect(stormSeverity('Storm Warning', null, null)).toBe('high')
  })

  it("reads every marine event of upstream's test capture, lower-case names too, in the documented order", () => {
    const text = readFileSync(join(ROOT, 'test', 'fixtures', 'weather', 'nws-alerts-active-2.json'), 'utf8')
    const parsed = parseAlerts(JSON.parse(text), Date.parse('2024-01-08T19:48:00Z'))
    expect(parsed.rejected).toEqual([])
    // Upstream lists one alert of every type (ids such as `storm_warning`), all Severe and Likely.
    const everyType = parsed.alerts.filter((a) => !a.externalId.startsWith('urn:'))
    expect(everyType).toHaveLength(28)
    expect(everyType.every((a) => a.nwsSeverity === 'Severe' && a.certainty === 'Likely')).toBe(true)
    const sorted = [...everyType].sort((a, b) => (marineEvent(a.event)?.rank as number) - (marineEvent(b.event)?.rank as number))
    const levels = sorted.map((a) => LEVEL[stormSeverity(a.event, a.nwsSeverity, a.certainty)])
    for (let i = 1; i < levels.length; i++) expect(levels[i]).toBeLessThanOrEqual(levels[i - 1])
    expect(sorted[0].event).toBe('Hurricane Force Wind Warning')
    expect(new Set(everyType.map((a) => a.event)).size).toBe(everyType.length)
  })

  it('counts warnings, not watches, advisories or statements, as warning-level', () => {
    expect(['Storm Warning', 'gale warning', 'Special Marine Warning'].every(isWarning)).toBe(true)
    expect(['Storm Watch', 'Small Craft Advisory', 'Marine Weather Statement'].some(isWarning)).toBe(false)
  })
})

describe('storm zones stored under the former external id', () => {
  it('are renamed to the NWS alert id once, so the next run updates them instead of adding new ones', async () => {
    const tmp = tempDir()
    const db = openDatabase(join(tmp.dir, 'h.db'))
    try {
      const insert = db.sqlite.prepare(
        `INSERT INTO safety_zones (kind, external_id, name, severity, geometry, min_lon, min_lat, max_lon, max_lat, source, observed_at, origin, created_at, updated_at)
         VALUES ('storm', ?, 'z', 'low', '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}', 0, 0, 1, 1, 'live', 0, ?, 0, 0)`,
      )
      insert.run('nws:urn:oid:2.49.0.1.840.0.abc.001.1', 'ingest')
      insert.run('nws-capture:urn:oid:2.49.0.1.840.0.abc.001.1', 'fallback')
      expect(await adoptLegacyStormIds(db)).toBe(1)
      expect(await adoptLegacyStormIds(db)).toBe(0)
      expect(db.sqlite.prepare(`SELECT external_id FROM safety_zones ORDER BY id`).pluck().all()).toEqual([
        'urn:oid:2.49.0.1.840.0.abc.001.1',
        'nws-capture:urn:oid:2.49.0.1.840.0.abc.001.1',
      ])
    } finally {
      db.close()
      tmp.cleanup()
    }
  })
})
