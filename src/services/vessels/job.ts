// The vessels job: read the configured AIS source, ingesting as it reads; when it fails, fall back to what
// the database holds, and when that is empty too, to the shipped sample. The summary and the logs say which
// source served. Stopped (timeout, signal), it ends at a batch boundary and reports what it stored.
import type {VesselsJobSummary} from '../../schemas/job-summaries.js'

import type {AisMessage} from '../ais/payload.js'
import {isCancelled, throwIfCancelled} from '../cancel.js'
import {aisstreamBoxes} from '../config.js'
import type {Context} from '../context.js'
import {newestPosition} from '../db/vessels.js'
import {errorMessage} from '../errors.js'
import {reportCondition} from '../log/conditions.js'
import type {Logger} from '../log/logger.js'
import {readAishub} from '../providers/ais/aishub.js'
import {readAisstream} from '../providers/ais/aisstream.js'
import {type AisFeed, feedOf} from '../providers/ais/batch.js'
import {openNmeaFile, readNmeaTcp, readNmeaUdp} from '../providers/ais/nmea-feed.js'
import {readSampleCapture} from '../providers/ais/sample.js'
import {parseAisSource} from '../providers/ais/source-spec.js'
import {raiseDistressEvents} from '../safety/distress.js'
import {deliverWebhooks} from '../safety/webhooks.js'
import {ingestMessages, type IngestResult} from './ingest.js'
import {vesselsFirstSeen} from '../queue/triggers.js'

export type {VesselsJobSummary} from '../../schemas/job-summaries.js'

/** Opens the configured source (its settings were checked when the configuration was loaded). */
export async function openConfiguredSource(ctx: Context): Promise<AisFeed> {
  const spec = parseAisSource(ctx.config.aisSource)
  const windowMs = ctx.config.aisWindowSeconds * 1000
  switch (spec.kind) {
    case 'sample':
      return feedOf(readSampleCapture())
    case 'nmea-file':
      return openNmeaFile(ctx, spec.path)
    case 'nmea-tcp':
      return feedOf(await readNmeaTcp(ctx, spec.host, spec.port, windowMs))
    case 'nmea-udp':
      return feedOf(await readNmeaUdp(ctx, spec.port, windowMs))
    case 'aisstream':
      return feedOf(
        await readAisstream(ctx, {
          url: ctx.config.aisstreamUrl,
          apiKey: ctx.config.aisstreamApiKey ?? '',
          boxes: aisstreamBoxes(ctx.config),
          durationMs: windowMs,
        }),
      )
    case 'aishub':
      return feedOf(await readAishub(ctx, ctx.config.aishubUsername ?? ''))
  }
}

/** A source that failed before handing on a single message: it failed as a whole, like one that cannot be opened. */
class SourceGaveNothing extends Error {}

async function* watched(feed: AisFeed): AsyncGenerator<AisMessage[]> {
  let handed = 0
  try {
    for await (const batch of feed.batches) {
      handed += batch.length
      yield batch
    }
  } catch (error) {
    // Errors of the ingest itself (a database failure) never reach here: only the source's own.
    if (handed === 0 && !isCancelled(error)) throw new SourceGaveNothing(errorMessage(error))
    throw error
  }
}

/** How often a long ingest says how far it has got (the first batch is always reported). */
const PROGRESS_EVERY_MS = 5000

function ingestFeed(ctx: Context, feed: AisFeed, log: Logger): Promise<IngestResult> {
  let reportedAt = 0
  return ingestMessages(ctx.db, watched(feed), {
    source: feed.source,
    origin: feed.source === 'emergency' ? 'fallback' : 'ingest',
    now: ctx.clock.now(),
    observedAtOf: feed.observedAtOf,
    signal: ctx.signal,
    // Each vessel stored for the first time: its analysis in 30 s and its identity check, queued.
    onNewVessels: async (mmsis) => {
      await vesselsFirstSeen(ctx, mmsis)
    },
    onBatch: ({positionsStored, messages, batches}) => {
      if (batches > 1 && performance.now() - reportedAt < PROGRESS_EVERY_MS) return
      reportedAt = performance.now()
      log.info(`ingest progress: ${positionsStored} positions stored from ${messages} messages (${batches} batches committed)`, {provider: feed.provider})
    },
  })
}

export async function runVesselsJob(ctx: Context): Promise<VesselsJobSummary> {
  const log = ctx.logger.child({job: 'vessels'})
  const provider = parseAisSource(ctx.config.aisSource).kind
  let feed: AisFeed | undefined
  let result: IngestResult | undefined
  let fallbackReason: string | undefined
  try {
    feed = await openConfiguredSource(ctx)
    result = await ingestFeed(ctx, feed, log)
  } catch (error) {
    throwIfCancelled(ctx.signal)
    if (feed && !(error instanceof SourceGaveNothing)) throw error
    fallbackReason = errorMessage(error)
  }
  if (fallbackReason !== undefined) {
    const held = await newestPosition(ctx.db)
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
    feed = feedOf(readSampleCapture())
    result = await ingestFeed(ctx, feed, log)
  }
  const source = feed as AisFeed
  const ingested = result as IngestResult
  if (!fallbackReason) {
    const sample = source.source === 'emergency' ? {state: 'emergency:sample', message: 'AIS data is the shipped sample capture (emergency, 2023)'} : null
    await reportCondition(ctx, 'ais-data', sample, log)
  }
  log.debug('AIS source read', {provider: source.provider, messages: ingested.messages, decode_rejected: source.decode.rejected})

  // Distress reports already stored raise their events even when the run was stopped; webhooks wait for the next run then.
  const distress = await raiseDistressEvents(ctx, ingested.distress)
  for (const event of distress.events) log.warn(`distress: ${event.title}`, {source: event.source})
  if (distress.notifications > 0 && !ctx.signal?.aborted) await deliverWebhooks(ctx)
  const rejected = {...source.decode.rejectedByReason}
  for (const [reason, n] of Object.entries(ingested.rejected_by_reason)) rejected[reason] = (rejected[reason] ?? 0) + n
  const errors = source.decode.rejected + ingested.rejected
  if (errors > 0) log.info(`AIS input rejected: ${errors}`, rejected)
  log.info(`${source.provider}: ${ingested.positions_stored} positions stored, ${ingested.vessels_updated} vessels updated${ingested.stopped ? ' before the run was stopped' : ''}`, {
    source: source.source,
  })
  return {
    vessels_updated: ingested.vessels_updated,
    errors_count: errors,
    success: true,
    source: source.source,
    provider: source.provider,
    // Only reports that were accepted say when the data was observed (a rejected future time never does).
    observed_at: ingested.newest_observed_at === null ? null : new Date(ingested.newest_observed_at).toISOString(),
    positions_stored: ingested.positions_stored,
    duplicates: ingested.duplicates,
    messages: ingested.messages,
    rejected_by_reason: rejected,
    positions_held: ingested.positions_held,
    track_moves: ingested.track_moves,
    estimated_positions: ingested.estimated_positions,
    distress: {raised: distress.raised, ongoing: distress.ongoing, tests: distress.tests, notifications: distress.notifications},
    ...(fallbackReason ? {fallback_reason: fallbackReason} : {}),
    ...(ingested.stopped ? {stopped: true} : {}),
  }
}
