// A fault-injecting HTTP server on 127.0.0.1: each request to a path takes the next behaviour of its
// script (the last one repeats), so a test can say "two 500s, then the real capture".
import {createServer, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export type Behaviour =
  | {ok: string}
  | {status: number; body?: string; retryAfter?: string}
  | {hang: true}
  | {truncate: string}
  | {huge: number}
  | {json: unknown}

export interface FaultServer {
  url: string
  /** Arrival times (ms) of the requests to each path. */
  hits: Map<string, number[]>
  script(path: string, behaviours: Behaviour[]): void
  close(): Promise<void>
}

export async function startFaultServer(): Promise<FaultServer> {
  const scripts = new Map<string, Behaviour[]>()
  const hits = new Map<string, number[]>()
  const hanging = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    hits.set(path, [...(hits.get(path) ?? []), Date.now()])
    const script = scripts.get(path)
    if (!script || script.length === 0) {
      res.writeHead(404).end('{"title":"Not Found"}')
      return
    }
    const behaviour = script.length > 1 ? (script.shift() as Behaviour) : script[0]
    if ('ok' in behaviour) {
      res.writeHead(200, {'content-type': 'application/geo+json'}).end(behaviour.ok)
    } else if ('status' in behaviour) {
      res.writeHead(behaviour.status, {'content-type': 'application/json', ...(behaviour.retryAfter ? {'retry-after': behaviour.retryAfter} : {})})
      res.end(behaviour.body ?? '{"title":"error"}')
    } else if ('hang' in behaviour) {
      hanging.add(res)
    } else if ('truncate' in behaviour) {
      // Promise the whole body, send half, and cut the connection.
      res.writeHead(200, {'content-type': 'application/geo+json'})
      res.write(behaviour.truncate.slice(0, Math.floor(behaviour.truncate.length / 2)))
      res.end()
    } else if ('huge' in behaviour) {
      res.writeHead(200, {'content-type': 'application/geo+json'})
      res.end(`{"type":"FeatureCollection","features":[],"padding":"${'x'.repeat(behaviour.huge)}"}`)
    } else {
      res.writeHead(200, {'content-type': 'application/geo+json'}).end(JSON.stringify(behaviour.json))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    script: (path, behaviours) => scripts.set(path, [...behaviours]),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
