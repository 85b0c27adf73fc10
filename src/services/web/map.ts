// The map page (`/map`): the report's world map drawn by the same function, its ports (by congestion level),
// zones and recent events as links to their details, shown in a panel beside the map (below it on a phone);
// the legend, the worst ports, the zones and the events as tables with the level written.
import type {FastifyPluginAsync} from 'fastify'

import type {ApiOptions} from '../api/plugin.js'
import type {ListedEvent} from '../db/events.js'
import {SEVERITIES} from '../db/model.js'
import type {SafetyZone} from '../db/schema.js'
import type {PortCongestionEntry} from '../ports/congestion-report.js'
import {EVENT_STYLES, PORT_STYLES, portStyle, ZONE_FILL_OPACITY, ZONE_STYLES} from '../report/palette.js'
import {drawWorldMap, landDescription, type LandScale, mapBackground} from '../report/world-map.js'
import {html, type Html, raw} from './html.js'
import {agoText, emptyRow, live, pageDocument, pager, sendHtml, timeAgo, utc} from './layout.js'
import {
  detailsHref,
  EVENT_MARKERS_MAX,
  type MapDetails,
  type MapPageData,
  mapPageData,
  PORTS_LISTED,
  ZONES_LISTED,
  RECENT_EVENTS_HOURS,
  recentEventsPage,
  selectionOf,
} from './map-data.js'
import {pageView, webAuth} from './session.js'
import type {PageView} from './types.js'

/** 1:110m: a tenth of 1:50m's bytes, sent again at every refresh; the map is drawn at most a screen wide. */
const PAGE_LAND: LandScale = '110m'
/** Markers larger than the report's: the page's map is drawn at about half the report's 1600 px. */
const MARKER_SCALE = 1.6

const words = (text: string) => text.replaceAll('_', ' ')

function swatch(colour: string, shape: 'dot' | 'diamond' | 'square', opacity = 1): Html {
  return html`<span class="swatch swatch-${shape}" style="${`background:${colour};opacity:${opacity}`}" aria-hidden="true"></span>`
}

function legend(): Html {
  return html`<section class="map-legend" aria-labelledby="map-legend-title">
<h2 id="map-legend-title">Legend</h2>
<ul>
${[...PORT_STYLES].reverse().filter((s) => s.level !== 'no_data').map((s) => html`<li>${swatch(s.fill, 'dot')}Port: ${s.word}</li>`)}
${Object.values(ZONE_STYLES).map((s) => html`<li>${swatch(s.colour, 'square', ZONE_FILL_OPACITY + 0.3)}Zone: ${s.word}</li>`)}
${Object.values(EVENT_STYLES).map((s) => html`<li>${swatch(s.colour, 'diamond')}Event: ${s.word}</li>`)}
</ul>
</section>`
}

const num = (n: number | null, unit = '') => (n === null ? 'unknown' : `${n.toLocaleString('en-US')}${unit}`)
const level = (l: PortCongestionEntry['level']) => html`<span class="level level-${l}">${swatch(portStyle(l).fill, 'dot')}${portStyle(l).word}</span>`
/** A time in a table: how long ago, the UTC time in its title. */
const ago = (at: number | string | null, now: number, empty = 'never') => timeAgo(at, now, empty)
/** A time in the details panel: UTC and how long ago. */
const when = (at: number | string | null, now: number, empty = 'never') =>
  at === null ? empty : html`${utc(at)} (${agoText(typeof at === 'number' ? at : Date.parse(at), now)})`

function portDetails(p: PortCongestionEntry, now: number): Html {
  const rows: Array<[string, Html | string]> = [
    ['Congestion level', level(p.level)],
    ['Vessels waiting', num(p.waiting)],
    ['Vessels at berth', num(p.at_berth)],
    ['Vessels in port', num(p.in_port)],
    ['Usual number waiting', p.baseline === null ? 'not known yet' : `${num(p.baseline)} (over ${p.baseline_days} days)`],
    ['Median wait', p.median_wait_hours === null ? 'unknown' : `${num(p.median_wait_hours, ' h')} (${num(p.waits_counted)} waits)`],
    ['Trend', words(p.trend)],
    ['Congested since', when(p.episode_started_at, now, 'not congested')],
    ['Source', p.source],
    ['Observed', when(p.observed_at, now, 'unknown')],
  ]
  const code = [p.unlocode, p.wpi_number && `WPI ${p.wpi_number}`, p.country].filter(Boolean).join(', ')
  return html`<h2 id="details-title">Port ${p.name}</h2>
<p class="details-sub">${code}</p>
${figures('Congestion figures of the port', rows)}`
}

function figures(caption: string, rows: Array<[string, Html | string]>): Html {
  return html`<table class="figures"><caption>${caption}</caption><tbody>
${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}
</tbody></table>`
}

/** The metadata the feed gave a zone or event, as rows: its own words for what it is. */
function metadataRows(metadata: Record<string, unknown> | null): Array<[string, string]> {
  if (!metadata) return []
  return Object.entries(metadata)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .slice(0, 12)
    .map(([k, v]) => [words(k), (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 400)])
}

