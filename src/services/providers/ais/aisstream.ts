// aisstream.io: a WebSocket that, after a subscription message (API key, bounding boxes, message types),
// streams JSON envelopes; read for a bounded window, reconnecting with backoff when it drops.
import WebSocket from 'ws'
import {z} from 'zod'

import {type AisMessage, Rejection} from '../../ais/payload.js'
import type {Context} from '../../context.js'
import {type AisBatch, countRejection, emptyStats, liveBatch} from './batch.js'
import {backoffDelay} from '../../backoff.js'
import {sleepUnlessCancelled} from '../../cancel.js'
import {recordRequest} from '../usage.js'

const MESSAGE_TYPES = ['PositionReport', 'StandardClassBPositionReport', 'ShipStaticData'] as const

const position = z.object({
  UserID: z.number().int(),
  MessageID: z.number().int(),
  Latitude: z.number(),
  Longitude: z.number(),
  Sog: z.number(),
  Cog: z.number(),
  TrueHeading: z.number().int(),
  Timestamp: z.number().int(),
  NavigationalStatus: z.number().int().optional(),
  RateOfTurn: z.number().optional(),
  PositionAccuracy: z.boolean().optional(),
  Raim: z.boolean().optional(),
})

const shipStatic = z.object({
  UserID: z.number().int(),
  ImoNumber: z.number().int().optional(),
  CallSign: z.string().optional(),
  Name: z.string().optional(),
  Type: z.number().int().optional(),
  Dimension: z.object({A: z.number(), B: z.number(), C: z.number(), D: z.number()}).optional(),
  MaximumStaticDraught: z.number().optional(),
  Destination: z.string().optional(),
  Eta: z.object({Month: z.number(), Day: z.number(), Hour: z.number(), Minute: z.number()}).optional(),
})

const envelope = z.object({
  MessageType: z.string(),
  Message: z.record(z.string(), z.unknown()),
  MetaData: z.object({MMSI: z.number().int(), time_utc: z.string()}).loose(),
})

const errorFrame = z.object({error: z.string()})

/** Go's time.String(): `2024-09-17 14:38:55.281038479 +0000 UTC`. */
export function parseAisstreamTime(value: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-]\d{2})(\d{2})/.exec(value)
  if (!m) return null
  const ms = m[3] ? `.${m[3].slice(1, 4).padEnd(3, '0')}` : ''
  const at = Date.parse(`${m[1]}T${m[2]}${ms}${m[4]}:${m[5]}`)
  return Number.isNaN(at) ? null : at
}

const trimmed = (s: string | undefined) => {
  const t = s?.replace(/@+$/, '').trim()
  return t ? t : null
}
const pad2 = (n: number) => String(n).padStart(2, '0')

