// The HTTP API on fastify: one plugin per resource, each with zod schemas that validate requests, serialize
// answers and type both (fastify-type-provider-zod); around them what every route shares: per-client rate
// limits, work for clients that have gone dropped undone, credentials masked in answers, one JSON error shape,
// background runs waited for on shutdown, and the access log.
import rateLimit from '@fastify/rate-limit'
import Fastify, {LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest} from 'fastify'
import {hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider} from 'fastify-type-provider-zod'
import type {Logger} from 'pino'

import {secretValues} from '../config.js'
import type {Context} from '../context.js'
import {redactor, redactRequestUrl, secretFragments} from '../log/redact.js'
import {requestLogger} from '../log/request-logger.js'
import {clientKey} from './auth.js'
import {BackgroundTasks} from './background.js'
import {cacheRoutes} from './cache.js'
import {eventRoutes} from './events.js'
import {healthRoutes} from './health.js'
import {jobRoutes} from './jobs.js'
import type {ApiOptions} from './plugin.js'
import {portRoutes} from './ports.js'
import {queueRoutes} from './queues.js'
import {errorBody} from './schemas.js'
import {taskRoutes} from './tasks.js'
import {vesselRoutes} from './vessels.js'
import {webRoutes} from '../web/plugin.js'

/** Every resource's routes, registered in this order. */
const RESOURCES = [jobRoutes, healthRoutes, eventRoutes, portRoutes, vesselRoutes, cacheRoutes, taskRoutes, queueRoutes]

export interface ServerOptions {
  /** Largest request body accepted, bytes. */
  bodyLimit?: number
  /** Called for each request whose client left before its work began (the work is not done). */
  onAbandoned?: (url: string) => void
  /** Longest a health report is served while the data stays the same (default 1 s). */
  healthMaxAgeMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Waits for the background work started over HTTP to finish. */
    drain(): Promise<void>
  }
  interface FastifyContextConfig {
    /** false: answer even when the client may have gone (health: a monitor is answered at once). */
    dropIfClientGone?: boolean
  }
}

/** Whether the client of `req` has gone (closed its connection or aborted the request). */
function clientGone(req: FastifyRequest): boolean {
  const socket = req.raw.socket
  // A request whose body has been read whole is destroyed by Node once it has ended: only an incomplete one means an abort.
  return (req.raw.destroyed && !req.raw.complete) || !socket || socket.destroyed || !socket.writable
}

/** The request field a validation error is about: the missing, unknown or invalid one. */
function fieldOf(err: FastifyError): string | undefined {
  const first = err.validation?.[0]
  if (!first) return undefined
  const params = first.params as {keys?: string[]; missingProperty?: string; additionalProperty?: string}
  const field = params.keys?.[0] ?? params.missingProperty ?? params.additionalProperty ?? first.instancePath.replace(/^\//, '').split('/')[0]
  return field || err.validationContext
}

export function buildServer(serverCtx: Context, options: ServerOptions = {}): FastifyInstance {
  // On SIGTERM requests in flight finish (each outside call has its deadline) while background runs
  // stop at their next batch boundary: only the runs see the stop request.
  const ctx: Context = {...serverCtx, signal: undefined}
  const mask = redactor(secretFragments(secretValues(ctx.config)))
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
    childLoggerFactory: (logger, bindings, options) => requestLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger,
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
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

  // An answer can quote what a provider said (an error echoing the AISHub username): credentials are masked
  // (answers from the answer cache were masked when kept).
  app.decorateReply('bodyMasked', false)
  app.addHook('onSend', async (_req, reply, payload) => (typeof payload === 'string' && !reply.bodyMasked ? mask(payload) : payload))

  // A request waits here until the server has read its socket once more (Node delivers a hang-up read
  // together with the request one turn later), so a client that gave up while the server was busy is seen
  // as gone and its work is never started: the server stays free for the clients still there.
  app.addHook('preValidation', async (req, reply) => {
    if (req.routeOptions.config.dropIfClientGone === false) return
    for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
    if (clientGone(req)) {
      options.onAbandoned?.(redactRequestUrl(req.url))
      req.raw.socket?.destroy()
      return reply.hijack()
    }
  })

  // One JSON error shape for everything: validation names the field, size limits say 413, unknown is 500.
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) return reply.code(400).send(errorBody(err.message, {field: fieldOf(err)}))
    if (err.statusCode === 413) return reply.code(413).send(errorBody('request body too large'))
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send(errorBody(err.message))
    ctx.logger.error(`API error: ${err.message}`)
    return reply.code(500).send(errorBody('internal error'))
  })
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody('no such endpoint')))

  const tasks = new BackgroundTasks(ctx)
  app.decorate('drain', () => tasks.drain())

  // Registered after the rate limit, so the limit applies to every route.
  const api: ApiOptions = {ctx, runs: serverCtx, tasks, mask, healthMaxAgeMs: options.healthMaxAgeMs}
  for (const routes of RESOURCES) void app.register(routes, api)
  // The web page (sign-in, assets, pages) after the API: the same rate limit, context and access log.
  void app.register(webRoutes, api)

  return app as unknown as FastifyInstance
}
