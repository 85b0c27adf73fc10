// The HTTP API on fastify: the seed's endpoints with JSON-schema-validated requests and responses, bearer
// tokens (hashed, compared in constant time) with roles, per-client rate limits, background job runs and
// refreshes through the same runner and leases as cron, a body size limit, work for clients that have
// gone abandoned, and a structured access log that never holds a credential.
import {timingSafeEqual, createHash} from 'node:crypto'

import rateLimit from '@fastify/rate-limit'
import Fastify, {LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest} from 'fastify'

import {secretValues} from '../config.js'
import type {Context} from '../context.js'
import {checkHealth} from '../health.js'
import {jobSpec, type JobSummary} from '../jobs/registry.js'
import {runBackgroundJobs, runJob, SEED_JOB_NAMES, type JobOutcome, type SeedJobName} from '../jobs/runner.js'
import {redactor, redactRequestUrl, secretFragments} from '../log/redact.js'
import {refreshPortWeather} from '../providers/open-meteo.js'
import {PROVIDERS} from '../providers/registry.js'
import {checkEvents} from '../safety/check.js'
import {refreshStormZones} from '../safety/storms.js'
import {userForToken} from '../users/users.js'
import {cacheEntries, congestionPage, createTask, finishTask, leaseHolder, liveVessels, taskStatus} from './data.js'

type Role = 'ADMIN' | 'OPERATOR' | 'VIEWER'
const RANK: Record<Role, number> = {VIEWER: 0, OPERATOR: 1, ADMIN: 2}

export interface ServerOptions {
  /** Largest request body accepted, bytes. */
  bodyLimit?: number
  /** Called for each request whose client left before its work began (the work is not done). */
  onAbandoned?: (url: string) => void
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: {name: string; role: Role}
  }
  interface FastifyInstance {
    /** Waits for the background work started over HTTP to finish. */
    drain(): Promise<void>
  }
}

const error = (message: string, field?: string) => ({error: {message, ...(field ? {field} : {})}})
const errorSchema = {
  type: 'object',
  properties: {error: {type: 'object', properties: {message: {type: 'string'}, field: {type: 'string'}, holder: {type: 'string'}}, required: ['message']}},
  required: ['error'],
}
const metadataSchema = {
  type: 'object',
  properties: {source: {type: 'string'}, observed_at: {type: ['string', 'null']}, age_seconds: {type: ['number', 'null']}, reason: {type: 'string'}},
  required: ['source', 'observed_at'],
}
const healthStatus = {type: 'string', enum: ['healthy', 'degraded', 'unhealthy']}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

/** What identifies a client for its rate limit: its bearer token (hashed; never kept), else its address. */
function clientKey(req: FastifyRequest): string {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  return match ? `token:${createHash('sha256').update(match[1]).digest('hex').slice(0, 32)}` : `address:${req.ip}`
}

/** Whether the client of `req` has gone (closed its connection or aborted the request). */
function clientGone(req: FastifyRequest): boolean {
  const socket = req.raw.socket
  return req.raw.destroyed || !socket || socket.destroyed || !socket.writable
}