/** One aisstream frame to our message record, or why it is not one. */
export function fromAisstream(frame: unknown): AisMessage | Rejection {
  const env = envelope.safeParse(frame)
  if (!env.success) return new Rejection('unexpected aisstream frame', `unexpected aisstream frame: ${env.error.issues[0]?.message}`)
  const body = env.data.Message[env.data.MessageType]
  const receivedAt = parseAisstreamTime(env.data.MetaData.time_utc)
  if (receivedAt === null) return new Rejection('unreadable aisstream time', `unreadable aisstream time ${JSON.stringify(env.data.MetaData.time_utc)}`)
  if (env.data.MessageType === 'PositionReport' || env.data.MessageType === 'StandardClassBPositionReport') {
    const p = position.safeParse(body)
    if (!p.success) return new Rejection(`invalid ${env.data.MessageType}`, `invalid ${env.data.MessageType}: ${p.error.issues[0]?.path.join('.')} ${p.error.issues[0]?.message}`)
    const r = p.data
    const rot = r.RateOfTurn
    return {
      msg_type: r.MessageID,
      repeat: 0,
      mmsi: r.UserID,
      nav_status: r.NavigationalStatus ?? null,
      rot: rot === undefined || rot === -128 ? null : Math.round(Math.sign(rot) * (rot / 4.733) ** 2 * 10) / 10,
      sog: r.Sog >= 102.3 ? null : r.Sog,
      cog: r.Cog >= 360 ? null : r.Cog,
      heading: r.TrueHeading === 511 ? null : r.TrueHeading,
      lat: r.Latitude === 91 ? null : r.Latitude,
      lon: r.Longitude === 181 ? null : r.Longitude,
      second: r.Timestamp > 59 ? null : r.Timestamp,
      accuracy: r.PositionAccuracy,
      raim: r.Raim,
      received_at: receivedAt,
    }
  }
  if (env.data.MessageType === 'ShipStaticData') {
    const p = shipStatic.safeParse(body)
    if (!p.success) return new Rejection('invalid ShipStaticData', `invalid ShipStaticData: ${p.error.issues[0]?.path.join('.')} ${p.error.issues[0]?.message}`)
    const r = p.data
    return {
      msg_type: 5,
      repeat: 0,
      mmsi: r.UserID,
      imo: r.ImoNumber || null,
      callsign: trimmed(r.CallSign),
      shipname: trimmed(r.Name),
      shiptype: r.Type || null,
      to_bow: r.Dimension?.A || null,
      to_stern: r.Dimension?.B || null,
      to_port: r.Dimension?.C || null,
      to_starboard: r.Dimension?.D || null,
      draught: r.MaximumStaticDraught || null,
      destination: trimmed(r.Destination),
      eta: r.Eta && r.Eta.Month > 0 ? `${pad2(r.Eta.Month)}-${pad2(r.Eta.Day)}T${pad2(r.Eta.Hour)}:${pad2(r.Eta.Minute)}Z` : null,
      received_at: receivedAt,
    }
  }
  return new Rejection('aisstream message type not subscribed', `aisstream message type ${env.data.MessageType} not subscribed`)
}

/** The API refused us (bad key, bad subscription): retrying will not help. */
class AisstreamRefusal extends Error {}

export interface AisstreamOptions {
  url: string
  apiKey: string
  /** [[minLat, minLon], [maxLat, maxLon]] boxes, as the API takes them. */
  boxes: Array<[[number, number], [number, number]]>
  durationMs: number
}

export async function readAisstream(ctx: Context, options: AisstreamOptions): Promise<AisBatch> {
  const stats = emptyStats()
  const messages: AisMessage[] = []
  const deadline = Date.now() + options.durationMs
  let attempt = 0
  let lastProblem = 'no messages'
  while (Date.now() < deadline && !ctx.signal?.aborted) {
    const outcome = await new Promise<'window over' | string>((resolve, reject) => {
      const ws = new WebSocket(options.url, {handshakeTimeout: Math.max(1000, Math.min(10_000, deadline - Date.now()))})
      // The window ends at its time, or at once when the job is asked to stop.
      const endWindow = () => {
        clearTimeout(timer)
        ctx.signal?.removeEventListener('abort', endWindow)
        ws.removeAllListeners('close')
        ws.terminate()
        resolve('window over')
      }
      const timer = setTimeout(endWindow, Math.max(0, deadline - Date.now()))
      ctx.signal?.addEventListener('abort', endWindow, {once: true})
      ws.on('open', () => {
        attempt = 0
        // The API closes connections that do not subscribe within 3 s.
        ws.send(JSON.stringify({APIKey: options.apiKey, BoundingBoxes: options.boxes, FilterMessageTypes: MESSAGE_TYPES}))
      })
      ws.on('message', (data) => {
        stats.lines++
        let frame: unknown
        try {
          frame = JSON.parse(data.toString())
        } catch {
          countRejection(stats, new Rejection('aisstream frame is not JSON'))
          return
        }
        const refusal = errorFrame.safeParse(frame)
        if (refusal.success) {
          clearTimeout(timer)
          ctx.signal?.removeEventListener('abort', endWindow)
          ws.removeAllListeners('close')
          ws.terminate()
          reject(new AisstreamRefusal(`aisstream refused the subscription: ${refusal.data.error}`))
          return
        }
        const message = fromAisstream(frame)
        if (message instanceof Rejection) {
          countRejection(stats, message)
          ctx.logger.debug(message.reason)
          return
        }
        stats.messages++
        messages.push(message)
      })
      ws.on('error', (error: Error & {code?: string}) => {
        lastProblem = error.code ?? error.message
      })
      ws.on('close', (code) => {
        clearTimeout(timer)
        ctx.signal?.removeEventListener('abort', endWindow)
        resolve(`closed (${code}${lastProblem !== 'no messages' ? `, ${lastProblem}` : ''})`)
      })
    }).catch((error: unknown) => {
      if (error instanceof AisstreamRefusal) throw error
      return String(error)
    })
    if (outcome === 'window over') break
    lastProblem = outcome
    const delay = Math.min(backoffDelay(attempt++), deadline - Date.now())
    ctx.logger.warn(`aisstream connection dropped: ${outcome}; reconnecting in ${Math.round(Math.max(0, delay))} ms`)
    if (delay > 0) await sleepUnlessCancelled(delay, ctx.signal)
  }
  if (messages.length === 0) throw new Error(`aisstream gave no AIS messages in ${options.durationMs / 1000} s (${lastProblem})`)
  return liveBatch('aisstream', messages, stats, ctx.clock.now())
}

