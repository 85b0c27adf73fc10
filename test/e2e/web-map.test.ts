// The map and providers pages in Chromium against the real `serve`: the map draws one marker per port that
// `ports congestion --json` lists, each a link to its figures, and colours the storm zone arranged from the NWS
// outline of zone PKZ413 (test/fixtures); the providers page says what `providers status --json` says; both
// pages at a laptop's and a phone's size, screenshots of each, no console errors.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Browser, Page} from 'playwright-core'
import {afterAll, beforeAll, expect, it} from 'vitest'

import {EVENT_STYLES, PORT_STYLES, rgbOf, ZONE_STYLES} from '../../src/services/report/palette.js'
import {mapFrame} from '../../src/services/report/world-map.js'
import {describeInBrowser, launchBrowser, screenshot, signIn, startWebServer, VIEWPORTS, watchConsole, type WebServer} from '../helpers/browser.js'
import {ROOT, runCli, tempDir, withDb} from '../helpers/cli.js'
import {seededDb} from '../helpers/template.js'

const HOUR = 3_600_000
const NOW = Date.parse('2026-11-24T12:00:00Z')
const env = {HARBORMASTER_NOW: new Date(NOW).toISOString(), HARBORMASTER_QUOTAS: 'open-meteo=200/day,nws=1000/hour'}
const tmp = tempDir()
const db = seededDb(join(tmp.dir, 'harbormaster.db'))

/** The NWS forecast zone PKZ413 (Bering Sea, reaching 180°) as api.weather.gov serves it. */
const PKZ413 = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'weather', 'nws-zone-PKZ413.json'), 'utf8')) as {
  geometry: {type: 'Polygon'; coordinates: number[][][]}
  properties: {name: string}
}
/** A point well inside PKZ413 (171°W to 180°, 53.1°N to 56°N), away from its edges. */
const INSIDE_PKZ413: [number, number] = [-175.5, 54.6]

/** Ports with congestion data: a severe, a high and a normal one; and one whose snapshot says no data. */
const SNAPSHOTS = [
  {code: 'BGVAR', level: 'severe', waiting: 9, berth: 2, median: 31.5},
  {code: 'NLRTM', level: 'high', waiting: 6, berth: 14, median: 12.25},
  {code: 'SGKEP', level: 'normal', waiting: 3, berth: 40, median: 2},
  {code: 'USNYC', level: 'no_data', waiting: null, berth: null, median: null},
] as const

const ids = {ports: new Map<string, number>(), zone: 0}
let server: WebServer
let browser: Browser

