// The Queues page (`/queues`): each queue's depths per state and its pause; a queue's jobs in one state a page at
// a time (keyset); one job's payload, attempts, errors and timeline; retry (OPERATOR), delete, pause and resume
// (ADMIN) and retry all dead (OPERATOR), through the same services as `queue …` and /api/queues.
import type {FastifyPluginAsync, FastifyReply, FastifyRequest} from 'fastify'

import type {QueuedJobDetails, QueuedJobRow, QueueStatsReport} from '../../schemas/queue.js'
import type {ApiOptions} from '../api/plugin.js'
import type {Context} from '../context.js'
import {HarbormasterError} from '../errors.js'
import {deleteQueuedJob, findQueuedJob, isQueueName, queueJobPage, queueStats, retryAllDead, retryQueuedJob} from '../queue/admin.js'
import {pauseQueue, resumeQueue} from '../queue/pauses.js'
import {QUEUE_NAMES, QUEUED_JOB_STATES, type QueuedJobState, type QueueName} from '../queue/types.js'
import {html, type Html} from './html.js'
import {confirmButton, csrfField, emptyRow, goTo, isHtmx, live, may, pageDocument, sendHtml, statusBadge, timeAgo, utc} from './layout.js'
import {pageView, webAuth} from './session.js'
import type {PageView} from './types.js'

/** Jobs per page of a queue's table. */
export const JOBS_PER_PAGE = 50

const STATE_WORDS: Record<QueuedJobState, string> = {
  scheduled: 'waiting for their time, the next due first',
  pending: 'due and waiting for a worker, the next to run first',
  active: 'held by a worker, newest first',
  retry: 'failed and waiting for their backoff, the next due first',
  dead: 'out of retries (the dead letter), newest first',
  completed: 'done, newest first',
}

const jobUrl = (id: string) => `/queues/jobs/${encodeURIComponent(id)}`
const queueUrl = (queue: string, state: QueuedJobState, after?: string | null) =>
  `/queues/${queue}?state=${state}${after ? `&after=${encodeURIComponent(after)}` : ''}`

/** An action the job's or queue's state refused: said in the page (htmx swaps it where the action was). */
function refused(req: FastifyRequest, reply: FastifyReply, view: PageView, error: HarbormasterError, back: string, status = 409): FastifyReply {
  const problem = html`<p class="problem" role="alert">${error.message}${error.hint ? html` (${error.hint})` : ''}</p>`
  // htmx swaps only 2xx answers: the refusal goes into the page's problem region.
  if (isHtmx(req)) return sendHtml(reply.header('hx-retarget', '#action-problem').header('hx-reswap', 'innerHTML'), problem)
  return sendHtml(reply, pageDocument(view, {key: 'queues', title: 'Not done', body: html`${problem}<p><a href="${back}">Back</a></p>`}), status)
}

const actionProblem = html`<div id="action-problem" aria-live="polite"></div>`

function pauseCell(q: QueueStatsReport['queues'][number]): Html {
  if (!q.paused) return statusBadge('not paused')
  return html`${statusBadge('paused')} <span class="detail">by ${q.paused.by} since ${utc(q.paused.since)}: ${q.paused.reason}</span>`
}

/** ADMIN only: a form per queue, pause (asking why) or resume (asking to confirm). */
function pauseControls(view: PageView, stats: QueueStatsReport): Html {
  if (!may(view, 'ADMIN')) return html``
  const controls = stats.queues.map((q) =>
    q.paused
      ? html`<li>${confirmButton(view, {url: `/queues/${q.queue}/resume`, label: `Resume ${q.queue}`, question: `Resume the ${q.queue} queue? Workers take its jobs again.`, danger: false})}</li>`
      : html`<li><form method="post" action="/queues/${q.queue}/pause" class="inline">${csrfField(view)}
<label for="reason-${q.queue}">Reason to pause ${q.queue}</label>
<input id="reason-${q.queue}" name="reason" required maxlength="500" placeholder="why (operators see it)">
<button type="submit">Pause ${q.queue}</button></form></li>`,
  )
  return html`<h2>Pause or resume</h2><p class="detail">A paused queue still takes new jobs; workers leave them waiting (those running finish).</p><ul class="controls">${controls}</ul>`
}

