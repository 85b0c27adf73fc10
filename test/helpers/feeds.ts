// Local stand-ins on 127.0.0.1 for the AIS feeds harbormaster reads: an NMEA TCP server (a receiver's
// feed, which can drop), a UDP sender, an aisstream.io WebSocket and an AISHub web service.
import {createSocket} from 'node:dgram'
import {createServer as createHttpServer} from 'node:http'
import {type AddressInfo, createServer, type Server, type Socket} from 'node:net'

import {WebSocketServer} from 'ws'

import {Gate} from './gate.js'

export interface TcpFeed {
  port: number
  connections: number
  close(): Promise<void>
}

/**
 * Serves `lines` to each connection, `perWrite` lines every `intervalMs`. With `dropAfter`, the first
 * connection is cut after that many lines (the receiver restarting); later connections get everything.
 */
export async function startNmeaTcpServer(lines: string[], options: {dropAfter?: number; intervalMs?: number; perWrite?: number} = {}): Promise<TcpFeed> {
  const sockets = new Set<Socket>()
  const state = {connections: 0}
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    const connection = ++state.connections
    let i = 0
    const limit = connection === 1 && options.dropAfter !== undefined ? options.dropAfter : lines.length
    const timer = setInterval(() => {
      const chunk = lines.slice(i, Math.min(limit, i + (options.perWrite ?? 20)))
      i += chunk.length
      if (chunk.length > 0) socket.write(`${chunk.join('\r\n')}\r\n`)
      if (i >= limit) {
        clearInterval(timer)
        if (connection === 1 && options.dropAfter !== undefined) socket.destroy()
      }
    }, options.intervalMs ?? 20)
    socket.on('close', () => {
      clearInterval(timer)
      sockets.delete(socket)
    })
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A free UDP port on loopback (bound, read, released). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const {port} = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

/** Sends `lines` as datagrams (a few sentences each) to `port` every `intervalMs` until stopped. */
export function startUdpSender(port: number, lines: string[], intervalMs = 100): {stop(): void; sent(): number} {
  const socket = createSocket('udp4')
  let sent = 0
  let i = 0
  const timer = setInterval(() => {
    const batch = lines.slice(i % lines.length, (i % lines.length) + 5)
    i += batch.length
    socket.send(`${batch.join('\r\n')}\r\n`, port, '127.0.0.1', () => undefined)
    sent += batch.length
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      socket.close()
    },
    sent: () => sent,
  }
}

export interface AisstreamServer {
  url: string
  subscriptions: unknown[]
  close(): Promise<void>
}

/**
 * Speaks aisstream.io's protocol: waits for the subscription, answers a wrong key with the API's error
 * frame, otherwise sends `frames`. With `dropAfterFirst`, the first connection is cut after one frame.
 */
export async function startAisstreamServer(options: {apiKey: string; frames: string[]; dropAfterFirst?: boolean}): Promise<AisstreamServer> {
  const wss = new WebSocketServer({port: 0, host: '127.0.0.1'})
  await new Promise<void>((resolve) => wss.on('listening', () => resolve()))
  const subscriptions: unknown[] = []
  let connections = 0
  wss.on('connection', (ws) => {
    const connection = ++connections
    ws.once('message', (data) => {
      const subscription = JSON.parse(data.toString()) as {APIKey?: string}
      subscriptions.push(subscription)
      if (subscription.APIKey !== options.apiKey) {
        ws.send(JSON.stringify({error: 'Api Key Is Not Valid'}))
        ws.close()
        return
      }
      if (options.dropAfterFirst && connection === 1) {
        ws.send(options.frames[0])
        setTimeout(() => ws.terminate(), 50)
        return
      }
      for (const frame of options.frames) ws.send(frame)
    })
  })
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v0/stream`,
    subscriptions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => resolve())
      }),
  }
}

export interface JsonServer {
  url: string
  requests: string[]
  /** The reply for the next requests; change it between runs. */
  reply: {status: number; body: string}
  /** Requests wait here while it is closed (a run held in the middle of its call). */
  gate: Gate
  close(): Promise<void>
}

/** An HTTP server answering every GET with `reply` (AISHub's web service, or anything JSON). */
export async function startJsonServer(initial: {status: number; body: string}): Promise<JsonServer> {
  const state = {reply: initial, requests: [] as string[]}
  const gate = new Gate()
  const server = createHttpServer((req, res) => {
    state.requests.push(req.url ?? '')
    void gate.pass().then(() => res.writeHead(state.reply.status, {'content-type': 'application/json'}).end(state.reply.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ws.php`,
    get requests() {
      return state.requests
    },
    get reply() {
      return state.reply
    },
    set reply(r) {
      state.reply = r
    },
    gate,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
