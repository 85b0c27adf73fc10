// The vessels job: read the configured AIS source; when it fails, fall back to what the database holds,
// and when that is empty too, to the shipped sample. The summary and the logs say which source served.
import {desc, isNotNull} from 'drizzle-orm'

import {aisstreamBoxes} from '../config.js'
import type {Context} from '../context.js'
import {vessels} from '../db/schema.js'
import {errorMessage} from '../errors.js'
import {reportCondition} from '../log/conditions.js'
import {readAishub} from '../providers/ais/aishub.js'
import {readAisstream} from '../providers/ais/aisstream.js'
import type {AisBatch} from '../providers/ais/batch.js'
import {readNmeaFile, readNmeaTcp, readNmeaUdp} from '../providers/ais/nmea-feed.js'
import {readSampleCapture} from '../providers/ais/sample.js'
import {parseAisSource} from '../providers/ais/source-spec.js'
import {raiseDistressEvents} from '../safety/distress.js'
import {deliverWebhooks} from '../safety/webhooks.js'
import {ingestMessages} from './ingest.js'

export interface VesselPositionsSummary {
  vessels_updated: number
  errors_count: number
  success: boolean
  source: string
  provider: string
  observed_at: string | null
  positions_stored: number
  duplicates: number
  messages: number
  rejected_by_reason: Record<string, number>
  /** Reports held back by the track rule until reports that agree with them arrive. */
  positions_held: number
  /** Vessels whose track moved to a run of agreeing reports (their earlier fix was the bad one). */
  track_moves: number
  /** Dead-reckoned or positioning-inoperative reports (time stamp 62/63): stored, not judged by speed. */
  estimated_positions: number
  /** Distress transmitters (AIS-SART, MOB-AIS, EPIRB-AIS) heard in this intake. */
  distress: {raised: number; ongoing: number; tests: number; notifications: number}
  fallback_reason?: string
  stopped?: boolean
}

/** Reads the configured source (its settings were checked when the configuration was loaded). */
export async function readConfiguredSource(ctx: Context): Promise<AisBatch> {
  const spec = parseAisSource(ctx.config.aisSource)
  const windowMs = ctx.config.aisWindowSeconds * 1000
  switch (spec.kind) {
    case 'sample':
      return readSampleCapture()
    case 'nmea-file':
      return readNmeaFile(ctx, spec.path)
    case 'nmea-tcp':
      return readNmeaTcp(ctx, spec.host, spec.port, windowMs)
    case 'nmea-udp':
      return readNmeaUdp(ctx, spec.port, windowMs)
    case 'aisstream':
      return readAisstream(ctx, {
        url: ctx.config.aisstreamUrl,
        apiKey: ctx.config.aisstreamApiKey ?? '',
        boxes: aisstreamBoxes(ctx.config),
        durationMs: windowMs,
      })
    case 'aishub':
      return readAishub(ctx, ctx.config.aishubUsername ?? '')
  }
}

export async function runVesselsJob(ctx: Context): Promise<VesselPositionsSummary> {
  const log = ctx.logger.child({job: 'vessels'})
  const provider = parseAisSource(ctx.config.aisSource).kind
  let batch: AisBatch
  let fallbackReason: string | undefined
  try {
    batch = await readConfiguredSource(ctx)
  } catch (error) {
    fallbackReason = errorMessage(error)
    const held = await ctx.db.orm
      .select({at: vessels.positionAt})
      .from(vessels)
      .where(isNotNull(vessels.positionAt))
      .orderBy(desc(vessels.positionAt))
      .limit(1)
      .get()
    if (held?.at) {
      await reportCondition(ctx, 'ais-data', {state: `fallback:${provider}`, message: `AIS source ${provider} failed; serving the positions the database holds (fallback)`, fields: {reason: fallbackReason}}, log)
      return {
        vessels_updated: 0,
        errors_count: 0,
        success: true,
        source: 'fallback',
        provider: 'database',
        observed_at: new Date(held.at).toISOString(),
        positions_stored: 0,
        duplicates: 0,
        messages: 0,
        rejected_by_reason: {},
        positions_held: 0,
        track_moves: 0,
        estimated_positions: 0,
        distress: {raised: 0, ongoing: 0, tests: 0, notifications: 0},
        fallback_reason: fallbackReason,
      }
    }
    await reportCondition(
      ctx,
      'ais-data',
      {state: `emergency:${provider}`, message: `AIS source ${provider} failed and the database holds no positions; serving the shipped sample (emergency)`, fields: {reason: fallbackReason}},
      log,
    )
    batch = readSampleCapture()
  }
  if (!fallbackReason) {
    const sample = batch.source === 'emergency' ? {state: 'emergency:sample', message: 'AIS data is the shipped sample capture (emergency, 2023)'} : null
    await reportCondition(ctx, 'ais-data', sample, log)
  }
  log.debug('AIS batch read', {provider: batch.provider, messages: batch.messages.length, decode_rejected: batch.decode.rejected})

  const result = ingestMessages(ctx.db, batch.messages, {
    source: batch.source,
    origin: batch.source === 'emergency' ? 'fallback' : 'ingest',
    now: ctx.clock.now(),
    observedAtOf: batch.observedAtOf,
    shouldStop: ctx.stopRequested,
  })
  const distress = await raiseDistressEvents(ctx, result.distress)
  for (const event of distress.events) log.warn(`distress: ${event.title}`, {source: event.source})
  if (distress.notifications > 0) await deliverWebhooks(ctx)
  const rejected = {...batch.decode.rejectedByReason}
  for (const [reason, n] of Object.entries(result.rejected_by_reason)) rejected[reason] = (rejected[reason] ?? 0) + n
  const errors = batch.decode.rejected + result.rejected
  if (errors > 0) log.info(`AIS input rejected: ${errors}`, rejected)
  log.info(`${batch.provider}: ${result.positions_stored} positions stored, ${result.vessels_updated} vessels updated`, {
    source: batch.source,
  })
  return {
    vessels_updated: result.vessels_updated,
    errors_count: errors,
    success: true,
    source: batch.source,
    provider: batch.provider,
    // Only reports that were accepted say when the data was observed (a rejected future time never does).
    observed_at: result.newest_observed_at === null ? null : new Date(result.newest_observed_at).toISOString(),
    positions_stored: result.positions_stored,
    duplicates: result.duplicates,
    messages: batch.messages.length,
    rejected_by_reason: rejected,
    positions_held: result.positions_held,
    track_moves: result.track_moves,
    estimated_positions: result.estimated_positions,
    distress: {raised: distress.raised, ongoing: distress.ongoing, tests: distress.tests, notifications: distress.notifications},
    ...(fallbackReason ? {fallback_reason: fallbackReason} : {}),
    ...(result.stopped ? {stopped: true} : {}),
  }
}