function zoneDetails(z: SafetyZone, inForce: boolean, now: number): Html {
  const style = ZONE_STYLES[z.kind]
  return html`<h2 id="details-title">${style.word[0].toUpperCase() + style.word.slice(1)} zone ${z.name}</h2>
<p class="details-sub">${swatch(style.colour, 'square', ZONE_FILL_OPACITY + 0.3)}${inForce ? 'in force' : 'not in force'}</p>
${figures('What the zone is', [
  ['Kind', style.word],
  ['Severity', z.severity],
  ['Valid from', when(z.validFrom, now, 'always')],
  ['Valid until', when(z.validTo, now, 'until replaced')],
  ['Source', z.source],
  ['Observed', when(z.observedAt, now)],
  ['Identifier', z.externalId],
  ...metadataRows(z.metadata ?? null),
])}`
}

function eventDetails(e: ListedEvent, now: number): Html {
  const style = EVENT_STYLES[e.type]
  return html`<h2 id="details-title">${e.title}</h2>
<p class="details-sub">${swatch(style.colour, 'diamond')}${style.word} event, ${e.resolvedAt === null ? 'open' : 'resolved'}</p>
${figures('What happened', [
  ['Type', style.word],
  ['Severity', e.severity],
  ['Vessel', e.mmsi === null ? 'none' : `${e.vesselName ?? 'unnamed'} (MMSI ${e.mmsi})`],
  ['Port', e.portName === null ? 'none' : `${e.portName}${e.portUnlocode ? ` (${e.portUnlocode})` : ''}`],
  ['Zone', e.zoneExternalId ?? 'none'],
  ['Position', e.lat === null || e.lon === null ? 'none' : `${e.lat.toFixed(3)}, ${e.lon.toFixed(3)}`],
  ['Created', when(e.createdAt, now)],
  ['Last seen', when(e.lastSeenAt, now)],
  ['Resolved', when(e.resolvedAt, now, 'not yet')],
  ['Source', e.source],
  ...metadataRows(e.metadata ?? null),
])}`
}

function details(d: MapDetails | null, now: number): Html {
  let body: Html
  if (d === null) body = html`<h2 id="details-title">Details</h2><p>Choose a port, zone or event on the map or in the tables below for its details.</p>`
  else if (d.kind === 'port') body = portDetails(d.port, now)
  else if (d.kind === 'zone') body = zoneDetails(d.zone, d.inForce, now)
  else if (d.kind === 'event') body = eventDetails(d.event, now)
  else body = html`<h2 id="details-title">Not found</h2><p>There is no ${d.selection.kind} ${d.selection.id} with data to show.</p>`
  return html`<section id="details" class="map-details" aria-labelledby="details-title" tabindex="-1">${body}${d ? html`<p><a href="/map">Close details</a></p>` : ''}</section>`
}

function portsTable(ports: PortCongestionEntry[], now: number): Html {
  const shown = ports.slice(0, PORTS_LISTED)
  return html`<table class="data"><caption>Ports with congestion data, worst first (${shown.length} of ${ports.length})</caption>
<thead><tr><th scope="col">Port</th><th scope="col">Level</th><th scope="col">Waiting</th><th scope="col">Median wait</th><th scope="col">Observed</th></tr></thead>
<tbody>${
    shown.length === 0
      ? emptyRow('No port has congestion data yet: the ports job computes it from vessel positions.', 5)
      : shown.map(
          (p) => html`<tr><td><a href="${detailsHref('port', p.port_id)}">${p.name}</a> ${p.unlocode ?? ''}</td><td>${level(p.level)}</td><td class="num">${num(p.waiting)}</td><td class="num">${p.median_wait_hours === null ? 'unknown' : `${p.median_wait_hours} h`}</td><td>${ago(p.observed_at, now, 'unknown')}</td></tr>`,
        )
  }</tbody></table>`
}

const KIND_ORDER = ['storm', 'congestion', 'piracy'] as const
const SEVERITY_ORDER = [...SEVERITIES].reverse()
const rankOf = (list: readonly string[], value: string) => (list.includes(value) ? list.indexOf(value) : list.length)

/** Zones in force, storms first (they pass; piracy risk areas stay for years), the most severe first. */
function zonesTable(all: SafetyZone[], now: number): Html {
  const zones = [...all]
    .sort((a, b) => rankOf(KIND_ORDER, a.kind) - rankOf(KIND_ORDER, b.kind) || rankOf(SEVERITY_ORDER, a.severity) - rankOf(SEVERITY_ORDER, b.severity) || a.id - b.id)
    .slice(0, ZONES_LISTED)
  return html`<table class="data"><caption>Zones in force, storms first (${zones.length} of ${all.length}; every zone is on the map)</caption>
<thead><tr><th scope="col">Zone</th><th scope="col">Kind</th><th scope="col">Severity</th><th scope="col">Until</th><th scope="col">Source</th></tr></thead>
<tbody>${
    zones.length === 0
      ? emptyRow('No storm, piracy or congestion zone is in force.', 5)
      : zones.map(
          (z) => html`<tr><td><a href="${detailsHref('zone', z.id)}">${z.name}</a></td><td>${swatch(ZONE_STYLES[z.kind].colour, 'square', ZONE_FILL_OPACITY + 0.3)}${ZONE_STYLES[z.kind].word}</td><td>${z.severity}</td><td>${ago(z.validTo, now, 'until replaced')}</td><td>${z.source}</td></tr>`,
        )
  }</tbody></table>`
}