export function buildServer(serverCtx: Context, options: ServerOptions = {}): FastifyInstance {
  // On SIGTERM requests in flight finish (each outside call has its deadline) while background runs
  // stop at their next batch boundary: only the runs see the stop request.
  const runs = serverCtx
  const ctx: Context = {...serverCtx, signal: undefined}
  const hide = redactor(secretFragments(secretValues(ctx.config)))
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    keepAliveTimeout: 5000,
    // The commands' own logger: the access log has their format and destinations (stderr, the log file).
    loggerInstance: ctx.logger.pino.child(
      {},
      {
        // Query values other than the API's own parameters are masked: a token put in a URL stays out of the log.
        serializers: {
          req: (req: {method: string; url: string; ip?: string; hostname?: string}) => ({method: req.method, url: redactRequestUrl(req.url), hostname: req.hostname, remote_address: req.ip}),
        },
      },
    ) as FastifyBaseLogger,
    // One access log line per request, when it is answered (fastify's default adds one when it arrives).
    logController: new LogController({disableRequestLogging: true}),
    ajv: {customOptions: {coerceTypes: true, removeAdditional: false}},
  })
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({req, res: {statusCode: reply.statusCode}, responseTime: Math.round(reply.elapsedTime * 10) / 10}, 'request completed')
  })

  const perMinute = ctx.config.apiRateLimitPerMinute
  if (perMinute > 0) {
    void app.register(rateLimit, {
      global: true,
      max: perMinute,
      timeWindow: 60_000,
      keyGenerator: clientKey,
      errorResponseBuilder: (_req, limit) =>
        Object.assign(new Error(`rate limit: at most ${limit.max} requests a minute per client; retry in ${limit.after}`), {statusCode: 429}),
    })
  }

  // An answer can quote what a provider said (an error echoing the AISHub username): credentials are masked.
  app.addHook('onSend', async (_req, _reply, payload) => (typeof payload === 'string' ? hide(payload) : payload))

  // A request waits here until the server has read its socket once more (Node delivers a hang-up read
  // together with the request one turn later), so a client that gave up while the server was busy is seen
  // as gone and its work is never started: the server stays free for the clients still there.
  app.addHook('preValidation', async (req, reply) => {
    if ((req.routeOptions.config as {dropIfClientGone?: boolean}).dropIfClientGone === false) return
    for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
    if (clientGone(req)) {
      options.onAbandoned?.(redactRequestUrl(req.url))
      req.raw.socket?.destroy()
      return reply.hijack()
    }
  })

  // One JSON error shape for everything: validation names the field, size limits say 413, unknown is 500.
  app.setErrorHandler((err: Error & {validation?: Array<{instancePath?: string; params?: Record<string, unknown>}>; validationContext?: string; statusCode?: number}, _req, reply) => {
    if (err.validation) {
      const first = err.validation[0]
      const field = (first?.params?.missingProperty as string | undefined) ?? (first?.params?.additionalProperty as string | undefined) ?? first?.instancePath?.replace(/^\//, '') ?? err.validationContext
      return reply.code(400).send(error(err.message, field || undefined))
    }
    if (err.statusCode === 413) return reply.code(413).send(error('request body too large'))
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send(error(err.message))
    ctx.logger.error(`API error: ${err.message}`)
    return reply.code(500).send(error('internal error'))
  })
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(error('no such endpoint')))

  /** Runs work after the reply, recording it as a task; shutdown waits for it (see `drain`). */
  const background = (id: number, work: () => Promise<{status: 'success' | 'failed' | 'skipped'; result: Record<string, unknown> | null; error?: string}>) => {
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .then(
        (r) => finishTask(ctx, id, r.status, r.result, r.error),
        (e: Error) => finishTask(ctx, id, 'failed', null, e.message),
      )
      .catch((e: Error) => ctx.logger.error(`recording API task ${id} failed: ${e.message}`))
      .finally(() => pending.delete(task))
    pending.add(task)
  }
  const pending = new Set<Promise<void>>()
  app.decorate('drain', async () => {
    while (pending.size > 0) await Promise.all([...pending])
  })

  // Routes in a plugin registered after the rate limit, so the limit applies to every one of them.
  void app.register(async (api) => {
    const authenticate = (minimum: Role) => async (req: FastifyRequest, reply: FastifyReply) => {
      const header = req.headers.authorization ?? ''
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      if (!match) return reply.code(401).header('www-authenticate', 'Bearer').send(error('a bearer token is required'))
      const token = match[1]
      const admin = ctx.config.adminToken
      if (admin && sameSecret(token, admin)) {
        req.user = {name: 'admin-token', role: 'ADMIN'}
      } else {
        const user = userForToken(ctx, token)
        if (!user) return reply.code(401).header('www-authenticate', 'Bearer').send(error('the token is not valid'))
        req.user = {name: user.name, role: user.role}
      }
      if (RANK[req.user.role] < RANK[minimum]) return reply.code(403).send(error(`${minimum} role required; ${req.user.name} is ${req.user.role}`))
    }

    api.post(
      '/api/jobs/run/',
      {
        preHandler: authenticate('ADMIN'),
        schema: {
          querystring: {type: 'object', properties: {job: {type: 'string', enum: ['ports', 'safety', 'vessels', 'all']}}, required: ['job'], additionalProperties: false},
          response: {
            202: {type: 'object', properties: {run_id: {type: 'integer'}, status_url: {type: 'string'}, status: {type: 'string'}, jobs: {type: 'array', items: {type: 'string'}}}, required: ['run_id', 'status_url']},
            409: errorSchema,
          },
        },
      },
      async (req, reply) => {
        const {job} = req.query as {job: string}
        const jobs: SeedJobName[] = job === 'all' ? [...SEED_JOB_NAMES] : [job as SeedJobName]
        for (const j of jobs) {
          const holder = leaseHolder(ctx, j)
          if (holder) return reply.code(409).send({error: {message: `${j} is already running`, holder}})
        }
        const id = createTask(ctx, 'jobs', job, req.user?.name ?? 'unknown')
        background(id, async () => {
          const {summary, outcomes} = await runBackgroundJobs(runs, jobs, {}, {trigger: 'api'})
          const status = outcomes.some((o) => o.status !== 'success' && o.status !== 'skipped') ? 'failed' : outcomes.every((o) => o.status === 'skipped') ? 'skipped' : 'success'
          return {status, result: summary as unknown as Record<string, unknown>}
        })
        return reply.code(202).send({run_id: id, status_url: `/api/jobs/runs/${id}/`, status: 'running', jobs})
      },
    )

    api.get(
      '/api/jobs/runs/:id/',
      {
        preHandler: authenticate('VIEWER'),
        schema: {params: {type: 'object', properties: {id: {type: 'integer', minimum: 1}}, required: ['id']}},
      },
      async (req, reply) => {
        const task = taskStatus(ctx, (req.params as {id: number}).id)
        if (!task) return reply.code(404).send(error('no such run', 'id'))
        return task
      },
    )

    api.get(
      '/api/system/health/',
      {
        // A monitor's question is answered at once, ahead of the crowd (see the preValidation hook).
        config: {dropIfClientGone: false},
        schema: {
          response: {
            '2xx': {type: 'object', properties: {timestamp: {type: 'string'}, overall_status: healthStatus, components: {type: 'object', additionalProperties: true}}, required: ['timestamp', 'overall_status', 'components']},
            503: {type: 'object', properties: {timestamp: {type: 'string'}, overall_status: healthStatus, components: {type: 'object', additionalProperties: true}}, required: ['timestamp', 'overall_status', 'components']},
          },
        },
      },
      async (_req, reply) => {
        const report = await checkHealth(ctx)
        return reply.code(report.overall_status === 'unhealthy' ? 503 : 200).send(report)
      },
    )

    api.post(
      '/api/events/check/',
      {
        preHandler: authenticate('ADMIN'),
        schema: {querystring: {type: 'object', properties: {dry_run: {type: 'boolean', default: false}}, additionalProperties: false}},
      },
      async (req) => checkEvents(ctx, {dryRun: (req.query as {dry_run: boolean}).dry_run}),
    )

    const congestionRow = {
      type: 'object',
      properties: {
        port_id: {type: ['integer', 'null']},
        name: {type: 'string'},
        unlocode: {type: ['string', 'null']},
        country: {type: ['string', 'null']},
        lat: {type: 'number'},
        lon: {type: 'number'},
        level: {type: 'string'},
        vessels_waiting: {type: ['integer', 'null']},
        vessels_at_berth: {type: ['integer', 'null']},
        vessels_in_port: {type: ['integer', 'null']},
        waiting_unknown_type: {type: ['integer', 'null']},
        at_berth_unknown_type: {type: ['integer', 'null']},
        baseline_waiting: {type: ['number', 'null']},
        baseline_days: {type: 'integer'},
        median_wait_hours: {type: ['number', 'null']},
        waits_counted: {type: ['integer', 'null']},
        trend: {type: 'string'},
        episode_started_at: {type: ['string', 'null']},
        source: {type: 'string'},
        observed_at: {type: ['string', 'null']},
      },
    }
    api.get(
      '/api/ports/congestion/',
      {
        preHandler: authenticate('VIEWER'),
        schema: {
          querystring: {
            type: 'object',
            properties: {
              port: {type: 'string', maxLength: 64},
              country: {type: 'string', maxLength: 64},
              page: {type: 'integer', minimum: 1, default: 1},
              page_size: {type: 'integer', minimum: 1, maximum: 500, default: 50},
            },
            additionalProperties: false,
          },
          response: {
            200: {
              type: 'object',
              properties: {count: {type: 'integer'}, page: {type: 'integer'}, page_size: {type: 'integer'}, results: {type: 'array', items: congestionRow}, metadata: metadataSchema},
              required: ['count', 'results', 'metadata'],
            },
          },
        },
      },
      async (req) => {
        const q = req.query as {port?: string; country?: string; page: number; page_size: number}
        return congestionPage(ctx, {port: q.port, country: q.country}, {page: q.page, pageSize: q.page_size})
      },
    )

    api.get(
      '/api/live-vessels/',
      {
        preHandler: authenticate('VIEWER'),
        schema: {
          querystring: {
            type: 'object',
            properties: {
              bbox: {type: 'string', pattern: '^-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?$'},
              limit: {type: 'integer', minimum: 1, maximum: 5000, default: 1000},
            },
            required: ['bbox'],
            additionalProperties: false,
          },
          response: {
            200: {
              type: 'object',
              properties: {
                count: {type: 'integer'},
                results: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      mmsi: {type: 'integer'},
                      name: {type: ['string', 'null']},
                      lat: {type: 'number'},
                      lon: {type: 'number'},
                      sog: {type: ['number', 'null']},
                      cog: {type: ['number', 'null']},
                      heading: {type: ['integer', 'null']},
                      observed_at: {type: ['string', 'null']},
                      source: {type: 'string'},
                    },
                  },
                },
                metadata: metadataSchema,
              },
              required: ['count', 'results', 'metadata'],
            },
            400: errorSchema,
          },
        },
      },
      async (req, reply) => {
        const q = req.query as {bbox: string; limit: number}
        const [minLon, minLat, maxLon, maxLat] = q.bbox.split(',').map(Number)
        if (Math.abs(minLon) > 180 || Math.abs(maxLon) > 180) return reply.code(400).send(error('bbox longitudes must be within -180..180', 'bbox'))
        if (Math.abs(minLat) > 90 || Math.abs(maxLat) > 90 || minLat >= maxLat) return reply.code(400).send(error('bbox latitudes must be within -90..90 with minLat below maxLat', 'bbox'))
        return liveVessels(ctx, {minLon, minLat, maxLon, maxLat}, q.limit)
      },
    )

    const knownSource = {type: 'string', enum: Object.keys(PROVIDERS)}
    api.get(
      '/api/cache/:source/',
      {preHandler: authenticate('VIEWER'), schema: {params: {type: 'object', properties: {source: knownSource}, required: ['source']}}},
      async (req) => cacheEntries(ctx, (req.params as {source: string}).source),
    )

    /** What refreshes each source: a registry job, or one step of the safety job run under the safety lease. */
    const refreshes: Record<string, {job: string; lockName?: string; work: (c: Context) => Promise<JobSummary>}> = {
      nws: {job: 'nws-refresh', lockName: 'safety', work: async (c) => ({success: true, ...(await refreshStormZones(c))})},
      'open-meteo': {job: 'open-meteo-refresh', lockName: 'safety', work: async (c) => ({success: true, ...(await refreshPortWeather(c))})},
    }
    for (const source of ['aishub', 'aisstream', 'nmea-tcp', 'nmea-udp', 'nmea-file']) refreshes[source] = {job: 'vessels', work: (c) => jobSpec('vessels')!.work(c)}
    const taskStatusOf = (outcome: JobOutcome) => (outcome.status === 'success' ? 'success' : outcome.status === 'skipped' ? 'skipped' : 'failed')
    api.post(
      '/api/tasks/:source/refresh/',
      {
        preHandler: authenticate('ADMIN'),
        schema: {
          params: {type: 'object', properties: {source: {type: 'string', enum: Object.keys(refreshes)}}, required: ['source']},
          response: {202: {type: 'object', properties: {run_id: {type: 'integer'}, status_url: {type: 'string'}, job: {type: 'string'}}, required: ['run_id', 'status_url']}, 409: errorSchema},
        },
      },
      async (req, reply) => {
        const {source} = req.params as {source: string}
        const refresh = refreshes[source]
        const holder = leaseHolder(ctx, refresh.lockName ?? refresh.job)
        if (holder) return reply.code(409).send({error: {message: `${refresh.lockName ?? refresh.job} is already running`, holder}})
        const id = createTask(ctx, 'refresh', source, req.user?.name ?? 'unknown')
        // Through the runner, as cron runs it: the pause, the lease, a job_runs row, the timeout, the pings.
        background(id, async () => {
          const outcome = await runJob(runs, refresh.job, refresh.work, {trigger: 'api', lockName: refresh.lockName})
          return {status: taskStatusOf(outcome), result: (outcome.summary as Record<string, unknown> | undefined) ?? null, error: outcome.error ?? outcome.skipReason}
        })
        return reply.code(202).send({run_id: id, status_url: `/api/jobs/runs/${id}/`, job: refresh.job})
      },
    )
  })

  return app
}
