// NMEA sources: a capture file, a receiver's TCP feed, or its UDP datagrams (AIS-catcher, rtl-ais,
// a chartplotter multiplexer), read for a bounded window; a dropped TCP feed is reconnected with backoff.
import {createSocket} from 'node:dgram'
import {readFileSync, statSync} from 'node:fs'
import {connect} from 'node:net'

import {AisDecoder} from '../../ais/nmea.js'
import type {AisMessage} from '../../ais/payload.js'
import type {Context} from '../../context.js'
import {type AisBatch, liveBatch} from './batch.js'
import {backoffDelay, sleep} from '../../backoff.js'

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
 * A capture file. Lines without a tag-block or leading timestamp are stamped with the file's modification
 * time: a receiver appending to the file wrote them no later than that.
 */
export function readNmeaFile(ctx: Context, path: string): AisBatch {
  let text: string
  let mtime: number
  try {
    mtime = statSync(path).mtimeMs
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(`cannot read NMEA file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const feed = new LineFeed(() => Math.round(mtime), ctx.logger)
  feed.push(text)
  feed.end()
  if (feed.messages.length === 0) throw new Error(`NMEA file ${path} held no decodable AIS messages (${feed.decoder.stats.lines} lines)`)
  return liveBatch('nmea-file', feed.messages, feed.decoder.stats, Math.round(mtime))
}

/** A TCP feed read for `durationMs`; drops and refusals are retried with backoff until the window ends. */
export async function readNmeaTcp(ctx: Context, host: string, port: number, durationMs: number): Promise<AisBatch> {
  const feed = new LineFeed(() => ctx.clock.now(), ctx.logger)
  const deadline = Date.now() + durationMs
  let attempt = 0
  let lastError = 'no data'
  while (Date.now() < deadline && !ctx.stopRequested?.()) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({host, port})
      const timer = setTimeout(() => {
        socket.destroy()
        resolve('window over')
      }, deadline - Date.now())
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
        resolve(lastError === 'no data' ? 'closed by the feed' : lastError)
      })
    })
    if (outcome === 'window over') break
    lastError = outcome
    const delay = Math.min(backoffDelay(attempt++), deadline - Date.now())
    ctx.logger.warn(`NMEA feed ${host}:${port} dropped (${outcome}); reconnecting in ${Math.round(delay)} ms`)
    if (delay > 0) await sleep(delay)
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
  const started = Date.now()
  while (Date.now() - started < durationMs && !ctx.stopRequested?.()) await sleep(Math.min(100, durationMs - (Date.now() - started)))
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  feed.end()
  if (feed.messages.length === 0) throw new Error(`no AIS messages arrived on UDP port ${port} in ${durationMs / 1000} s`)
  return liveBatch('nmea-udp', feed.messages, feed.decoder.stats, ctx.clock.now())
}