/** The depths table: one row per queue, a count per state linking to that state's jobs. */
function depthsTable(view: PageView, stats: QueueStatsReport): Html {
  const rows = stats.queues.map(
    (q) => html`<tr>
<th scope="row"><a href="/queues/${q.queue}">${q.queue}</a></th>
<td data-label="Weight" class="num">${q.weight}</td>
${QUEUED_JOB_STATES.map((s) => html`<td data-label="${s}" class="num"><a href="${queueUrl(q.queue, s)}" aria-label="${q.queue} ${s}: ${q.states[s]}">${q.states[s].toLocaleString('en')}</a></td>`)}
<td data-label="Oldest pending" class="num">${q.oldest_pending_seconds === null ? html`<span class="none">—</span>` : `${Math.round(q.oldest_pending_seconds)} s`}</td>
<td data-label="Paused">${pauseCell(q)}</td>
</tr>`,
  )
  return html`<p class="detail">${stats.processed_per_minute} jobs processed and ${stats.failed_per_minute} attempts failed per minute over the last ${stats.window_minutes} min (${stats.engine} engine).</p>
<div class="scroll"><table class="stack">
<caption>Jobs per queue and state</caption>
<thead><tr><th scope="col">Queue</th><th scope="col" class="num">Weight</th>${QUEUED_JOB_STATES.map((s) => html`<th scope="col" class="num">${s}</th>`)}<th scope="col" class="num">Oldest pending</th><th scope="col">Paused</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
}

async function queuesBody(ctx: Context, view: PageView): Promise<Html> {
  return depthsTable(view, await queueStats(ctx))
}

function deadActions(view: PageView, stats: QueueStatsReport): Html {
  const dead = stats.queues.reduce((n, q) => n + q.states.dead, 0)
  if (!may(view, 'OPERATOR') || dead === 0) return html``
  return html`<p>${confirmButton(view, {url: '/queues/retry-dead', label: `Retry all ${dead.toLocaleString('en')} dead jobs`, question: `Put every dead job (${dead}) back to pending?`, danger: false})}</p>`
}

function jobsTable(queue: QueueName, state: QueuedJobState, jobs: QueuedJobRow[], now: number): Html {
  const rows = jobs.length
    ? jobs.map(
        (j) => html`<tr>
<th scope="row"><a href="${jobUrl(j.id)}">${j.id}</a></th>
<td data-label="Type">${j.type}</td>
<td data-label="State">${statusBadge(j.state)}</td>
<td data-label="Attempts" class="num">${j.attempts} of ${j.max_retries + 1}</td>
<td data-label="Enqueued">${timeAgo(j.created_at, now)}</td>
<td data-label="Due">${timeAgo(j.run_at, now)}</td>
<td data-label="Last error">${j.last_error ? html`<span class="bad-text">${j.last_error.length > 120 ? `${j.last_error.slice(0, 119)}…` : j.last_error}</span>` : html`<span class="none">—</span>`}</td>
</tr>`,
      )
    : emptyRow(`No ${state} jobs in ${queue}.`, 7)
  return html`<div class="scroll"><table class="stack">
<caption>${queue}: ${state} jobs, ${STATE_WORDS[state]}</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Type</th><th scope="col">State</th><th scope="col" class="num">Attempts</th><th scope="col">Enqueued</th><th scope="col">Due</th><th scope="col">Last error</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
}

function stateTabs(queue: QueueName, state: QueuedJobState, stats: QueueStatsReport): Html {
  const depth = stats.queues.find((q) => q.queue === queue)
  return html`<nav aria-label="States"><ul class="tabs">${QUEUED_JOB_STATES.map(
    (s) => html`<li><a href="${queueUrl(queue, s)}"${s === state ? html` aria-current="page"` : ''}>${s} (${(depth?.states[s] ?? 0).toLocaleString('en')})</a></li>`,
  )}</ul></nav>`
}

async function jobsRegion(ctx: Context, queue: QueueName, state: QueuedJobState, after: string | undefined): Promise<Html> {
  const page = await queueJobPage(ctx, {queue, state, limit: JOBS_PER_PAGE, after})
  const pages = html`<nav class="pager" aria-label="Pages of ${state} jobs">
${after ? html`<a href="${queueUrl(queue, state)}">First page</a>` : html`<span class="none">First page</span>`}
${page.next ? html`<a href="${queueUrl(queue, state, page.next)}" rel="next">Next page →</a>` : html`<span class="none">Last page</span>`}
</nav>`
  return html`${jobsTable(queue, state, page.jobs, ctx.clock.now())}${pages}`
}

