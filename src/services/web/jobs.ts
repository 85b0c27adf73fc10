// The Jobs page (`/jobs`): every registry job with its state (running and who holds its lease, paused and why),
// the run history through filters (job, status, trigger, since) by keyset pages, one run's page
// (`/jobs/runs/<id>`: summary, error, stack), and the actions: run now (OPERATOR) through the same path as
// the API's job run, pause with a reason and resume (ADMIN) through the emergency stop `jobs pause` uses.
import type {FastifyPluginAsync, FastifyReply, FastifyRequest} from 'fastify'

import {startJobRuns} from '../api/jobs.js'
import type {ApiOptions} from '../api/plugin.js'
import type {Context} from '../context.js'
import {JOB_STATUSES, type JobStatus} from '../db/schema.js'
import {parseTimeOrAgo} from '../duration.js'
import {errorMessage} from '../errors.js'
import {listPauses, pauseJobs, resumeJobs} from '../jobs/control.js'
import {leaseHolder} from '../jobs/lease.js'
import {JOB_NAMES, RECORDED_JOB_NAMES} from '../jobs/names.js'
import {isJobName} from '../jobs/registry.js'
import {historyPage, jobStatuses, type RunFilter, runDetail} from '../jobs/status.js'
import {html, type Html} from './html.js'
import {csrfField, durationText, emptyRow, goTo, live, may, pageDocument, pager, sendHtml, statusBadge, timeAgo, utc} from './layout.js'
import {pageView, webAuth} from './session.js'
import type {PageView} from './types.js'

/** The trigger filter's words: a run's trigger is one of these, `scheduler` followed by its slot. */
export const TRIGGER_KINDS = ['cli', 'api', 'web', 'queue', 'scheduler'] as const

/** Runs per history page. */
const PAGE_SIZE = 50

/** The history's query as the filter form and paging links carry it. */
interface HistoryQuery {
  job?: string
  status?: string
  trigger?: string
  since?: string
  before?: string
  after?: string
}

function one(value: unknown): string | undefined {
  const text = Array.isArray(value) ? value[0] : value
  return typeof text === 'string' && text.trim() !== '' ? text.trim() : undefined
}

function historyQuery(query: unknown): HistoryQuery {
  const q = (query ?? {}) as Record<string, unknown>
  return {job: one(q.job), status: one(q.status), trigger: one(q.trigger), since: one(q.since), before: one(q.before), after: one(q.after)}
}

/** The filter the query asks for, or the problem with it (a value the form does not offer, a `since` that is no time). */
function filterOf(q: HistoryQuery, now: number): {filter: RunFilter; problem?: string} {
  const filter: RunFilter = {}
  if (q.job) {
    if (!(RECORDED_JOB_NAMES as readonly string[]).includes(q.job)) return {filter, problem: `There is no job ${q.job}.`}
    filter.job = q.job
  }
  if (q.status) {
    if (!(JOB_STATUSES as readonly string[]).includes(q.status)) return {filter, problem: `There is no status ${q.status}.`}
    filter.status = q.status as JobStatus
  }
  if (q.trigger) {
    if (!(TRIGGER_KINDS as readonly string[]).includes(q.trigger)) return {filter, problem: `There is no trigger ${q.trigger}.`}
    filter.trigger = q.trigger
  }
  if (q.since) {
    try {
      filter.since = parseTimeOrAgo(q.since, 'since', now)
    } catch (error) {
      return {filter, problem: errorMessage(error)}
    }
  }
  return {filter}
}

/** `/jobs` with the filters of `q` and a page's cursor (the others left out). */
function historyUrl(path: string, q: HistoryQuery, page: {before?: string | null; after?: string | null} = {}): string {
  const params = new URLSearchParams()
  for (const key of ['job', 'status', 'trigger', 'since'] as const) if (q[key]) params.set(key, q[key] as string)
  if (page.before) params.set('before', page.before)
  if (page.after) params.set('after', page.after)
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

/** Each job's lease holder, for the jobs running now (a running job says who runs it). */
async function holders(ctx: Context): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const job of JOB_NAMES) {
    const holder = await leaseHolder(ctx, job)
    if (holder) out.set(job, holder)
  }
  return out
}

