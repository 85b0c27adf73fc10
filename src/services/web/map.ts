// The map page (`/map`): the report's world map drawn by the same function, its ports (by congestion level),
// zones and recent events as links to their details, shown in a panel beside the map (below it on a phone);
// the legend, the worst ports, the zones and the events as tables with the level written.
import type {FastifyPluginAsync} from 'fastify'

import type {ApiOptions} from '../api/plugin.js'
import type {ListedEvent} from '../db/events.js'
import type {SafetyZone} from '../db/schema.js'
import type {PortCongestionEntry} from '../ports/congestion-report.js'
import {EVENT_STYLES, PORT_STYLES, portStyle, ZONE_FILL_OPACITY, ZONE_STYLES} from '../report/palette.js'
import {drawWorldMap, landDescription, type LandScale, mapBackground} from '../report/world-map.js'
import {html, type Html, raw} from './html.js'
import {emptyRow, live, pageDocument, sendHtml, timeAgo} from './layout.js'
import {
  detailsHref,
  EVENT_MARKERS_MAX,
  type MapDetails,
  type MapPageData,
  mapPageData,
  PORTS_LISTED,
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
const time = (ms: number | null) => (ms === null ? 'never' : timeAgo(new Date(ms).toISOString()))
const isoTime = (at: string | null) => (at === null ? 'unknown' : timeAgo(at))

function portDetails(p: PortCongestionEntry): Html {
  const rows: Array<[string, Html | string]> = [
    ['Congestion level', level(p.level)],
    ['Vessels waiting', num(p.waiting)],
    ['Vessels at berth', num(p.at_berth)],
    ['Vessels in port', num(p.in_port)],
    ['Usual number waiting', p.baseline === null ? 'not known yet' : `${num(p.baseline)} (over ${p.baseline_days} days)`],
    ['Median wait', p.median_wait_hours === null ? 'unknown' : `${num(p.median_wait_hours, ' h')} (${num(p.waits_counted)} waits)`],
    ['Trend', words(p.trend)],
    ['Congested since', p.episode_started_at === null ? 'not congested' : isoTime(p.episode_started_at)],
    ['Source', p.source],
    ['Observed', isoTime(p.observed_at)],
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

function zoneDetails(z: SafetyZone, inForce: boolean): Html {
  const style = ZONE_STYLES[z.kind]
  return html`<h2 id="details-title">${style.word[0].toUpperCase() + style.word.slice(1)} zone ${z.name}</h2>
<p class="details-sub">${swatch(style.colour, 'square', ZONE_FILL_OPACITY + 0.3)}${inForce ? 'in force' : 'not in force'}</p>
${figures('What the zone is', [
  ['Kind', style.word],
  ['Severity', z.severity],
  ['Valid from', time(z.validFrom)],
  ['Valid until', z.validTo === null ? 'until replaced' : time(z.validTo)],
  ['Source', z.source],
  ['Observed', time(z.observedAt)],
  ['Identifier', z.externalId],
  ...metadataRows(z.metadata ?? null),
])}`
}

function eventDetails(e: ListedEvent): Html {
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
  ['Created', time(e.createdAt)],
  ['Last seen', time(e.lastSeenAt)],
  ['Resolved', e.resolvedAt === null ? 'not yet' : time(e.resolvedAt)],
  ['Source', e.source],
  ...metadataRows(e.metadata ?? null),
])}`
}

function details(d: MapDetails | null): Html {
  let body: Html
  if (d === null) body = html`<h2 id="details-title">Details</h2><p>Choose a port, zone or event on the map or in the tables below for its details.</p>`
  else if (d.kind === 'port') body = portDetails(d.port)
  else if (d.kind === 'zone') body = zoneDetails(d.zone, d.inForce)
  else if (d.kind === 'event') body = eventDetails(d.event)
  else body = html`<h2 id="details-title">Not found</h2><p>There is no ${d.selection.kind} ${d.selection.id} with data to show.</p>`
  return html`<section id="details" class="map-details" aria-labelledby="details-title" tabindex="-1">${body}${d ? html`<p><a href="/map">Close details</a></p>` : ''}</section>`
}

function portsTable(ports: PortCongestionEntry[]): Html {
  const shown = ports.slice(0, PORTS_LISTED)
  return html`<table class="data"><caption>Ports with congestion data, worst first (${shown.length} of ${ports.length})</caption>
<thead><tr><th scope="col">Port</th><th scope="col">Level</th><th scope="col">Waiting</th><th scope="col">Median wait</th><th scope="col">Observed</th></tr></thead>
<tbody>${
    shown.length === 0
      ? emptyRow('No port has congestion data yet: the ports job computes it from vessel positions.')
      : shown.map(
          (p) => html`<tr><td><a href="${detailsHref('port', p.port_id)}">${p.name}</a> ${p.unlocode ?? ''}</td><td>${level(p.level)}</td><td class="num">${num(p.waiting)}</td><td class="num">${p.median_wait_hours === null ? 'unknown' : `${p.median_wait_hours} h`}</td><td>${isoTime(p.observed_at)}</td></tr>`,
        )
  }</tbody></table>`
}

function zonesTable(zones: SafetyZone[]): Html {
  return html`<table class="data"><caption>Zones in force (${zones.length})</caption>
<thead><tr><th scope="col">Zone</th><th scope="col">Kind</th><th scope="col">Severity</th><th scope="col">Until</th><th scope="col">Source</th></tr></thead>
<tbody>${
    zones.length === 0
      ? emptyRow('No storm, piracy or congestion zone is in force.')
      : zones.map(
          (z) => html`<tr><td><a href="${detailsHref('zone', z.id)}">${z.name}</a></td><td>${swatch(ZONE_STYLES[z.kind].colour, 'square', ZONE_FILL_OPACITY + 0.3)}${ZONE_STYLES[z.kind].word}</td><td>${z.severity}</td><td>${z.validTo === null ? 'until replaced' : time(z.validTo)}</td><td>${z.source}</td></tr>`,
        )
  }</tbody></table>`
}

function eventsTable(events: ListedEvent[], next: string | null, query: URLSearchParams): Html {
  const older = new URLSearchParams(query)
  if (next) older.set('before', next)
  return html`<table class="data"><caption>Events of the last ${RECENT_EVENTS_HOURS} hours, newest first</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Severity</th><th scope="col">Created</th><th scope="col">State</th></tr></thead>
<tbody>${
    events.length === 0
      ? emptyRow(`No event in the last ${RECENT_EVENTS_HOURS} hours.`)
      : events.map(
          (e) => html`<tr><td><a href="${detailsHref('event', e.id)}">${e.title}</a></td><td>${swatch(EVENT_STYLES[e.type].colour, 'diamond')}${EVENT_STYLES[e.type].word}</td><td>${e.severity}</td><td>${time(e.createdAt)}</td><td>${e.resolvedAt === null ? 'open' : 'resolved'}</td></tr>`,
        )
  }</tbody></table>
<nav class="pager" aria-label="Events pages">${query.has('before') ? html`<a href="/map">Newest events</a> ` : ''}${next ? html`<a href="${`/map?${older.toString()}`}">Older events</a>` : ''}</nav>`
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
${details(data.details)}
</div>
<section aria-labelledby="map-ports-title"><h2 id="map-ports-title">Ports</h2>${portsTable(data.ports)}</section>
<section aria-labelledby="map-zones-title"><h2 id="map-zones-title">Zones</h2>${zonesTable(data.zones)}</section>
<section aria-labelledby="map-events-title"><h2 id="map-events-title">Events</h2>${eventsTable(events.events, events.next, query)}</section>`
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
    const body = html`<h1>Map</h1>
${await liveRegion(view, pageQuery(req.query))}
${legend()}`
    return sendHtml(reply, pageDocument(view, {key: 'map', title: 'Map', body}))
  })
  app.get('/map/live', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    return sendHtml(reply, await liveRegion(view, pageQuery(req.query)))
  })
}