beforeAll(async () => {
  withDb(db, (d) => {
    const port = (code: string) => (d.prepare(`SELECT id FROM ports WHERE unlocode = ?`).get(code) as {id: number}).id
    const snapshot = d.prepare(
      `INSERT INTO port_congestion (port_id, observed_at, window_start, vessels_waiting, vessels_at_berth, vessels_in_port, level, baseline_waiting,
         baseline_samples, median_wait_hours, waits_counted, trend, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1.5, 28, ?, 12, 'rising', 'live', ?)`,
    )
    for (const s of SNAPSHOTS) {
      ids.ports.set(s.code, port(s.code))
      snapshot.run(port(s.code), NOW - HOUR, NOW - 7 * HOUR, s.waiting, s.berth, s.waiting === null ? null : s.waiting + s.berth, s.level, s.median, NOW - HOUR)
    }
    const ring = PKZ413.geometry.coordinates[0]
    const lons = ring.map((p) => p[0])
    const lats = ring.map((p) => p[1])
    const zone = d
      .prepare(
        `INSERT INTO safety_zones (kind, external_id, name, severity, geometry, min_lon, min_lat, max_lon, max_lat, valid_from, valid_to, source, observed_at, origin, created_at, updated_at)
         VALUES ('storm', 'web-map-test:PKZ413', ?, 'critical', ?, ?, ?, ?, ?, ?, ?, 'live', ?, 'ingest', ?, ?)`,
      )
      .run(`Gale warning: ${PKZ413.properties.name}`, JSON.stringify(PKZ413.geometry), Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats), NOW - 6 * HOUR, NOW + 6 * HOUR, NOW - 6 * HOUR, NOW, NOW)
    ids.zone = Number(zone.lastInsertRowid)
    const event = d.prepare(
      `INSERT INTO safety_events (type, severity, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at) VALUES (?, 'high', ?, ?, ?, ?, 'live', ?, ?, ?)`,
    )
    event.run('distress', 'web-map-test-1', 'Distress call in the North Atlantic', 22, -38, NOW - 2 * HOUR, NOW - 2 * HOUR, NOW - 2 * HOUR)
    event.run('ais_gap', 'web-map-test-2', 'AIS gap without a position', null, null, NOW - 3 * HOUR, NOW - 3 * HOUR, NOW - 3 * HOUR)
    // Providers: NWS answering; Open-Meteo failing since three hours (past the two-hour grace), 150 of its 200 daily calls used, one cached answer.
    const state = d.prepare(
      `INSERT INTO provider_state (provider, last_success_at, last_error_at, last_error, fallback_since, last_source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    state.run('nws', NOW - 10 * 60_000, null, null, null, 'live', NOW - 10 * 60_000)
    state.run('open-meteo', NOW - 5 * HOUR, NOW - 5 * 60_000, 'HTTP 503 Service Unavailable', NOW - 3 * HOUR, 'cached', NOW - 5 * 60_000)
    const day = Math.floor(NOW / (24 * HOUR)) * 24 * HOUR
    d.prepare(`INSERT INTO provider_usage (provider, window_start, requests) VALUES ('open-meteo', ?, 150), ('nws', ?, 40)`).run(day, Math.floor(NOW / HOUR) * HOUR)
    d.prepare(`INSERT INTO api_cache (key, source, payload, fetched_at, ttl_seconds) VALUES ('open-meteo:test', 'open-meteo', '{}', ?, 3600)`).run(NOW - HOUR)
  })
  server = await startWebServer(db, env)
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  tmp.cleanup()
})

/** Where a longitude and latitude is on the page: the map's projection scaled to the drawn SVG. */
async function screenPoint(page: Page, lon: number, lat: number): Promise<{x: number; y: number}> {
  const xy = mapFrame().projection([lon, lat])
  if (!xy) throw new Error(`${lon},${lat} is not on the map`)
  return page.evaluate(([px, py]) => {
    const svg = document.querySelector('figure.world-map svg')
    const box = svg.getBoundingClientRect()
    const view = svg.viewBox.baseVal
    return {x: box.left + (px * box.width) / view.width, y: box.top + (py * box.height) / view.height}
  }, xy)
}

// What the callbacks run by page.evaluate find in the browser (the tests' TypeScript has no DOM library).
interface BrowserElement {
  id: string
  innerText: string
  getAttribute(name: string): string | null
  closest(selector: string): BrowserElement | null
  querySelector(selector: string): BrowserElement | null
}
declare const document: {querySelector(selector: string): any; elementFromPoint(x: number, y: number): BrowserElement | null}
declare function getComputedStyle(element: unknown): {fill: string}


/**
 * What the page showed that it should not. Chromium asks a fresh browser for /favicon.ico, which serve does not
 * have (the layout links no icon): that one 404 is left to the layout; any other missing resource counts.
 */
function watchPage(page: Page): {problems: () => string} {
  const watch = watchConsole(page)
  const missing: string[] = []
  page.on('response', (response) => {
    if (response.status() === 404) missing.push(new URL(response.url()).pathname)
  })
  return {
    problems: () =>
      watch.problems
        .filter((p) => !(p.includes('status of 404') && missing.every((path) => path === '/favicon.ico')))
        .join('\n'),
  }
}

const rgb = (hex: string) => `rgb(${rgbOf(hex).join(', ')})`

describeInBrowser('web map and providers pages', () => {
  let congestion: {ports: Array<{port_id: number; level: string; name: string; waiting: number | null}>}
  let providers: {providers: Array<Record<string, any>>}

  it('the CLI lists the arranged ports and providers', async () => {
    const [ports, status] = await Promise.all([runCli(['ports', 'congestion', '--json', '--db', db], {env}), runCli(['providers', 'status', '--json', '--db', db], {env})])
    expect(ports.code, ports.stderr).toBe(0)
    expect(status.code, status.stderr).toBe(0)
    congestion = JSON.parse(ports.stdout)
    providers = JSON.parse(status.stdout)
    expect(congestion.ports.map((p) => p.port_id).sort()).toEqual(['BGVAR', 'NLRTM', 'SGKEP'].map((c) => ids.ports.get(c)).sort())
  })

  for (const viewport of VIEWPORTS) {
    it(`draws one marker per port with congestion data, coloured by level, and the storm zone (${viewport.name})`, async () => {
      const page = await browser.newPage({viewport})
      const watch = watchPage(page)
      await signIn(page, server.base, server.adminToken)
      await page.goto(`${server.base}/map`)
      const markers = await page.$$eval('figure.world-map a.marker[data-kind="port"]', (links) =>
        links.map((a) => ({id: a.id, level: a.getAttribute('data-level'), fill: getComputedStyle(a.querySelector('circle')).fill})),
      )
      expect(markers.map((m) => m.id).sort()).toEqual(congestion.ports.map((p) => `port-${p.port_id}`).sort())
      expect(markers).toHaveLength(3)
      for (const p of congestion.ports) {
        const style = PORT_STYLES.find((s) => s.level === p.level)
        expect(markers.find((m) => m.id === `port-${p.port_id}`), p.name).toEqual({id: `port-${p.port_id}`, level: p.level, fill: rgb(style?.fill ?? '')})
      }
      // The port whose snapshot says no data has no marker; the levels are written in the legend and the ports table.
      expect(await page.locator(`#port-${ids.ports.get('USNYC')}`).count()).toBe(0)
      await expect(page.locator('.map-legend').innerText()).resolves.toMatch(/Port: severe[\s\S]*Port: high[\s\S]*Zone: storm/)
      const rows = await page.$$eval('#map-ports-title + .scroll table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent?.trim())))
      expect(rows.map(([, level]) => level)).toEqual(['severe', 'high', 'normal'])

      // The storm zone: what the browser finds at a point inside PKZ413 is the zone's link, filled in the storm colour.
      const at = await screenPoint(page, ...INSIDE_PKZ413)
      const hit = await page.evaluate(({x, y}) => {
        const el = document.elementFromPoint(x, y)
        const link = el?.closest('a')
        return {id: link?.id, kind: link?.getAttribute('data-zone'), fill: el ? getComputedStyle(el).fill : null, href: link?.getAttribute('href')}
      }, at)
      expect(hit).toEqual({id: `zone-${ids.zone}`, kind: 'storm', fill: rgb(ZONE_STYLES.storm.colour), href: `/map?zone=${ids.zone}#details`})
      // The event with a position is drawn, the one without is counted.
      expect(await page.locator('a.marker[data-kind="event"]').evaluateAll((links) => links.map((a) => getComputedStyle(a.querySelector('path')).fill))).toEqual([
        rgb(EVENT_STYLES.distress.colour),
      ])
      await expect(page.locator('figure.world-map figcaption').innerText()).resolves.toContain('(1 without)')
      await screenshot(page, 'map', viewport)
      expect(watch.problems()).toBe('')
      await page.close()
    })

    it(`a port marker leads to the port's congestion figures, by mouse and by keyboard (${viewport.name})`, async () => {
      const page = await browser.newPage({viewport})
      const watch = watchPage(page)
      await signIn(page, server.base, server.adminToken)
      await page.goto(`${server.base}/map`)
      const varna = ids.ports.get('BGVAR')
      if (viewport.name === 'desktop') {
        await Promise.all([page.waitForURL(`**/map?port=${varna}#details`), page.click(`#port-${varna}`)])
      } else {
        await page.focus(`#port-${varna}`)
        await Promise.all([page.waitForURL(`**/map?port=${varna}#details`), page.keyboard.press('Enter')])
      }
      const details = page.locator('#details')
      await expect(details.locator('h2').innerText()).resolves.toMatch(/^Port Varna/)
      const figures = Object.fromEntries(
        await details.locator('table.figures tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent?.trim(), tr.querySelector('td')?.textContent?.trim()])),
      )
      expect(figures).toMatchObject({'Congestion level': 'severe', 'Vessels waiting': '9', 'Vessels at berth': '2', 'Median wait': '31.5 h (12 waits)', Trend: 'rising', Source: 'live'})
      await expect(page.locator(`#port-${varna}`).getAttribute('aria-current')).resolves.toBe('true')
      await screenshot(page, 'map-details', viewport)

      // The zone's details: from the zones table.
      await Promise.all([page.waitForURL(`**/map?zone=${ids.zone}#details`), page.click(`#map-zones-title + .scroll table a[href="/map?zone=${ids.zone}#details"]`)])
      await expect(details.innerText()).resolves.toContain(PKZ413.properties.name)
      expect(watch.problems()).toBe('')
      await page.close()
    })

    it(`the providers page says what providers status --json says (${viewport.name})`, async () => {
      const page = await browser.newPage({viewport})
      const watch = watchPage(page)
      await signIn(page, server.base, server.adminToken)
      await page.goto(`${server.base}/providers`)
      const shown = await page.$$eval('table.providers tbody tr', (trs) =>
        trs.map((tr) => {
          const field = (name: string) => (tr.querySelector(`[data-field="${name}"]`) as unknown as BrowserElement | null)?.innerText.trim() ?? ''
          const meter = tr.querySelector('meter')
          return {
            provider: tr.getAttribute('data-provider'),
            condition: field('condition'),
            lastError: field('last-error'),
            cache: field('cache'),
            quota: field('quota'),
            meter: meter ? {value: Number(meter.getAttribute('value')), max: Number(meter.getAttribute('max'))} : null,
            failedOver: field('failed-over'),
          }
        }),
      )
      expect(shown.map((s) => s.provider)).toEqual(providers.providers.map((p) => p.provider))
      for (const p of providers.providers) {
        const row = shown.find((s) => s.provider === p.provider)
        const condition = p.degraded ? 'degraded' : p.failed_over ? 'failed over' : p.last_success_at && p.last_error_at && p.last_error_at >= p.last_success_at ? 'partly failing' : p.last_success_at ? 'ok' : 'unused'
        expect(row?.condition, p.provider).toBe(condition)
        if (p.last_error) expect(row?.lastError).toContain(p.last_error)
        else expect(row?.lastError).toBe('none')
        expect(row?.cache).toEqual(p.cache_age_seconds === null ? 'empty' : expect.stringContaining(`(${p.cache_entries} ${p.cache_entries === 1 ? 'entry' : 'entries'})`))
        if (p.usage.limit === null) {
          expect(row?.meter).toBeNull()
          expect(row?.quota).toContain(`${p.usage.used} requests, no quota`)
        } else {
          expect(row?.meter).toEqual({value: p.usage.used, max: p.usage.limit})
          expect(row?.quota).toContain(`${Math.round((p.usage.used / p.usage.limit) * 1000) / 10}% (${p.usage.used.toLocaleString('en-US')} / ${p.usage.limit.toLocaleString('en-US')})`)
        }
        expect(row?.failedOver.startsWith(p.failed_over ? 'since' : 'no'), p.provider).toBe(true)
      }
      // What was arranged: Open-Meteo degraded at 75 % of its quota, NWS answering at 4 %.
      expect(shown.find((s) => s.provider === 'open-meteo')).toMatchObject({condition: 'degraded', quota: expect.stringContaining('75% (150 / 200)'), failedOver: 'since 3 h ago (degraded)'})
      expect(shown.find((s) => s.provider === 'nws')).toMatchObject({condition: 'ok', quota: expect.stringContaining('4% (40 / 1,000)')})
      await screenshot(page, 'providers', viewport)
      expect(watch.problems()).toBe('')
      await page.close()
    })
  }
})
