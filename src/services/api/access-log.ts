// The one place that decides the API's logger and access log: a JSON line per request when it is answered,
// request URLs shown without query values that could carry a token, credentials masked in every line.
import type {FastifyInstance, FastifyServerOptions} from 'fastify'

import {redactRequestUrl} from '../log/redact.js'

export interface AccessLog {
  /** fastify's `logger` option. */
  logger: FastifyServerOptions['logger']
  /** Adds the line written when a request is answered. */
  attach(app: FastifyInstance): void
}

/** An access log written to `sink` (none: no access log). */
export function accessLog(sink: NodeJS.WritableStream | undefined, mask: (text: string) => string): AccessLog {
  if (!sink) return {logger: false, attach: () => {}}
  return {
    logger: {
      level: 'info',
      // Query values other than the API's own parameters are masked: a token put in a URL stays out of the log.
      serializers: {
        req: (req: {method: string; url: string; ip?: string; hostname?: string}) => ({method: req.method, url: redactRequestUrl(req.url), hostname: req.hostname, remote_address: req.ip}),
      },
      stream: {write: (line: string) => sink.write(mask(line))},
    },
    attach(app) {
      // One line per request, when it is answered (fastify's own request logging, off, adds one when it arrives).
      app.addHook('onResponse', async (req, reply) => {
        req.log.info({req, res: {statusCode: reply.statusCode}, responseTime: Math.round(reply.elapsedTime * 10) / 10}, 'request completed')
      })
    },
  }
}
