// The Overview page (`/`): health and each check with its reason, every job (schedule in words, last run,
// next run, failures in a row, paused), queue depths and the last hour's processed/failed per minute as small
// charts, and the live workers; refreshed in place every few seconds from GET /overview/live.
import type {FastifyPluginAsync} from 'fastify'

import type {ApiOptions} from '../api/plugin.js'
import type {Context} from '../context.js'
import {checkHealth, type HealthReport} from '../health.js'
import {jobStatuses} from '../jobs/status.js'
import {queueStats} from '../queue/admin.js'
import {QUEUED_JOB_STATES} from '../queue/types.js'
import {listWorkers} from '../queue/workers.js'
import {html, type Html} from './html.js'
import {durationText, emptyRow, live, pageDocument, sendHtml, statusBadge, timeAgo, utc} from './layout.js'
import {pageView, webAuth} from './session.js'

/** The charts' window: the last hour, a point a minute. */
const CHART_MINUTES = 60

type Components = HealthReport['components']
const COMPONENT_NAMES: Record<keyof Components, string> = {
  database: 'Database',
  ais_service: 'AIS positions',
  recent_activity: 'Recent activity',
  providers: 'Outside providers',
  storm_alerts: 'Storm alerts',
  jobs: 'Jobs',
  queue: 'Job queue',
  host: 'Host',
}

interface HealthRow {
  check: string
  status: string
  reason: string
}

/** One row per component, and one per failing job or queue check, each with the reason it gives. */
function healthRows(report: HealthReport): HealthRow[] {
  const rows: HealthRow[] = []
  const c = report.components
  rows.push({check: COMPONENT_NAMES.database, status: c.database.status, reason: c.database.reason ?? `${c.database.ports} ports, ${c.database.vessels} vessels, ${c.database.events} events`})
  rows.push({
    check: COMPONENT_NAMES.ais_service,
    status: c.ais_service.status,
    reason: c.ais_service.reason ?? (c.ais_service.last_position_at ? `last position ${c.ais_service.last_position_at}` : 'no positions yet'),
  })
  rows.push({check: COMPONENT_NAMES.recent_activity, status: c.recent_activity.status, reason: c.recent_activity.reason ?? `${c.recent_activity.events_24h} events in the last 24 h`})
  if (c.providers) rows.push({check: COMPONENT_NAMES.providers, status: c.providers.status, reason: c.providers.reason ?? (c.providers.failed_over.length ? `failed over: ${c.providers.failed_over.join(', ')}` : 'every provider answering')})
  if (c.storm_alerts) rows.push({check: COMPONENT_NAMES.storm_alerts, status: c.storm_alerts.status, reason: c.storm_alerts.reason ?? 'every marine warning placed on the map'})
  if (c.jobs) {
    if (c.jobs.checks.length === 0) rows.push({check: COMPONENT_NAMES.jobs, status: c.jobs.status, reason: 'every job within its limits'})
    for (const check of c.jobs.checks) rows.push({check: `Job ${check.job}: ${check.check}`, status: check.status, reason: check.reason})
  }
  if (c.queue) {
    rows.push({check: COMPONENT_NAMES.queue, status: c.queue.status, reason: c.queue.reason ?? `${c.queue.pending} pending, ${c.queue.live_workers} live workers`})
    for (const check of c.queue.checks) rows.push({check: `Queue: ${check.check.replace('_', ' ')}`, status: check.status, reason: check.reason})
  }
  if (c.host) rows.push({check: COMPONENT_NAMES.host, status: c.host.status, reason: c.host.reason ?? (c.host.free_disk_percent === null ? 'free disk unknown' : `${c.host.free_disk_percent}% disk free`)})
  return rows
}

function healthSection(report: HealthReport): Html {
  return html`<section aria-labelledby="health-title">
<h2 id="health-title">Health ${statusBadge(report.overall_status)}</h2>
<div class="scroll"><table class="health">
<caption>Each check with its reason, as of ${utc(report.timestamp)}</caption>
<thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead>
<tbody>${healthRows(report).map((row) => html`<tr><th scope="row">${row.check}</th><td>${statusBadge(row.status)}</td><td>${row.reason}</td></tr>`)}</tbody>
</table></div>
</section>`
}

async function jobsSection(ctx: Context, now: number): Promise<Html> {
  const jobs = await jobStatuses(ctx)
  const rows = jobs.map(
    (job) => html`<tr>
<th scope="row">${job.job}</th>
<td>${job.schedule_in_words}<br><code class="cron">${job.schedule}</code></td>
<td>${job.last_status ? statusBadge(job.last_status) : html`<span class="none">never run</span>`}</td>
<td class="num">${durationText(job.last_duration_seconds === null ? null : job.last_duration_seconds * 1000)}</td>
<td>${timeAgo(job.last_run_at, now)}</td>
<td>${timeAgo(job.next_run, now)}</td>
<td class="num">${job.consecutive_failures > 0 ? html`<strong class="bad-text">${job.consecutive_failures}</strong>` : '0'}</td>
<td>${job.paused ? html`${statusBadge('paused')} <span class="detail">${job.paused}</span>` : job.enabled ? 'no' : statusBadge('disabled')}</td>
</tr>`,
  )
  return html`<section aria-labelledby="jobs-title">
<h2 id="jobs-title">Jobs</h2>
<div class="scroll"><table class="jobs">
<caption>Every scheduled job: its last run and its next (times in UTC on hover)</caption>
<thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Last run</th><th scope="col">Took</th><th scope="col">When</th><th scope="col">Next run</th><th scope="col">Failures in a row</th><th scope="col">Paused</th></tr></thead>
<tbody>${rows.length ? rows : emptyRow('No jobs are registered.', 8)}</tbody>
</table></div>
</section>`
}

