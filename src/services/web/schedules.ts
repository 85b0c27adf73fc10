// The Schedules page (`/schedules`): each registry job's cron line and the crontab's extra lines, in words,
// with their next runs in UTC and in the viewer's time zone (app.js writes the local times; without script
// the UTC ones stand alone), from `schedule list`'s service.
import type {FastifyPluginAsync} from 'fastify'

import type {ApiOptions} from '../api/plugin.js'
import {JOB_NAMES} from '../jobs/names.js'
import {scheduleList} from '../jobs/status.js'
import {html} from './html.js'
import {pageDocument, sendHtml, utc, utcText} from './layout.js'
import {pageView, webAuth} from './session.js'

/** How many next runs each line shows. */
const NEXT_RUNS = 3

export const schedulesPage: FastifyPluginAsync<ApiOptions> = async (app, {ctx}) => {
  app.get('/schedules', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const view = pageView(req, ctx)
    const entries = scheduleList(ctx.clock.now(), NEXT_RUNS)
    const rows = entries.map((e) => {
      const registry = (JOB_NAMES as readonly string[]).includes(e.name)
      return html`<tr data-schedule="${e.name}">
<th scope="row">${registry ? html`<a href="/jobs?job=${e.name}">${e.name}</a>` : e.name}${registry ? '' : html` <span class="tag">crontab line</span>`}</th>
<td><code>${e.schedule}</code></td>
<td>${e.in_words}<div class="muted">${e.description}</div></td>
<td><ol class="times">${e.next_runs.map((t) => html`<li>${utc(t)}</li>`)}</ol></td>
<td><ol class="times">${e.next_runs.map((t) => html`<li><time datetime="${t}" data-local>${utcText(new Date(t))}</time></li>`)}</ol></td>
<td><code>${e.command}</code></td>
</tr>`
    })
    const body = html`<p>Cron lines are in UTC (the crontab sets <code>CRON_TZ=UTC</code>). <code>harbormaster schedule crontab</code> prints the lines to install.</p>
<div class="scroll"><table class="schedules">
<caption>Every job's schedule and the crontab's other lines, with their next ${NEXT_RUNS} runs</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Cron (UTC)</th><th scope="col">In words</th><th scope="col">Next runs (UTC)</th><th scope="col">Next runs (<span data-local-zone>your time zone</span>)</th><th scope="col">Command</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
    return sendHtml(reply, pageDocument(view, {key: 'schedules', title: 'Schedules', body}))
  })
}