function jobActions(view: PageView, job: string, paused: boolean, running: boolean): Html {
  const run = may(view, 'OPERATOR')
    ? html`<form method="post" action="/jobs/${job}/run" class="inline">${csrfField(view)}<button type="submit"${running ? html` disabled title="already running"` : ''}>Run now</button></form>`
    : ''
  if (!may(view, 'ADMIN')) return html`${run}`
  const pause = paused
    ? html`<form method="post" action="/jobs/${job}/resume" class="inline">${csrfField(view)}<button type="submit">Resume</button></form>`
    : html`<details class="pause"><summary>Pause…</summary><form method="post" action="/jobs/${job}/pause">${csrfField(view)}<label for="reason-${job}">Why pause ${job}?</label>
<input id="reason-${job}" name="reason" required maxlength="500" placeholder="shown to everyone whose run is skipped"><button type="submit" class="danger">Pause ${job}</button></form></details>`
  return html`${run}${pause}`
}

/** Every registry job: schedule, last run, next run, failures in a row, and whether it runs, is paused or waits. */
async function jobsTable(view: PageView): Promise<Html> {
  const {ctx} = view
  const now = ctx.clock.now()
  const [jobs, running, pauses] = [await jobStatuses(ctx), await holders(ctx), await listPauses(ctx)]
  const all = pauses.find((p) => p.job === '*')
  const rows = jobs.map((j) => {
    const holder = running.get(j.job)
    const state = holder ? html`${statusBadge('running')} <span class="holder">${holder}</span>` : j.paused ? html`${statusBadge('paused')} <span>${j.paused}</span>` : html`${statusBadge(j.enabled ? 'scheduled' : 'disabled')}`
    return html`<tr data-job="${j.job}">
<th scope="row"><a href="${historyUrl('/jobs', {job: j.job})}">${j.job}</a></th>
<td data-label="Schedule">${j.schedule_in_words}</td>
<td data-label="Last run">${j.last_status ? html`${statusBadge(j.last_status)} ${timeAgo(j.last_run_at, now)}` : html`<span class="none">never run</span>`}</td>
<td data-label="Next run">${utc(j.next_run)}</td>
<td data-label="Failures in a row" class="num">${j.consecutive_failures}</td>
<td data-label="State">${state}</td>
${may(view, 'OPERATOR') ? html`<td data-label="Actions" class="actions">${jobActions(view, j.job, pauses.some((p) => p.job === j.job), holder !== undefined)}</td>` : ''}
</tr>`
  })
  return html`<div class="scroll"><table class="jobs stack">
<caption>Every job${all ? html`: <strong>all jobs are paused</strong> by ${all.by} since ${all.since} (${all.reason})` : ''}</caption>
<thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Last run</th><th scope="col">Next run</th><th scope="col" class="num">Failures in a row</th><th scope="col">State</th>${
    may(view, 'OPERATOR') ? html`<th scope="col">Actions</th>` : ''
  }</tr></thead>
<tbody>${rows}</tbody>
</table></div>`
}

function options(values: readonly string[], chosen: string | undefined, anyLabel: string): Html {
  return html`<option value="">${anyLabel}</option>${values.map((v) => html`<option value="${v}"${v === chosen ? html` selected` : ''}>${v}</option>`)}`
}

function filterForm(q: HistoryQuery): Html {
  return html`<form method="get" action="/jobs" class="filters" aria-label="Filter the history">
<label>Job <select name="job">${options(RECORDED_JOB_NAMES, q.job, 'any job')}</select></label>
<label>Status <select name="status">${options(JOB_STATUSES, q.status, 'any status')}</select></label>
<label>Trigger <select name="trigger">${options(TRIGGER_KINDS, q.trigger, 'any trigger')}</select></label>
<label>Since <input name="since" value="${q.since ?? ''}" placeholder="24h, 7d or 2026-11-24T18:00:00Z" size="22"></label>
<button type="submit">Filter</button> <a href="/jobs">Clear</a>
</form>`
}