/** A small chart of one count per minute, drawn by app.js with uPlot; its figures also written out for those who cannot see it. */
function minuteChart(opts: {id: string; title: string; minutes: number[]; values: number[]; tone: 'good' | 'bad'}): Html {
  const total = opts.values.reduce((a, b) => a + b, 0)
  const peak = Math.max(0, ...opts.values)
  const data = JSON.stringify({label: opts.title, tone: opts.tone, t: opts.minutes, v: opts.values})
  return html`<figure class="chart" id="${opts.id}">
<div class="chart-area" data-chart="${data}" role="img" aria-label="${opts.title}: ${total} in the last hour, at most ${peak} in a minute"></div>
<figcaption>${opts.title}: <strong>${total}</strong> in the last hour (at most ${peak} a minute)</figcaption>
</figure>`
}

async function queuesSection(ctx: Context): Promise<Html> {
  const stats = await queueStats(ctx, CHART_MINUTES)
  const rows = stats.queues.map(
    (q) => html`<tr>
<th scope="row">${q.queue}</th>
${QUEUED_JOB_STATES.map((state) => html`<td class="num">${q.states[state] > 0 && (state === 'dead' || state === 'retry') ? html`<strong class="bad-text">${q.states[state]}</strong>` : q.states[state]}</td>`)}
<td class="num">${q.oldest_pending_seconds === null ? '—' : durationText(q.oldest_pending_seconds * 1000)}</td>
<td>${q.paused ? html`${statusBadge('paused')} <span class="detail">by ${q.paused.by}: ${q.paused.reason}</span>` : 'no'}</td>
</tr>`,
  )
  const minutes = stats.per_minute.map((m) => Date.parse(m.minute) / 1000)
  return html`<section aria-labelledby="queues-title">
<h2 id="queues-title">Queues <span class="detail">(${stats.engine} engine)</span></h2>
<div class="scroll"><table class="queues">
<caption>Jobs in each queue by state</caption>
<thead><tr><th scope="col">Queue</th>${QUEUED_JOB_STATES.map((s) => html`<th scope="col" class="num">${s}</th>`)}<th scope="col" class="num">Oldest pending</th><th scope="col">Paused</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
<div class="charts">
${minuteChart({id: 'chart-processed', title: 'Processed per minute', minutes, values: stats.per_minute.map((m) => m.processed), tone: 'good'})}
${minuteChart({id: 'chart-failed', title: 'Failed per minute', minutes, values: stats.per_minute.map((m) => m.failed), tone: 'bad'})}
</div>
</section>`
}

async function workersSection(ctx: Context, now: number): Promise<Html> {
  const workers = await listWorkers(ctx)
  const liveOnes = workers.filter((w) => w.status === 'live')
  const gone = workers.length - liveOnes.length
  const rows = liveOnes.map(
    (w) => html`<tr>
<th scope="row">${w.host} <span class="detail">pid ${w.pid}</span></th>
<td>${Object.entries(w.queues).map(([queue, weight], i) => html`${i ? ', ' : ''}${queue}=${weight}`)}${w.strict ? ' (strict)' : ''}</td>
<td class="num">${w.current_jobs.length} of ${w.concurrency}</td>
<td class="num">${w.processed} <span class="detail">(${w.failed} failed)</span></td>
<td>${timeAgo(w.started_at, now)}</td>
<td>${timeAgo(w.heartbeat_at, now)}</td>
</tr>`,
  )
  return html`<section aria-labelledby="workers-title">
<h2 id="workers-title">Live workers</h2>
<div class="scroll"><table class="workers">
<caption>Workers with a recent heartbeat${gone ? html`; ${gone} more stopped or lost in the last day (see Workers)` : ''}</caption>
<thead><tr><th scope="col">Host</th><th scope="col">Queues and weights</th><th scope="col" class="num">Busy</th><th scope="col" class="num">Processed</th><th scope="col">Started</th><th scope="col">Heartbeat</th></tr></thead>
<tbody>${rows.length ? rows : emptyRow('No worker is running: queued jobs wait until one starts (harbormaster worker).', 6)}</tbody>
</table></div>
</section>`
}

/** Everything the overview shows, as of now: the region that refreshes. */
async function overviewBody(ctx: Context): Promise<Html> {
  const now = ctx.clock.now()
  const [report, jobs, queues, workers] = [await checkHealth(ctx), await jobsSection(ctx, now), await queuesSection(ctx), await workersSection(ctx, now)]
  return live('overview', '/overview/live', html`${healthSection(report)}${jobs}${queues}${workers}`)
}

export const overviewPage: FastifyPluginAsync<ApiOptions> = async (app, {ctx}) => {
  app.get('/', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    return sendHtml(reply, pageDocument(view, {key: 'overview', title: 'Overview', body: await overviewBody(ctx)}))
  })
  app.get('/overview/live', {preHandler: webAuth(ctx, 'VIEWER')}, async (_req, reply) => sendHtml(reply, await overviewBody(ctx)))
}
