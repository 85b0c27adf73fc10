// GET /api/system/health/: the health report (200 healthy or degraded, 503 unhealthy), open to monitors
// without a token. Kept per data version, and by default at most a second (it also depends on the clock and
// the host: ages, 24 h windows, free disk, live processes).
import {healthReport} from '../../schemas/health.js'
import {checkHealth} from '../health.js'
import {AnswerCache, replyFromCache} from './answers.js'
import type {ResourceRoutes} from './plugin.js'

/** How long a report is served while the data stays the same. */
export const HEALTH_MAX_AGE_MS = 1000

export const healthRoutes: ResourceRoutes = async (api, {ctx, mask, healthMaxAgeMs}) => {
  const answers = new AnswerCache(ctx.db, {mask, maxAgeMs: healthMaxAgeMs ?? HEALTH_MAX_AGE_MS, maxEntries: 1})
  api.get(
    '/api/system/health/',
    // A monitor's question is answered at once, ahead of the crowd (see the server's hang-up check).
    {config: {dropIfClientGone: false}, schema: {response: {200: healthReport, 503: healthReport}}},
    async (req, reply) =>
      replyFromCache(answers, 'health', req, reply, async () => {
        const report = await checkHealth(ctx)
        return {status: report.overall_status === 'unhealthy' ? 503 : 200, payload: report}
      }),
  )
}
