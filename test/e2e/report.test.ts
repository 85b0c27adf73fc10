// `report` through the real CLI on a database holding the shipped ports and zones plus what a day left: a
// severe and a high port with their median waits, a piracy and a storm zone in the open ocean, an event of
// every type, port calls, a failed job run. The PNG is decoded and read at projected coordinates (land,
// sea, zones, an event marker); the HTML is parsed strictly and checked to fetch nothing; its tables, the
// Markdown variant and --json carry the figures placed in the database.
import {chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {type DefaultTreeAdapterMap, parse} from 'parse5'
import {PNG} from 'pngjs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {BEHAVIOUR_EVENT_TYPES, EVENT_TYPES, SAFETY_EVENT_TYPES} from '../../src/services/db/schema.js'
import {EVENT_STYLES, LAND, rgbOf, SEA, ZONE_FILL_OPACITY, ZONE_STYLES} from '../../src/services/report/palette.js'
import {mapFrame} from '../../src/services/report/world-map.js'
import {runCli, tempDir, withDb} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {backend, seededDb} from '../helpers/template.js'

const HOUR = 3_600_000
const NOW = Date.parse('2026-11-24T12:00:00Z')
const env = {HARBORMASTER_NOW: new Date(NOW).toISOString()}
const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = seededDb(join(tmp.dir, 'harbormaster.db'))

/** A square zone of ±4° around its centre, outer ring counter-clockwise (RFC 7946, as zones are stored). */
const square = (lon: number, lat: number) => ({
  type: 'Polygon',
  coordinates: [[[lon - 4, lat - 4], [lon + 4, lat - 4], [lon + 4, lat + 4], [lon - 4, lat + 4], [lon - 4, lat - 4]]],
})
// Open ocean, away from ports, islands and the 30° graticule: the South Atlantic and the North Pacific.
const PIRACY_CENTRE: [number, number] = [-22, -33]
const STORM_CENTRE: [number, number] = [-148, 38]
/** An AIS gap event in the open North Atlantic, far from the zones. */
const GAP_AT: [number, number] = [-38, 22]

interface PlacedEvent {
  type: (typeof EVENT_TYPES)[number]
  lon: number | null
  lat: number | null
  createdAt: number
  resolvedAt?: number
  source?: string
}

/** An event of every type in the period (two ais_gap, one resolved), one distress before it. */
const EVENTS: PlacedEvent[] = [
  ...EVENT_TYPES.map((type, k) => ({type, lon: type === 'ais_gap' ? GAP_AT[0] : 100 + k, lat: type === 'ais_gap' ? GAP_AT[1] : -10 - k, createdAt: NOW - (k + 1) * HOUR})),
  {type: 'ais_gap', lon: null, lat: null, createdAt: NOW - 20 * HOUR, resolvedAt: NOW - 2 * HOUR, source: 'cached'},
  {type: 'distress', lon: 10, lat: 10, createdAt: NOW - 50 * HOUR},
]

beforeAll(() => {
  withDb(db, (d) => {
    const port = (code: string) => (d.prepare(`SELECT id FROM ports WHERE unlocode = ?`).get(code) as {id: number}).id
    const snapshot = d.prepare(
      `INSERT INTO port_congestion (port_id, observed_at, window_start, vessels_waiting, vessels_at_berth, vessels_in_port, level, baseline_waiting,
         baseline_samples, median_wait_hours, waits_counted, trend, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 28, ?, ?, 'rising', 'live', ?)`,
    )
    snapshot.run(port('BGVAR'), NOW - HOUR, NOW - 7 * HOUR, 9, 2, 11, 'severe', 1, 31.5, 12, NOW - HOUR)
    snapshot.run(port('NLRTM'), NOW - HOUR, NOW - 7 * HOUR, 6, 14, 20, 'high', 2.5, 12.25, 40, NOW - HOUR)
    const zone = d.prepare(
      `INSERT INTO safety_zones (kind, external_id, name, severity, geometry, min_lon, min_lat, max_lon, max_lat, valid_from, valid_to, source, observed_at, origin, created_at, updated_at)
       VALUES (?, ?, ?, 'high', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ingest', ?, ?)`,
    )
    for (const [kind, [lon, lat], source] of [['piracy', PIRACY_CENTRE, 'live'], ['storm', STORM_CENTRE, 'cached']] as const) {
      zone.run(kind, `report-test-${kind}`, `Test ${kind} zone`, JSON.stringify(square(lon, lat)), lon - 4, lat - 4, lon + 4, lat + 4, NOW - 6 * HOUR, NOW + 6 * HOUR, source, NOW - 6 * HOUR, NOW, NOW)
    }
    const event = d.prepare(
      `INSERT INTO safety_events (type, severity, dedupe_key, title, lat, lon, source, observed_at, created_at, last_seen_at, resolved_at)
       VALUES (?, 'high', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    EVENTS.forEach((e, k) => event.run(e.type, `report-test-${k}`, `Test ${e.type} event ${k}`, e.lat, e.lon, e.source ?? 'live', e.createdAt, e.createdAt, e.createdAt, e.resolvedAt ?? null))
    // Port calls: one that departed in the period, one still in port, a port stop and a call that ended before the period.
    const vessel = d.prepare(`INSERT INTO vessels (mmsi, name, ship_type, lat, lon, position_at, position_source, origin, created_at, updated_at) VALUES (?, ?, 70, ?, ?, ?, ?, 'ingest', ?, ?)`)
    vessel.run(244_000_010, 'TEST TRADER', 43.1, 28.5, NOW - 5 * HOUR, 'live', NOW, NOW)
    vessel.run(244_000_011, 'TEST CARRIER', 51.95, 4.1, NOW - HOUR, 'cached', NOW, NOW)
    const call = d.prepare(
      `INSERT INTO port_calls (mmsi, port_id, arrived_at, departed_at, last_at, berthed_at, anchorage_ms, berth_ms, stops, gaps, is_call, entry_lat, entry_lon, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 2, 0, (? = 1), ?, ?, 'live', ?, ?)`,
    )
    const visit = (mmsi: number, code: string, arrived: number, departed: number | null, lastAt: number, anchorageH: number, berthH: number, isCall: boolean) =>
      call.run(mmsi, port(code), arrived, departed, lastAt, arrived + anchorageH * HOUR, anchorageH * HOUR, berthH * HOUR, isCall ? 1 : 0, 43.2, 28, NOW, NOW)
    visit(244_000_010, 'BGVAR', NOW - 30 * HOUR, NOW - 5 * HOUR, NOW - 5 * HOUR, 5, 20, true)
    visit(244_000_011, 'NLRTM', NOW - 10 * HOUR, null, NOW - HOUR, 2, 7, true)
    visit(244_000_012, 'NLRTM', NOW - 6 * HOUR, NOW - 4 * HOUR, NOW - 4 * HOUR, 1, 0, false)
    visit(244_000_013, 'BGVAR', NOW - 60 * HOUR, NOW - 30 * HOUR, NOW - 30 * HOUR, 3, 20, true)
    d.prepare(`INSERT INTO job_runs (job, status, started_at, completed_at, duration_ms, error, host, pid) VALUES ('ports', 'failed', ?, ?, 1200, 'test failure', 'test-host', 1)`).run(
      NOW - 3 * HOUR,
      NOW - 3 * HOUR + 1200,
    )
  })
})

type Element = DefaultTreeAdapterMap['element']
type Node = DefaultTreeAdapterMap['childNode'] | DefaultTreeAdapterMap['document'] | DefaultTreeAdapterMap['documentFragment']
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'])
const isElement = (node: Node): node is Element => 'tagName' in node
const childrenOf = (node: Node): Node[] => ('childNodes' in node ? (node.childNodes as Node[]) : [])
function* elements(node: Node): Generator<Element> {
  if (isElement(node)) yield node
  for (const child of childrenOf(node)) yield* elements(child)
  if (isElement(node) && node.tagName === 'template') yield* elements((node as DefaultTreeAdapterMap['template']).content)
}
const textOf = (node: Node): string => ('value' in node && node.nodeName === '#text' ? node.value : childrenOf(node).map(textOf).join(''))

/** The page parsed by parse5 (the HTML standard's parser), with what a strict reading objects to. */
function parsePage(html: string) {
  const errors: string[] = []
  const document = parse(html, {sourceCodeLocationInfo: true, onParseError: (e) => errors.push(`${e.code} at line ${e.startLine}`)})
  const problems = [...errors]
  for (const el of elements(document)) {
    const location = el.sourceCodeLocation
    // Elements the parser made up (html, head, tbody without a tag in the source) have no location.
    if (!location) problems.push(`<${el.tagName}> is not in the source`)
    else if (!VOID.has(el.tagName) && !location.endTag) {
      const start = html.slice(location.startTag?.startOffset, location.startTag?.endOffset)
      // SVG's own elements may close themselves.
      if (!(el.namespaceURI === 'http://www.w3.org/2000/svg' && start.endsWith('/>'))) problems.push(`<${el.tagName}> at line ${location.startLine} is not closed`)
    }
    for (const attr of el.attrs) {
      const name = attr.name.toLowerCase()
      if (['src', 'href', 'xlink:href', 'srcset', 'action', 'poster', 'data'].includes(name) && !/^(data:|#)/.test(attr.value)) problems.push(`<${el.tagName} ${name}="${attr.value}"> loads something`)
      if (/url\(\s*['"]?(?!data:|#)/i.test(attr.value)) problems.push(`<${el.tagName} ${name}> refers to a URL`)
    }
    if (el.tagName === 'style' && /url\(|@import/i.test(textOf(el))) problems.push('the style sheet refers to a URL')
    if (el.tagName === 'script' || el.tagName === 'iframe' || el.tagName === 'object') problems.push(`<${el.tagName}> in a report`)
  }
  return {document, problems}
}

/** The rows of the table in `<section id=…>`, as cell texts. */
function tableRows(document: Node, sectionId: string): string[][] {
  const section = [...elements(document)].find((el) => el.tagName === 'section' && el.attrs.some((a) => a.name === 'id' && a.value === sectionId))
  if (!section) throw new Error(`no section ${sectionId}`)
  return [...elements(section)]
    .filter((el) => el.tagName === 'tr')
    .map((tr) => childrenOf(tr).filter(isElement).map((cell) => textOf(cell).trim()))
}

/** The pixel at a position on the map, as [r, g, b]. */
function pixelAt(png: PNG, lon: number, lat: number): [number, number, number] {
  const xy = mapFrame().projection([lon, lat])
  if (!xy) throw new Error(`${lon},${lat} is not on the map`)
  const k = (Math.round(xy[1]) * png.width + Math.round(xy[0])) * 4
  return [png.data[k], png.data[k + 1], png.data[k + 2]]
}

const near = (actual: number[], expected: number[], tolerance: number) => actual.every((v, k) => Math.abs(v - expected[k]) <= tolerance)
/** A colour drawn at `opacity` over `under`, as the renderer blends it. */
const over = (colour: string, opacity: number, under: string) => rgbOf(colour).map((c, k) => c * opacity + rgbOf(under)[k] * (1 - opacity))

describe('report', () => {
  const out = join(tmp.dir, 'out')
  let result: Record<string, any>

  it('writes report.html, map.svg and map.png to --out and says so in --json, as its schema declares', async () => {
    const run = await runCli(['report', '--since', '24h', '--out', out, '--json', '--db', db], {env})
    expect(run.code, run.stderr).toBe(0)
    result = JSON.parse(run.stdout)
    expect(contractProblems('report', result)).toEqual([])
    expect(result.format).toBe('html')
    expect(result.out_dir).toBe(out)
    expect(result.files.map((f: {kind: string; path: string}) => [f.kind, f.path])).toEqual([
      ['html', join(out, 'report.html')],
      ['svg', join(out, 'map.svg')],
      ['png', join(out, 'map.png')],
    ])
    for (const f of result.files) expect(readFileSync(f.path).length).toBe(f.bytes)
    expect(result.period).toEqual({since: '2026-11-23T12:00:00.000Z', until: '2026-11-24T12:00:00.000Z'})
  })

  it('--json carries the figures placed in the database', () => {
    expect(result.congested_ports.slice(0, 2).map((p: any) => [p.unlocode, p.level, p.waiting, p.median_wait_hours, p.waits_counted])).toEqual([
      ['BGVAR', 'severe', 9, 31.5, 12],
      ['NLRTM', 'high', 6, 12.25, 40],
    ])
    const byType = Object.fromEntries(result.events_by_type.map((e: any) => [e.type, e]))
    expect(Object.keys(byType)).toEqual([...EVENT_TYPES])
    for (const type of EVENT_TYPES) expect(byType[type].created, type).toBe(type === 'ais_gap' ? 2 : 1)
    // The distress call of two days ago is outside the period; one of the two gaps is resolved.
    expect(byType.ais_gap).toMatchObject({open: 1, by_source: {live: 1, cached: 1}})
    expect(result.map.ports_by_level).toMatchObject({severe: 1, high: 1})
    expect(result.map.ports_drawn).toBeGreaterThan(3500)
    expect(result.map.zones_by_kind.storm).toBe(1)
    expect(result.map.zones_by_kind.piracy).toBeGreaterThanOrEqual(1)
    expect(result.map.events_drawn).toBe(EVENT_TYPES.length)
    expect(result.map.events_without_position).toBe(1)
    expect(result.jobs.find((j: any) => j.job === 'ports')).toMatchObject({condition: 'failing', last_status: 'failed', consecutive_failures: 1})
    // The call that left in the period and the one still in port; not the port stop, nor the call that ended before.
    expect(result.port_calls.more).toBe(false)
    expect(result.port_calls.calls.map((c: any) => [c.mmsi, c.unlocode, c.vessel_name, c.departed_at, c.waiting_hours, c.at_berth_hours, c.hours_in_port])).toEqual([
      [244_000_011, 'NLRTM', 'TEST CARRIER', null, 2, 7, 9],
      [244_000_010, 'BGVAR', 'TEST TRADER', '2026-11-24T07:00:00.000Z', 5, 20, 25],
    ])
    expect(result.datasets.find((d: any) => d.dataset === 'vessel_positions')).toMatchObject({rows: 2, by_source: {live: 1, cached: 1}, label: 'cached'})
    const zones = result.datasets.find((d: any) => d.dataset === 'safety_zones')
    expect(zones.by_source).toMatchObject({live: 1, cached: 1})
    expect(zones.label).toBe('emergency')
    expect(result.datasets.find((d: any) => d.dataset === 'safety_events')).toMatchObject({rows: EVENT_TYPES.length + 1, by_source: {live: EVENT_TYPES.length, cached: 1}})
  })

  it('draws land where land is and sea where sea is, the zones in their colours and an event where it happened', () => {
    const png = PNG.sync.read(readFileSync(join(out, 'map.png')))
    expect([png.width, png.height]).toEqual([mapFrame().width, mapFrame().height])
    // Inland: the central Sahara, central Australia, the Kazakh steppe, Mato Grosso.
    for (const [lon, lat] of [[18, 24], [134, -24], [68, 48], [-55, -12]]) expect(pixelAt(png, lon, lat), `land at ${lon},${lat}`).toEqual(rgbOf(LAND))
    // Open ocean: the South Pacific, the southern Indian Ocean, the central North Atlantic.
    for (const [lon, lat] of [[-125, -40], [80, -35], [-45, 40]]) expect(pixelAt(png, lon, lat), `sea at ${lon},${lat}`).toEqual(rgbOf(SEA))
    for (const [kind, centre] of [['piracy', PIRACY_CENTRE], ['storm', STORM_CENTRE]] as const) {
      const pixel = pixelAt(png, ...centre)
      expect(near(pixel, over(ZONE_STYLES[kind].colour, ZONE_FILL_OPACITY, SEA), 3), `${kind} zone at ${centre}: ${pixel}`).toBe(true)
    }
    expect(pixelAt(png, ...GAP_AT)).toEqual(rgbOf(EVENT_STYLES.ais_gap.colour))
  })

  it('writes a self-contained, well-formed page whose tables show the figures', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    const {document, problems} = parsePage(html)
    expect(problems).toEqual([])
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg")/)
    // The map is inline, as drawn.
    expect(html).toContain(readFileSync(join(out, 'map.svg'), 'utf8').replace(/^<\?xml[^>]*>\n/, '').trim())

    const ports = tableRows(document, 'congested-ports')
    const header = ports[0]
    const row = (name: string) => Object.fromEntries(header.map((h, k) => [h, ports.find((r) => r[0] === name)?.[k]]))
    expect(row('Varna')).toMatchObject({'UN/LOCODE': 'BGVAR', Level: 'severe', Waiting: '9', 'At berth': '2', 'Median wait (h)': '31.5', 'Waits counted': '12', Source: 'live'})
    expect(row('Rotterdam')).toMatchObject({Level: 'high', Waiting: '6', 'Median wait (h)': '12.3', 'Waits counted': '40'})
    expect(ports.findIndex((r) => r[0] === 'Varna')).toBeLessThan(ports.findIndex((r) => r[0] === 'Rotterdam'))

    const events = tableRows(document, 'events-by-type')
    const created = Object.fromEntries(events.slice(1).map((r) => [r[1], [r[2], r[3]]]))
    for (const type of [...SAFETY_EVENT_TYPES, ...BEHAVIOUR_EVENT_TYPES]) expect(created[type], type).toEqual(type === 'ais_gap' ? ['2', '1'] : ['1', '1'])

    const calls = tableRows(document, 'port-calls')
    expect(calls.slice(1).map((r) => r.join(' | '))).toEqual([
      'TEST CARRIER | 244000011 | Rotterdam | NLRTM | 2026-11-24 02:00 UTC | in port | 2.0 | 7.0 | 9.0 | live',
      'TEST TRADER | 244000010 | Varna | BGVAR | 2026-11-23 06:00 UTC | 2026-11-24 07:00 UTC | 5.0 | 20.0 | 25.0 | live',
    ])

    const jobs = tableRows(document, 'job-health')
    expect(jobs.find((r) => r[0] === 'ports')).toEqual(expect.arrayContaining(['failing', 'failed', '1']))
    const datasets = tableRows(document, 'datasets')
    expect(datasets.find((r) => r[0].startsWith('safety zones'))?.join(' | ')).toMatch(/cached 1.*live 1|live 1.*cached 1/)
    expect(tableRows(document, 'providers').length).toBeGreaterThan(1)
  })

  it('--format md prints the same figures as Markdown tables', async () => {
    const run = await runCli(['report', '--format', 'md', '--db', db], {env})
    expect(run.code, run.stderr).toBe(0)
    const md = run.stdout
    expect(md).toMatch(/^# harbormaster report/)
    expect(md).not.toContain('](map.png)')
    const line = (start: string) => md.split('\n').find((l) => l.startsWith(start))
    expect(line('| Varna |')).toMatch(/^\| Varna \| BGVAR \| Bulgaria \| severe \| 9 \| 2 \| 1\.0 \| 31\.5 \| 12 \| rising \| live \| 2026-11-24 11:00 UTC \|$/)
    expect(line('| Rotterdam |')).toContain('| high | 6 | 14 | 2.5 | 12.3 | 40 |')
    for (const type of EVENT_TYPES) {
      const word = EVENT_STYLES[type].word
      expect(line(`| ${word} | ${type} |`), type).toContain(type === 'ais_gap' ? `| ${type} | 2 | 1 |` : `| ${type} | 1 | 1 |`)
    }
    expect(line('| TEST TRADER |')).toBe('| TEST TRADER | 244000010 | Varna | BGVAR | 2026-11-23 06:00 UTC | 2026-11-24 07:00 UTC | 5.0 | 20.0 | 25.0 | live |')
    expect(line('| TEST CARRIER |')).toContain('| in port | 2.0 | 7.0 | 9.0 |')
    expect(line('| ports |')).toContain('| failing | failed |')
  })

  it('--format md --out writes report.md beside the map, which it links to', async () => {
    const mdOut = join(tmp.dir, 'md')
    const run = await runCli(['report', '--format', 'md', '--out', mdOut, '--json', '--db', db], {env})
    expect(run.code, run.stderr).toBe(0)
    const written = JSON.parse(run.stdout)
    expect(contractProblems('report', written)).toEqual([])
    expect(written.files.map((f: {kind: string}) => f.kind)).toEqual(['markdown', 'svg', 'png'])
    const md = readFileSync(join(mdOut, 'report.md'), 'utf8')
    expect(md).toContain('](map.png)')
    expect(existsSync(join(mdOut, 'map.png'))).toBe(true)
    expect(md).toContain('| Varna | BGVAR |')
  })

  it('without --out writes the page to var/reports/<end of the period>/ under the working directory', async () => {
    const cwd = join(tmp.dir, 'cwd')
    mkdirSync(cwd)
    const run = await runCli(['report', '--db', db], {env, cwd})
    expect(run.code, run.stderr).toBe(0)
    const folder = join(cwd, 'var', 'reports', '2026-11-24T1200Z')
    expect(run.stdout).toContain(join(folder, 'report.html'))
    for (const name of ['report.html', 'map.svg', 'map.png']) expect(existsSync(join(folder, name)), name).toBe(true)
  })

  it('refuses a period that is not a duration', async () => {
    const run = await runCli(['report', '--since', 'yesterday', '--db', db], {env})
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--since "yesterday" is not a duration/)
  })

  it.skipIf(backend() === 'postgres')('reads a database its user may only read, writing only to --out', async () => {
    // As root, permissions do not apply: the report runs as nobody.
    const asOther = process.getuid?.() === 0 ? {uid: 65_534, gid: 65_534} : {}
    const readOnly = join(tmp.dir, 'read-only')
    const copies = join(tmp.dir, 'copies')
    mkdirSync(readOnly)
    mkdirSync(copies)
    copyFileSync(db, join(readOnly, 'harbormaster.db'))
    chmodSync(join(readOnly, 'harbormaster.db'), 0o444)
    chmodSync(readOnly, 0o555)
    chmodSync(tmp.dir, 0o755)
    chmodSync(copies, 0o777)
    try {
      const run = await runCli(['report', '--out', join(copies, 'daily'), '--json', '--db', join(readOnly, 'harbormaster.db')], {...asOther, env: {...env, HOME: copies}})
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout).congested_ports[0].unlocode).toBe('BGVAR')
      expect(existsSync(join(copies, 'daily', 'report.html'))).toBe(true)
    } finally {
      chmodSync(readOnly, 0o755)
    }
  })
})
