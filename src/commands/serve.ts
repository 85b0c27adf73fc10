import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = 'Serve the monitoring web page at / and the HTTP API: jobs, health, events, congestion, live vessels, cache.'
  static override description = `The web page at / (Overview, Jobs, Queues, Workers, Schedules, Providers, Map) asks for an API token at
/sign-in (a user's from \`users add\`, or HARBORMASTER_ADMIN_TOKEN) and keeps the browser signed in with a session
cookie for HARBORMASTER_WEB_SESSION_HOURS; its tables refresh every few seconds and it says when the server cannot
be reached. The API under /api/ takes bearer tokens from \`users add\` (or HARBORMASTER_ADMIN_TOKEN) with roles
ADMIN, OPERATOR, VIEWER. Job runs started over HTTP go through the same runner and leases as cron: a job already
running answers 409 with its holder. Each client (a bearer token, else a web session, else an address) may make
HARBORMASTER_API_RATE_LIMIT requests a minute
(429 with Retry-After past it); a request whose client has gone before its work starts is dropped undone.
SIGINT/SIGTERM stop accepting connections, let requests in flight finish, stop background runs at their next
batch boundary, then exit 0. The access log (one line per request answered) goes where the other log lines go,
in their format (--log-format); --quiet keeps it off stderr. Query values other than the API's own parameters are
masked in it. A port already in use exits 1 saying so. Requests never see a batch half written by a background
run (on SQLite they read through a second, read-only connection while its write is open).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --host 0.0.0.0 --port 8080',
    'HARBORMASTER_ADMIN_TOKEN=$(openssl rand -hex 24) <%= config.bin %> <%= command.id %>   # then open http://127.0.0.1:8000/ and sign in with that token',
    'curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8000/api/ports/congestion/?country=Greece"',
  ]

  static override runsUntilStopped = true

  static override flags = {
    host: Flags.string({description: 'Address to listen on.', default: '127.0.0.1'}),
    port: Flags.integer({description: 'Port (0: any free port).', default: 8000, min: 0, max: 65_535}),
  }

  async run(): Promise<ResultOf<'serve'>> {
    // Requests read on a connection of their own while a background run's write is open (SQLite; PostgreSQL's pool does so anyway).
    const ctx = await this.context({readConnection: true})
    const {buildServer} = await import('../services/api/server.js')
    let abandoned = 0
    const app = buildServer(ctx, {onAbandoned: () => abandoned++})
    // fastify says where it listens (every address, for 0.0.0.0) through the same logger.
    const address = await app.listen({host: this.flags.host, port: this.flags.port, listenTextResolver: (at) => `harbormaster API listening on ${at}`})
    // Runs until asked to stop; then no new connections, in-flight requests finish.
    await new Promise<void>((resolve) => {
      if (ctx.signal?.aborted) resolve()
      else ctx.signal?.addEventListener('abort', () => resolve(), {once: true})
    })
    // close() stops accepting and waits for requests in flight; connections kept alive by clients are
    // closed as soon as they fall idle, so a finished request does not hold the shutdown open.
    const closing = app.close()
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100)
    await closing
    clearInterval(sweep)
    // Background runs see the stop request, end at their next batch boundary and release their leases.
    await app.drain()
    ctx.logger.info('harbormaster API stopped', {requests_abandoned: abandoned})
    return {stopped: true, address, requests_abandoned: abandoned}
  }
}