function eventsTable(events: ListedEvent[], next: string | null, query: URLSearchParams, now: number): Html {
  const older = new URLSearchParams(query)
  if (next) older.set('before', next)
  // Keyset paging goes one way; back is to the newest page.
  const first = new URLSearchParams(query)
  first.delete('before')
  const newest = query.has('before') ? `/map${first.toString() ? `?${first.toString()}` : ''}#map-events-title` : null
  return html`<div class="scroll"><table class="data"><caption>Events of the last ${RECENT_EVENTS_HOURS} hours, newest first</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Severity</th><th scope="col">Created</th><th scope="col">State</th></tr></thead>
<tbody>${
    events.length === 0
      ? emptyRow(`No event in the last ${RECENT_EVENTS_HOURS} hours.`, 5)
      : events.map(
          (e) => html`<tr><td><a href="${detailsHref('event', e.id)}">${e.title}</a></td><td>${swatch(EVENT_STYLES[e.type].colour, 'diamond')}${EVENT_STYLES[e.type].word}</td><td>${e.severity}</td><td>${ago(e.createdAt, now)}</td><td>${e.resolvedAt === null ? 'open' : 'resolved'}</td></tr>`,
        )
  }</tbody></table></div>
${pager({label: 'Pages of events', previous: newest, next: next ? `/map?${older.toString()}#map-events-title` : null})}`
}

function caption(data: MapPageData): string {
  const byLevel = PORT_STYLES.filter((s) => s.level !== 'no_data')
    .map((s) => [s.word, data.ports.filter((p) => p.level === s.level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([word, n]) => `${n} ${word}`)
  const placed = data.events.length - data.eventsWithoutPosition
  return (
    `${data.ports.length} ports with congestion data${byLevel.length > 0 ? ` (${byLevel.join(', ')})` : ''}; ${data.zones.length} zones in force; ` +
    `${placed} events of the last ${RECENT_EVENTS_HOURS} hours with a position${data.eventsWithoutPosition > 0 ? ` (${data.eventsWithoutPosition} without)` : ''}` +
    `${data.events.length >= EVENT_MARKERS_MAX ? `, the newest ${EVENT_MARKERS_MAX} drawn` : ''}. Land: ${landDescription(PAGE_LAND)}.`
  )
}

/** Everything on the page that changes: refreshed as one region, so the map, its details and the tables agree. */
async function liveRegion(view: PageView, query: URLSearchParams): Promise<Html> {
  const data = await mapPageData(view.ctx, selectionOf(Object.fromEntries(query)))
  const events = await recentEventsPage(view.ctx, query.get('before') ?? undefined)
  const drawn = drawWorldMap(data.layers, {land: PAGE_LAND, legend: false, markerScale: MARKER_SCALE})
  const body = html`<div class="map-layout">
<figure class="world-map">${raw(drawn.svg)}<figcaption>${caption(data)}</figcaption></figure>
${details(data.details, data.now)}
</div>
<section aria-labelledby="map-ports-title"><h2 id="map-ports-title">Ports</h2><div class="scroll">${portsTable(data.ports, data.now)}</div></section>
<section aria-labelledby="map-zones-title"><h2 id="map-zones-title">Zones</h2><div class="scroll">${zonesTable(data.zones, data.now)}</div></section>
<section aria-labelledby="map-events-title"><h2 id="map-events-title">Events</h2>${eventsTable(events.events, events.next, query, data.now)}</section>`
  const q = query.toString()
  return live('map-live', `/map/live${q ? `?${q}` : ''}`, body)
}

/** The query the page keeps across refreshes: the chosen item and the events page. */
function pageQuery(raw: unknown): URLSearchParams {
  const query = new URLSearchParams()
  const given = (raw ?? {}) as Record<string, unknown>
  for (const key of ['port', 'zone', 'event', 'before']) {
    const value = given[key]
    if (typeof value === 'string' && value.length <= 40) query.set(key, value)
  }
  return query
}

export const mapPage: FastifyPluginAsync<ApiOptions> = async (app, {ctx}) => {
  // The land is projected once per process, before the first request asks for it.
  mapBackground(PAGE_LAND)
  app.get('/map', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const body = html`${await liveRegion(view, pageQuery(req.query))}
${legend()}`
    return sendHtml(reply, pageDocument(view, {key: 'map', title: 'Map', body}))
  })
  app.get('/map/live', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    return sendHtml(reply, await liveRegion(view, pageQuery(req.query)))
  })
}
