// A local stand-in for api.weather.gov on 127.0.0.1: replays a real /alerts/active capture with its
// relative times ("date:now -44 seconds") replaced by ISO 8601 times around a chosen moment.
import {readFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {Gate} from './gate.js'

export interface NwsServer {
  url: string
  requests: Array<{path: string; userAgent?: string}>
  /** /alerts/active requests wait here while it is closed (a slow upstream, for as long as a test needs). */
  gate: Gate
  close(): Promise<void>
}

/** Rewrites every `date:now ±N unit` in a capture to ISO 8601 relative to `now`. */
export function withTimesAround(text: string, now: number): string {
  const units: Record<string, number> = {second: 1e3, minute: 60e3, hour: 3600e3, day: 86_400e3}
  return text.replace(/"date:now\s*([+-])\s*(\d+)\s*(second|minute|hour|day)s?"/g, (_, sign: string, n: string, unit: string) => {
    const at = now + (sign === '-' ? -1 : 1) * Number(n) * units[unit]
    return JSON.stringify(new Date(at).toISOString())
  })
}

/** `zones` maps a path such as /zones/forecast/PKZ413 to a zone capture served there; other zones are 404. */
export async function startNwsServer(capturePath: string, now: number, zones: Record<string, string> = {}): Promise<NwsServer> {
  const body = withTimesAround(readFileSync(capturePath, 'utf8'), now)
  const state = {requests: [] as NwsServer['requests']}
  const gate = new Gate()
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests.push({path: req.url ?? '', userAgent: req.headers['user-agent']})
    if (!req.url?.startsWith('/alerts/active')) {
      const zone = zones[req.url ?? '']
      if (zone) res.writeHead(200, {'content-type': 'application/geo+json'}).end(zone)
      else res.writeHead(404, {'content-type': 'application/problem+json'}).end('{"title":"Not Found"}')
      return
    }
    void gate.pass().then(() => res.writeHead(200, {'content-type': 'application/geo+json'}).end(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests
    },
    gate,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