/** One page of the history through the query's filters. */
async function historyTable(ctx: Context, q: HistoryQuery): Promise<Html> {
  const now = ctx.clock.now()
  const {filter, problem} = filterOf(q, now)
  if (problem) return html`<p class="problem" role="alert">${problem}</p>`
  const page = await historyPage(ctx, filter, {before: q.before, after: q.after, limit: PAGE_SIZE})
  const rows = page.runs.map(
    (r) => html`<tr>
<td data-label="Run"><a href="/jobs/runs/${r.id}">#${r.id}</a></td>
<td data-label="Job">${r.job}</td>
<td data-label="Status">${statusBadge(r.status)}</td>
<td data-label="Started">${utc(r.startedAt)}</td>
<td data-label="Duration" class="num">${durationText(r.durationMs)}</td>
<td data-label="Trigger">${r.trigger}</td>
<td data-label="Host and pid">${r.host}:${r.pid}</td>
<td data-label="Error" class="error">${r.error ? (r.error.length > 160 ? `${r.error.slice(0, 160)}…` : r.error) : ''}</td>
</tr>`,
  )
  const filtered = Object.values(filter).some((v) => v !== undefined)
  return html`<div class="scroll"><table class="history stack">
<caption>Runs, newest first${filtered ? ' (filtered)' : ''}</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col" class="num">Duration</th><th scope="col">Trigger</th><th scope="col">Host and pid</th><th scope="col">Error</th></tr></thead>
<tbody>${rows.length ? rows : emptyRow(filtered ? 'No run matches these filters.' : 'No job has run yet.', 8)}</tbody>
</table></div>
${pager({label: 'History pages', previous: page.newer ? historyUrl('/jobs', q, {after: page.newer}) : null, next: page.older ? historyUrl('/jobs', q, {before: page.older}) : null})}`
}

function jsonText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2)
}

