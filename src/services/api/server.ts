// The HTTP API on fastify: the seed's endpoints with JSON-schema-validated requests and responses, bearer
// tokens (hashed, compared in constant time) with roles, background job runs through the same runner and
// leases as cron, a body size limit, and a structured access log.
import {timingSafeEqual, createHash} from 'node:crypto'

import Fastify, {type FastifyInstance, type FastifyReply, type FastifyRequest} from 'fastify'

import type {Context} from '../context.js'
import {checkHealth} from '../health.js'
import {runBackgroundJobs, SEED_JOB_NAMES, type SeedJobName} from '../jobs/runner.js'
import {refreshPortWeather} from '../providers/open-meteo.js'
import {PROVIDERS} from '../providers/registry.js'
import {checkEvents} from '../safety/check.js'
import {refreshStormZones} from '../safety/job.js'
import {userForToken} from '../users/users.js'
import {runVesselsJob} from '../vessels/job.js'
import {cacheEntries, congestionPage, createTask, finishTask, leaseHolder, liveVessels, taskStatus} from './data.js'

type Role = 'ADMIN' | 'OPERATOR' | 'VIEWER'
const RANK: Record<Role, number> = {VIEWER: 0, OPERATOR: 1, ADMIN: 2}

export interface ServerOptions {
  /** Largest request body accepted, bytes. */
  bodyLimit?: number
  /** Access log sink (JSON lines); none: no access log. */
  accessLog?: NodeJS.WritableStream
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

export function buildServer(serverCtx: Context, options: ServerOptions = {}): FastifyInstance {
  // On SIGTERM requests in flight finish (each outside call has its deadline) while background runs
  // stop at their next batch boundary: only the runs see the stop request.
  const runs = serverCtx
  const ctx: Context = {...serverCtx, signal: undefined}
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    keepAliveTimeout: 5000,
    logger: options.accessLog ? {level: 'info', stream: options.accessLog} : false,
    ajv: {customOptions: {coerceTypes: true, removeAdditional: false}},
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

  app.post(
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

  app.get(
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

  app.get(
    '/api/system/health/',
    {
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

  app.post(
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
      baseline_waiting: {type: ['number', 'null']},
      source: {type: 'string'},
      observed_at: {type: ['string', 'null']},
    },
  }
  app.get(
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

  app.get(
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
  app.get(
    '/api/cache/:source/',
    {preHandler: authenticate('VIEWER'), schema: {params: {type: 'object', properties: {source: knownSource}, required: ['source']}}},
    async (req) => cacheEntries(ctx, (req.params as {source: string}).source),
  )

  const refreshers: Record<string, (c: Context) => Promise<unknown>> = {
    nws: refreshStormZones,
    'open-meteo': refreshPortWeather,
    aishub: runVesselsJob,
    aisstream: runVesselsJob,
    'nmea-tcp': runVesselsJob,
    'nmea-udp': runVesselsJob,
    'nmea-file': runVesselsJob,
  }
  app.post(
    '/api/tasks/:source/refresh/',
    {
      preHandler: authenticate('ADMIN'),
      schema: {
        params: {type: 'object', properties: {source: {type: 'string', enum: Object.keys(refreshers)}}, required: ['source']},
        response: {202: {type: 'object', properties: {run_id: {type: 'integer'}, status_url: {type: 'string'}}, required: ['run_id', 'status_url']}},
      },
    },
    async (req, reply) => {
      const {source} = req.params as {source: string}
      const id = createTask(ctx, 'refresh', source, req.user?.name ?? 'unknown')
      background(id, async () => ({status: 'success', result: (await refreshers[source](runs)) as Record<string, unknown>}))
      return reply.code(202).send({run_id: id, status_url: `/api/jobs/runs/${id}/`})
    },
  )

  return app
}
