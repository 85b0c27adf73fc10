// The providers page (`/providers`): what `providers status` shows, from the same service: each provider's
// condition in words, last success and error, cache age, quota use as a bar with its percentage written, and
// since when it is failed over to its fallback.
import type {FastifyPluginAsync} from 'fastify'

import type {ApiOptions} from '../api/plugin.js'
import {providerCondition, type ProviderStatus, providerStatuses} from '../providers/status.js'
import {html, type Html} from './html.js'
import {emptyRow, live, pageDocument, sendHtml, statusBadge, timeAgo} from './layout.js'
import {pageView, webAuth} from './session.js'
import type {PageView} from './types.js'


/** Seconds as the largest whole unit that fits: 45 s, 12 min, 3 h, 2 d. */
export function ageInWords(seconds: number): string {
  if (seconds < 90) return `${seconds} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86_400)} d`
}

/** Quota use: a bar and the percentage and counts written; a provider without a quota shows its count only. */
function quotaCell(usage: ProviderStatus['usage'], now: number): Html {
  if (usage.limit === null) return html`<span class="quota-none">${usage.used.toLocaleString('en-US')} requests, no quota</span>`
  const percent = usage.limit === 0 ? 100 : Math.round((usage.used / usage.limit) * 1000) / 10
  const label = `${percent}% of quota used (${usage.used.toLocaleString('en-US')} of ${usage.limit.toLocaleString('en-US')})`
  return html`<div class="quota quota-${usage.state}">
<meter min="0" max="${usage.limit}" low="${Math.floor(usage.limit * 0.8)}" high="${Math.floor(usage.limit * 0.95)}" optimum="0" value="${Math.min(usage.used, usage.limit)}" aria-label="${label}">${percent}%</meter>
<span class="quota-text">${percent}% (${usage.used.toLocaleString('en-US')} / ${usage.limit.toLocaleString('en-US')})${usage.state === 'ok' ? '' : `, ${usage.state}`}</span>
${usage.window_resets_at ? html`<span class="quota-reset">resets ${timeAgo(usage.window_resets_at, now)}</span>` : ''}
</div>`
}

function providerRow(s: ProviderStatus, now: number): Html {
  const condition = providerCondition(s)
  return html`<tr id="${`provider-${s.provider}`}" data-provider="${s.provider}">
<th scope="row">${s.provider}<div class="provider-description">${s.description}</div></th>
<td data-label="Status" data-field="condition">${statusBadge(condition.replace('_', ' '))}</td>
<td data-label="Last success" data-field="last-success">${timeAgo(s.last_success_at, now, 'never')}${s.last_source ? html`<div class="provider-source">last served: ${s.last_source}</div>` : ''}</td>
<td data-label="Last error" data-field="last-error">${s.last_error_at === null ? 'none' : html`${timeAgo(s.last_error_at, now)}<div class="provider-error">${s.last_error ?? ''}</div>`}</td>
<td data-label="Cache age" data-field="cache">${s.cache_age_seconds === null ? 'empty' : `${ageInWords(s.cache_age_seconds)} old (${s.cache_entries.toLocaleString('en-US')} ${s.cache_entries === 1 ? 'entry' : 'entries'})`}</td>
<td data-label="Quota use" data-field="quota">${quotaCell(s.usage, now)}</td>
<td data-label="Failed over" data-field="failed-over">${s.failed_over ? html`since ${timeAgo(s.failed_over_since, now, 'unknown')}${s.degraded ? ' (degraded)' : ''}` : 'no'}</td>
<td data-label="Uptime" data-field="uptime">${uptimeCell(s)}</td>
</tr>`
}

/** Marine alerts waiting for NWS zone outlines: what `providers status` prints below its table. */
function zoneOutlines(statuses: ProviderStatus[]): Html {
  const zones = statuses.find((s) => s.provider === 'nws-zones')?.details
  if (!zones || zones.alerts_waiting + zones.alerts_unplaceable === 0) return html``
  return html`<p class="note">nws-zones: ${zones.alerts_waiting} marine alerts wait for zone outlines, ${zones.alerts_unplaceable} name no zone that can be asked for.</p>
<ul>${zones.warnings_without_outline.map((w) => html`<li>${w.event} (${w.alert_id}): ${w.reason ?? w.state}</li>`)}</ul>`
}

/** The health-check job's probes: uptime over 24 h and 7 d and the median response, written out. */
function uptimeCell(s: ProviderStatus): Html | string {
  const p = s.probes
  if (!p.enabled) return 'probes off'
  if (p.probes_7d === 0) return html`<span class="none">not probed</span>`
  const pct = (v: number | null) => (v === null ? '—' : `${v} %`)
  return html`${pct(p.uptime_24h_percent)} over 24 h (${p.probes_24h}), ${pct(p.uptime_7d_percent)} over 7 d${p.response_ms_p50 === null ? '' : html`<div class="provider-source">median ${Math.round(p.response_ms_p50)} ms</div>`}`
}

async function providersRegion(view: PageView): Promise<Html> {
  const statuses = await providerStatuses(view.ctx)
  const now = view.ctx.clock.now()
  return live(
    'providers-live',
    '/providers/live',
    html`<div class="scroll"><table class="data providers stack">
<caption>Outside providers: condition, last success and error, cache age, quota use and failover</caption>
<thead><tr><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Last success</th><th scope="col">Last error</th><th scope="col">Cache age</th><th scope="col">Quota use</th><th scope="col">Failed over</th><th scope="col">Uptime (probes)</th></tr></thead>
<tbody>${statuses.length === 0 ? emptyRow('No provider is configured.', 8) : statuses.map((s) => providerRow(s, now))}</tbody>
</table></div>
${zoneOutlines(statuses)}`,
  )
}

export const providersPage: FastifyPluginAsync<ApiOptions> = async (app, {ctx}) => {
  app.get('/providers', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const body = html`<p>A provider is failed over when its last answer was not live (it served the cache, the database or shipped data); after the grace period it is degraded.</p>
${await providersRegion(view)}`
    return sendHtml(reply, pageDocument(view, {key: 'providers', title: 'Providers', body}))
  })
  app.get('/providers/live', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => sendHtml(reply, await providersRegion(pageView(req, ctx))))
}