/** One run: what it was, how it ended, its summary (each field), its error and stack. */
async function runBody(ctx: Context, id: number): Promise<Html | undefined> {
  const detail = await runDetail(ctx, id)
  if (!detail) return undefined
  const {run, holder} = detail
  const now = ctx.clock.now()
  const summary = run.summary ? Object.entries(run.summary as Record<string, unknown>) : []
  return live(
    'run',
    `/jobs/runs/${id}/live`,
    html`<dl class="run">
<dt>Job</dt><dd><a href="${historyUrl('/jobs', {job: run.job})}">${run.job}</a></dd>
<dt>Status</dt><dd>${statusBadge(run.status)}${holder ? html` <span class="holder">${holder}</span>` : ''}</dd>
<dt>Started</dt><dd>${utc(run.startedAt)} (${timeAgo(run.startedAt, now)})</dd>
<dt>Ended</dt><dd>${utc(run.completedAt, run.status === 'running' ? 'still running' : '—')}</dd>
<dt>Duration</dt><dd>${durationText(run.durationMs)}</dd>
<dt>Trigger</dt><dd>${run.trigger}</dd>
<dt>Host and pid</dt><dd>${run.host}:${run.pid}</dd>
<dt>Peak memory</dt><dd>${run.peakRssBytes === null ? '—' : `${Math.round(run.peakRssBytes / 1024 / 1024)} MB`}</dd>
</dl>
<section aria-labelledby="summary-title"><h2 id="summary-title">Summary</h2>
${
  summary.length
    ? html`<div class="scroll"><table class="summary"><caption>What the run reported</caption><thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr></thead><tbody>${summary.map(
        ([k, v]) => html`<tr><th scope="row">${k}</th><td>${v !== null && typeof v === 'object' ? html`<pre>${jsonText(v)}</pre>` : String(v)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="none">${run.status === 'running' ? 'The run has not finished.' : 'The run left no summary.'}</p>`
}
</section>
<section aria-labelledby="error-title"><h2 id="error-title">Error</h2>
${run.error ? html`<pre class="error-text">${run.error}</pre>` : html`<p class="none">No error.</p>`}
${run.errorStack ? html`<details open><summary>Stack</summary><pre class="stack">${run.errorStack}</pre></details>` : ''}
</section>`,
  )
}

/** An action refused (already running, no reason given): said on a page with the way back. */
function refused(view: PageView, reply: FastifyReply, status: number, title: string, text: string): FastifyReply {
  return sendHtml(reply, pageDocument(view, {key: 'jobs', title, body: html`<p class="problem" role="alert">${text}</p><p><a href="/jobs">Back to Jobs</a></p>`}), status)
}

export const jobsPage: FastifyPluginAsync<ApiOptions> = async (app, options) => {
  const {ctx} = options

  app.get('/jobs', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const q = historyQuery(req.query)
    const started = one((req.query as Record<string, unknown>).started)
    const startedJob = one((req.query as Record<string, unknown>).run_of)
    const body = html`${started ? html`<p class="notice" role="status">A run of ${startedJob ?? 'the job'} was started (task ${started}): it appears in the history once it begins.</p>` : ''}
<section aria-labelledby="jobs-title"><h2 id="jobs-title">Jobs</h2>${live('jobs-table', '/jobs/live/table', await jobsTable(view))}</section>
<section aria-labelledby="history-title"><h2 id="history-title">History</h2>${filterForm(q)}${live('history', historyUrl('/jobs/live/history', q, {before: q.before, after: q.after}), await historyTable(ctx, q))}</section>`
    return sendHtml(reply, pageDocument(view, {key: 'jobs', title: 'Jobs', body}))
  })

  app.get('/jobs/live/table', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => sendHtml(reply, live('jobs-table', '/jobs/live/table', await jobsTable(pageView(req, ctx)))))

  app.get('/jobs/live/history', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const q = historyQuery(req.query)
    return sendHtml(reply, live('history', historyUrl('/jobs/live/history', q, {before: q.before, after: q.after}), await historyTable(ctx, q)))
  })

  const runPage = async (req: FastifyRequest, reply: FastifyReply, fragment: boolean) => {
    const view = pageView(req, ctx)
    const id = Number((req.params as {id: string}).id)
    const body = Number.isSafeInteger(id) && id > 0 ? await runBody(ctx, id) : undefined
    if (!body) return sendHtml(reply, fragment ? html`<p class="problem">There is no run ${String((req.params as {id: string}).id)}.</p>` : pageDocument(view, {key: 'jobs', title: 'No such run', body: html`<p class="problem" role="alert">There is no run ${String((req.params as {id: string}).id)}.</p><p><a href="/jobs">Back to Jobs</a></p>`}), 404)
    return sendHtml(reply, fragment ? body : pageDocument(view, {key: 'jobs', title: `Run #${id}`, body: html`<p><a href="/jobs">← Jobs</a></p>${body}`}))
  }
  app.get('/jobs/runs/:id', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => runPage(req, reply, false))
  app.get('/jobs/runs/:id/live', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => runPage(req, reply, true))

  app.post('/jobs/:name/run', {preHandler: webAuth(ctx, 'OPERATOR')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const name = (req.params as {name: string}).name
    if (!isJobName(name)) return refused(view, reply, 404, 'No such job', `There is no job ${name}.`)
    const started = await startJobRuns(options, [name], {target: name, requestedBy: view.user.name, trigger: 'web'})
    if (!started.started) return refused(view, reply, 409, 'Already running', `${name} was not started: ${started.holder}.`)
    req.log.info({job: name, task: started.id, requested_by: view.user.name}, `run of ${name} started from the web page`)
    return goTo(req, reply, `/jobs?${new URLSearchParams({job: name, run_of: name, started: String(started.id)}).toString()}`)
  })

  app.post('/jobs/:name/pause', {preHandler: webAuth(ctx, 'ADMIN')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const name = (req.params as {name: string}).name
    const reason = one((req.body as Record<string, unknown> | undefined)?.reason)
    if (!isJobName(name)) return refused(view, reply, 404, 'No such job', `There is no job ${name}.`)
    if (!reason) return refused(view, reply, 400, 'A pause needs a reason', `Say why ${name} is paused: the reason is shown to everyone whose run is skipped.`)
    await pauseJobs(ctx, name, reason, `${view.user.name}@${ctx.config.host} (web)`)
    req.log.info({job: name, by: view.user.name}, `${name} paused from the web page`)
    return goTo(req, reply, '/jobs')
  })

  app.post('/jobs/:name/resume', {preHandler: webAuth(ctx, 'ADMIN')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const name = (req.params as {name: string}).name
    if (!isJobName(name)) return refused(view, reply, 404, 'No such job', `There is no job ${name}.`)
    try {
      await resumeJobs(ctx, name)
    } catch (error) {
      return refused(view, reply, 409, 'Not paused', errorMessage(error))
    }
    req.log.info({job: name, by: view.user.name}, `${name} resumed from the web page`)
    return goTo(req, reply, '/jobs')
  })
}
