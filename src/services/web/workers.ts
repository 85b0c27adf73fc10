// The Workers page (`/workers`): every worker live now or seen in the last day (queue/workers.ts listWorkers, as
// `worker list`): host, pid, queues and weights, concurrency, the jobs it runs, started, last heartbeat, live or lost.
import type {FastifyPluginAsync} from 'fastify'

import type {ApiOptions} from '../api/plugin.js'
import type {Context} from '../context.js'
import {listWorkers, type WorkerEntry} from '../queue/workers.js'
import {html, type Html} from './html.js'
import {emptyRow, live, pageDocument, sendHtml, statusBadge, timeAgo, utc} from './layout.js'
import {pageView, webAuth} from './session.js'

function queuesText(worker: WorkerEntry): string {
  const weights = Object.entries(worker.queues).map(([queue, weight]) => `${queue} ${weight}`)
  return `${weights.join(', ')}${worker.strict ? ' (strict order)' : ''}`
}

function workerRow(worker: WorkerEntry, now: number): Html {
  const jobs = worker.current_jobs.length
    ? worker.current_jobs.map((id, k) => html`${k ? ', ' : ''}<a href="/queues/jobs/${encodeURIComponent(id)}">${id}</a>`)
    : html`<span class="none">none</span>`
  return html`<tr>
<th scope="row">${worker.host}</th>
<td class="num">${worker.pid}</td>
<td>${statusBadge(worker.status)}${worker.scheduler ? html` <span class="detail">runs the schedule</span>` : ''}</td>
<td>${queuesText(worker)}</td>
<td class="num">${worker.concurrency}</td>
<td>${jobs}</td>
<td>${utc(worker.started_at)}</td>
<td>${timeAgo(worker.heartbeat_at, now)}</td>
<td class="num">${worker.processed} / ${worker.failed}</td>
</tr>`
}

async function workersTable(ctx: Context): Promise<Html> {
  const workers = await listWorkers(ctx)
  // Heartbeats are wall time (queue/workers.ts), whatever clock the context runs.
  const now = Date.now()
  const live = workers.filter((w) => w.status === 'live').length
  return html`<div class="scroll"><table>
<caption>${live} live of ${workers.length} workers seen in the last day, newest first</caption>
<thead><tr><th scope="col">Host</th><th scope="col" class="num">Pid</th><th scope="col">Status</th><th scope="col">Queues and weights</th><th scope="col" class="num">Concurrency</th><th scope="col">Running now</th><th scope="col">Started</th><th scope="col">Last heartbeat</th><th scope="col" class="num">Processed / failed</th></tr></thead>
<tbody>${workers.length ? workers.map((w) => workerRow(w, now)) : emptyRow('No worker has run in the last day: start one with `harbormaster worker`.', 9)}</tbody>
</table></div>`
}

export const workersPage: FastifyPluginAsync<ApiOptions> = async (app, {ctx}) => {
  app.get('/workers', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const body = live('workers', '/workers/live', await workersTable(ctx))
    return sendHtml(reply, pageDocument(pageView(req, ctx), {key: 'workers', title: 'Workers', body}))
  })
  app.get('/workers/live', {preHandler: webAuth(ctx, 'VIEWER')}, async (_req, reply) => sendHtml(reply, live('workers', '/workers/live', await workersTable(ctx))))
}