function jobSummary(job: QueuedJobDetails, now: number): Html {
  const row = (label: string, value: Html | string | number) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`
  return html`<div class="scroll"><table>
<caption>Queued job ${job.id}</caption>
<tbody>
${row('State', statusBadge(job.state))}
${row('Type', job.type)}
${row('Queue', html`<a href="${queueUrl(job.queue, job.state)}">${job.queue}</a>`)}
${row('Attempts', `${job.attempts} of ${job.max_retries + 1} (${job.max_retries} retries)`)}
${row('Timeout', `${job.timeout_seconds} s`)}
${row('Enqueued', html`${utc(job.created_at)} (${timeAgo(job.created_at, now)})`)}
${row('Due', html`${utc(job.run_at)} (${timeAgo(job.run_at, now)})`)}
${row('Started', utc(job.started_at))}
${row('Finished', utc(job.finished_at))}
${row('Worker', job.worker_id ?? html`<span class="none">—</span>`)}
${row('Unique key', job.unique_key ?? html`<span class="none">—</span>`)}
</tbody></table></div>`
}

function jobBody(view: PageView, job: QueuedJobDetails): Html {
  const now = view.ctx.clock.now()
  const errors = job.errors.length
    ? job.errors.map(
        (e) => html`<tr><td class="num">${e.attempt}</td><td>${utc(e.at)}</td><td><span class="bad-text">${e.message}</span>${
          e.stack ? html`<details><summary>Stack</summary><pre class="scroll">${e.stack}</pre></details>` : ''
        }</td></tr>`,
      )
    : emptyRow('No attempt has failed.', 3)
  const timeline = job.timeline.map((t) => html`<li>${utc(t.at)} ${statusBadge(t.event)}${t.detail ? html` <span class="detail">${t.detail}</span>` : ''}</li>`)
  return html`${jobSummary(job, now)}
<h2>Payload</h2>
<pre class="scroll payload">${JSON.stringify(job.payload, null, 2)}</pre>
${job.result === null ? '' : html`<h2>Result</h2><pre class="scroll">${JSON.stringify(job.result, null, 2)}</pre>`}
<h2>Attempts that failed</h2>
<div class="scroll"><table><caption>Each failed attempt, oldest first</caption>
<thead><tr><th scope="col" class="num">Attempt</th><th scope="col">When</th><th scope="col">Error</th></tr></thead>
<tbody>${errors}</tbody></table></div>
<h2>Timeline</h2>
<ol class="timeline">${timeline}</ol>`
}

function jobActions(view: PageView, job: QueuedJobDetails): Html {
  const retry =
    may(view, 'OPERATOR') && (job.state === 'dead' || job.state === 'retry')
      ? confirmButton(view, {url: `${jobUrl(job.id)}/retry`, label: 'Retry now', question: `Put job ${job.id} back to pending now?`, danger: false})
      : ''
  const remove = may(view, 'ADMIN') ? confirmButton(view, {url: `${jobUrl(job.id)}/delete`, label: 'Delete', question: `Delete job ${job.id} for good?`}) : ''
  return retry || remove ? html`<p class="actions">${retry} ${remove}</p>` : html``
}

export const queuesPage: FastifyPluginAsync<ApiOptions> = async (app, {ctx}) => {
  app.get('/queues', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const stats = await queueStats(ctx)
    const body = html`${actionProblem}${live('queue-depths', '/queues/live', depthsTable(view, stats))}${deadActions(view, stats)}${pauseControls(view, stats)}`
    return sendHtml(reply, pageDocument(view, {key: 'queues', title: 'Queues', body}))
  })

  app.get('/queues/live', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => sendHtml(reply, live('queue-depths', '/queues/live', await queuesBody(ctx, pageView(req, ctx)))))

  app.post('/queues/retry-dead', {preHandler: webAuth(ctx, 'OPERATOR')}, async (req, reply) => {
    await retryAllDead(ctx)
    return goTo(req, reply, '/queues')
  })

  const stateOf = (query: unknown): QueuedJobState | undefined => {
    const state = (query as {state?: unknown}).state
    if (state === undefined) return 'pending'
    return typeof state === 'string' && (QUEUED_JOB_STATES as readonly string[]).includes(state) ? (state as QueuedJobState) : undefined
  }
  const afterOf = (query: unknown): string | undefined => {
    const after = (query as {after?: unknown}).after
    return typeof after === 'string' && after.length > 0 && after.length <= 100 ? after : undefined
  }

  const jobsRoute = (fragment: boolean) => async (req: FastifyRequest<{Params: {queue: string}}>, reply: FastifyReply) => {
    const view = pageView(req, ctx)
    const state = stateOf(req.query)
    const queue = req.params.queue
    if (!state || !isQueueName(queue)) return sendHtml(reply, pageDocument(view, {key: 'queues', title: 'Not found', body: html`<p class="problem">No such queue or state.</p><p><a href="/queues">Queues</a></p>`}), 404)
    const after = afterOf(req.query)
    let region: Html
    try {
      region = await jobsRegion(ctx, queue, state, after)
    } catch (error) {
      if (error instanceof HarbormasterError) return refused(req, reply, view, error, queueUrl(queue, state), 400)
      throw error
    }
    const liveUrl = `/queues/${queue}/jobs?state=${state}${after ? `&after=${encodeURIComponent(after)}` : ''}`
    const table = live('queue-jobs', liveUrl, region)
    if (fragment) return sendHtml(reply, table)
    const stats = await queueStats(ctx)
    const body = html`<p><a href="/queues">← All queues</a></p>${stateTabs(queue, state, stats)}${table}`
    return sendHtml(reply, pageDocument(view, {key: 'queues', title: `Queue ${queue}`, body}))
  }
  app.get<{Params: {queue: string}}>('/queues/:queue', {preHandler: webAuth(ctx, 'VIEWER')}, jobsRoute(false))
  app.get<{Params: {queue: string}}>('/queues/:queue/jobs', {preHandler: webAuth(ctx, 'VIEWER')}, jobsRoute(true))

  const noQueue = (req: FastifyRequest, reply: FastifyReply) =>
    sendHtml(reply, pageDocument(pageView(req, ctx), {key: 'queues', title: 'Not found', body: html`<p class="problem">No such queue: queues are ${QUEUE_NAMES.join(', ')}.</p>`}), 404)

  app.post<{Params: {queue: string}; Body: {reason?: unknown}}>('/queues/:queue/pause', {preHandler: webAuth(ctx, 'ADMIN')}, async (req, reply) => {
    if (!isQueueName(req.params.queue)) return noQueue(req, reply)
    const view = pageView(req, ctx)
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim().slice(0, 500) : ''
    try {
      await pauseQueue(ctx, req.params.queue, reason ? `${reason} (by ${view.user.name} on the web page)` : '')
    } catch (error) {
      if (error instanceof HarbormasterError) return refused(req, reply, view, error, '/queues', 400)
      throw error
    }
    return goTo(req, reply, '/queues')
  })

  app.post<{Params: {queue: string}}>('/queues/:queue/resume', {preHandler: webAuth(ctx, 'ADMIN')}, async (req, reply) => {
    if (!isQueueName(req.params.queue)) return noQueue(req, reply)
    try {
      await resumeQueue(ctx, req.params.queue)
    } catch (error) {
      if (error instanceof HarbormasterError) return refused(req, reply, pageView(req, ctx), error, '/queues')
      throw error
    }
    return goTo(req, reply, '/queues')
  })

  const jobRoute = (fragment: boolean) => async (req: FastifyRequest<{Params: {id: string}}>, reply: FastifyReply) => {
    const view = pageView(req, ctx)
    const job = await findQueuedJob(ctx, req.params.id)
    if (!job) return sendHtml(reply, pageDocument(view, {key: 'queues', title: 'Not found', body: html`<p class="problem">No queued job ${req.params.id} (completed and dead jobs are kept until purged).</p><p><a href="/queues">Queues</a></p>`}), 404)
    const region = live('queued-job', `${jobUrl(job.id)}/live`, html`${jobActions(view, job)}${jobBody(view, job)}`)
    if (fragment) return sendHtml(reply, region)
    return sendHtml(reply, pageDocument(view, {key: 'queues', title: `Job ${job.id} (${job.type})`, body: html`<p><a href="${queueUrl(job.queue, job.state)}">← ${job.queue}</a></p>${actionProblem}${region}`}))
  }
  app.get<{Params: {id: string}}>('/queues/jobs/:id', {preHandler: webAuth(ctx, 'VIEWER')}, jobRoute(false))
  app.get<{Params: {id: string}}>('/queues/jobs/:id/live', {preHandler: webAuth(ctx, 'VIEWER')}, jobRoute(true))

  app.post<{Params: {id: string}}>('/queues/jobs/:id/retry', {preHandler: webAuth(ctx, 'OPERATOR')}, async (req, reply) => {
    try {
      await retryQueuedJob(ctx, req.params.id)
    } catch (error) {
      if (error instanceof HarbormasterError) return refused(req, reply, pageView(req, ctx), error, jobUrl(req.params.id))
      throw error
    }
    return goTo(req, reply, jobUrl(req.params.id))
  })

  app.post<{Params: {id: string}}>('/queues/jobs/:id/delete', {preHandler: webAuth(ctx, 'ADMIN')}, async (req, reply) => {
    const job = await findQueuedJob(ctx, req.params.id)
    try {
      await deleteQueuedJob(ctx, req.params.id)
    } catch (error) {
      if (error instanceof HarbormasterError) return refused(req, reply, pageView(req, ctx), error, '/queues', 404)
      throw error
    }
    return goTo(req, reply, job ? queueUrl(job.queue, job.state) : '/queues')
  })
}