/** How long the probe waits after subscribing: the API refuses a bad key or subscription at once, or closes within 3 s. */
export const AISSTREAM_PROBE_WINDOW_MS = 3000

/** The probe's box, as the API takes it: the Strait of Dover, small and busy. */
const PROBE_BOXES: AisstreamOptions['boxes'] = [[[51.0, 1.4], [51.1, 1.5]]]

/**
 * The health-check probe: connect and subscribe to a small box. Up when a frame comes, or the subscription
 * stands through the probe window; down when the connection fails, the API refuses, or it closes first.
 * Counted against the quota as one request. Throws what went wrong.
 */
export async function probeAisstream(ctx: Context, options: {url: string; apiKey: string}): Promise<string> {
  await recordRequest(ctx, 'aisstream')
  return new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(options.url, {handshakeTimeout: ctx.config.httpConnectTimeoutMs})
    let problem = 'closed by the server'
    let done = false
    const finish = (outcome: () => void) => {
      if (done) return
      done = true
      clearTimeout(timer)
      ctx.signal?.removeEventListener('abort', stop)
      ws.removeAllListeners()
      ws.on('error', () => {})
      ws.terminate()
      outcome()
    }
    const stop = () => finish(() => reject(new Error('probe stopped')))
    const quiet = () => finish(() => resolve('subscribed, no frame within the window'))
    let timer = setTimeout(() => finish(() => reject(new Error(`no connection within ${ctx.config.httpConnectTimeoutMs} ms`))), ctx.config.httpConnectTimeoutMs + 1000)
    ctx.signal?.addEventListener('abort', stop, {once: true})
    ws.on('open', () => {
      ws.send(JSON.stringify({APIKey: options.apiKey, BoundingBoxes: PROBE_BOXES, FilterMessageTypes: MESSAGE_TYPES}))
      clearTimeout(timer)
      timer = setTimeout(quiet, AISSTREAM_PROBE_WINDOW_MS)
    })
    ws.on('message', (data) => {
      let frame: unknown
      try {
        frame = JSON.parse(data.toString())
      } catch {
        frame = null
      }
      const refusal = errorFrame.safeParse(frame)
      if (refusal.success) finish(() => reject(new Error(`aisstream refused the subscription: ${refusal.data.error}`)))
      else finish(() => resolve('subscribed, frames flowing'))
    })
    ws.on('error', (error: Error & {code?: string}) => {
      problem = error.code ?? error.message
    })
    ws.on('close', (code) => finish(() => reject(new Error(`aisstream connection closed (${code}, ${problem})`))))
  })
}
