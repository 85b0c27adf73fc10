// NMEA sources: a capture file (streamed), a receiver's TCP feed, or its UDP datagrams (AIS-catcher,
// rtl-ais, a chartplotter multiplexer), read for a bounded window that a stop request cuts short; a
// dropped TCP feed is reconnected with backoff.
import {createSocket} from 'node:dgram'
import {accessSync, constants, createReadStream, statSync} from 'node:fs'
import {connect} from 'node:net'

import {decodeBatches} from '../../ais/decode-stream.js'
import {AisDecoder} from '../../ais/nmea.js'
import type {AisMessage} from '../../ais/payload.js'
import {sleepUnlessCancelled} from '../../cancel.js'
import type {Context} from '../../context.js'
import {type AisBatch, type AisFeed, liveBatch} from './batch.js'
import {backoffDelay} from '../../backoff.js'
import {recordRequest} from '../usage.js'

/** Splits a byte stream into lines and decodes them, stamping each message with its arrival time. */
class LineFeed {
  readonly decoder: AisDecoder
  readonly messages: AisMessage[] = []
  private rest = ''

  constructor(
    private readonly now: () => number,
    private readonly log: Context['logger'],
  ) {
    this.decoder = new AisDecoder({onReject: (reason, line) => this.log.debug(`AIS line rejected: ${reason}`, {line: line.slice(0, 120)})})
  }

  push(chunk: string): void {
    const text = this.rest + chunk
    let from = 0
    let nl: number
    const at = this.now()
    while ((nl = text.indexOf('\n', from)) >= 0) {
      this.line(text.slice(from, nl), at)
      from = nl + 1
    }
    this.rest = text.slice(from)
  }

  end(): void {
    if (this.rest) this.line(this.rest, this.now())
    this.rest = ''
    this.decoder.flush()
  }

  private line(line: string, at: number): void {
    const message = this.decoder.decodeLine(line)
    if (!message) return
    message.received_at ??= at
    this.messages.push(message)
  }
}

/**
 * A capture file, streamed: decoded and handed on in batches as it is read, so a capture of any size is
 * ingested in bounded memory. Lines without a tag-block or leading timestamp are stamped with the file's
 * modification time: a receiver appending to the file wrote them no later than that. A file that cannot be
 * read fails at once; one without a single decodable message fails at its end, having handed on nothing.
 */
export function openNmeaFile(ctx: Context, path: string): AisFeed {
  let mtime: number
  try {
    const stat = statSync(path)
    if (stat.isDirectory()) throw Object.assign(new Error('a directory'), {code: 'EISDIR'})
    accessSync(path, constants.R_OK)
    mtime = Math.round(stat.mtimeMs)
  } catch (error) {
    throw new Error(`cannot read NMEA file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const decoder = new AisDecoder({onReject: (reason, line) => ctx.logger.debug(`AIS line rejected: ${reason}`, {line: line.slice(0, 120)})})
  async function* batches(): AsyncGenerator<AisMessage[]> {
    yield* decodeBatches(createReadStream(path, {highWaterMark: 1 << 20}), decoder)
    if (decoder.stats.messages === 0) throw new Error(`NMEA file ${path} held no decodable AIS messages (${decoder.stats.lines} lines)`)
  }
  return {provider: 'nmea-file', source: 'live', batches: batches(), decode: decoder.stats, observedAtOf: (m) => m.received_at ?? mtime}
}

/** A TCP feed read for `durationMs`; drops and refusals are retried with backoff until the window ends. */
export async function readNmeaTcp(ctx: Context, host: string, port: number, durationMs: number): Promise<AisBatch> {
  const feed = new LineFeed(() => ctx.clock.now(), ctx.logger)
  const deadline = Date.now() + durationMs
  let attempt = 0
  let lastError = 'no data'
  while (Date.now() < deadline && !ctx.signal?.aborted) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({host, port})
      // The window ends at its time, or at once when the job is asked to stop.
      const endWindow = () => {
        clearTimeout(timer)
        ctx.signal?.removeEventListener('abort', endWindow)
        socket.destroy()
        resolve('window over')
      }
      const timer = setTimeout(endWindow, deadline - Date.now())
      ctx.signal?.addEventListener('abort', endWindow, {once: true})
      socket.setEncoding('utf8')
      socket.on('connect', () => {
        attempt = 0
        ctx.logger.debug(`connected to NMEA feed ${host}:${port}`)
      })
      socket.on('data', (chunk: string) => feed.push(chunk))
      socket.on('error', (error: NodeJS.ErrnoException) => {
        lastError = error.code ?? error.message
      })
      socket.on('close', () => {
        clearTimeout(timer)
        ctx.signal?.removeEventListener('abort', endWindow)
        resolve(lastError === 'no data' ? 'closed by the feed' : lastError)
      })
    })
    if (outcome === 'window over') break
    lastError = outcome
    const delay = Math.min(backoffDelay(attempt++), deadline - Date.now())
    ctx.logger.warn(`NMEA feed ${host}:${port} dropped (${outcome}); reconnecting in ${Math.round(delay)} ms`)
    if (delay > 0) await sleepUnlessCancelled(delay, ctx.signal)
  }
  feed.end()
  if (feed.messages.length === 0) throw new Error(`NMEA feed ${host}:${port} gave no AIS messages in ${durationMs / 1000} s (${lastError})`)
  return liveBatch('nmea-tcp', feed.messages, feed.decoder.stats, ctx.clock.now())
}

/** UDP datagrams on `port` for `durationMs` (each datagram holds one or more sentences). */
export async function readNmeaUdp(ctx: Context, port: number, durationMs: number, bindAddress = '0.0.0.0'): Promise<AisBatch> {
  const feed = new LineFeed(() => ctx.clock.now(), ctx.logger)
  const socket = createSocket({type: 'udp4', reuseAddr: true})
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen for NMEA on UDP port ${port}: ${error.code ?? error.message}`)),
    )
    socket.bind(port, bindAddress, () => resolve())
  })
  socket.on('message', (datagram) => feed.push(`${datagram.toString('latin1')}\n`))
  await sleepUnlessCancelled(durationMs, ctx.signal)
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  feed.end()
  if (feed.messages.length === 0) throw new Error(`no AIS messages arrived on UDP port ${port} in ${durationMs / 1000} s`)
  return liveBatch('nmea-udp', feed.messages, feed.decoder.stats, ctx.clock.now())
}

/**
 * The health-check probe of a receiver's TCP feed: a connection within the connect timeout, closed at once.
 * Counted against the feed's quota as one request. Throws what went wrong.
 */
export async function probeNmeaTcp(ctx: Context, host: string, port: number): Promise<string> {
  await recordRequest(ctx, 'nmea-tcp')
  await new Promise<void>((resolve, reject) => {
    const socket = connect({host, port})
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`no connection within ${ctx.config.httpConnectTimeoutMs} ms`), {code: 'ECONNTIMEOUT'})), ctx.config.httpConnectTimeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.destroy()
      resolve()
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(new Error(`NMEA feed ${host}:${port}: ${error.code ?? error.message}`))
    })
  })
  return `connected to ${host}:${port}`
}
