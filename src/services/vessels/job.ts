// The vessels job: read the configured AIS source (falling back to the shipped sample when it fails),
// ingest what it returns, and say which source served.
import type {Context} from '../context.js'
import {errorMessage} from '../errors.js'
import {type AisBatch, readSampleCapture} from '../providers/ais-sample.js'
import {type IngestResult, ingestMessages} from './ingest.js'

export interface VesselPositionsSummary {
  vessels_updated: number
  errors_count: number
  success: boolean
  source: string
  provider: string
  observed_at: string
  positions_stored: number
  duplicates: number
  messages: number
  rejected_by_reason: Record<string, number>
  fallback_reason?: string
  stopped?: boolean
}

/** Reads the configured live source; every source but the shipped sample arrives with the AIS ingestion work. */
async function readConfiguredSource(ctx: Context): Promise<AisBatch> {
  const source = ctx.config.aisSource
  if (source === 'sample') return readSampleCapture()
  throw new Error(`AIS source ${source.split(':')[0]} is not available in this build`)
}

export async function runVesselsJob(ctx: Context): Promise<VesselPositionsSummary> {
  const log = ctx.logger.child({job: 'vessels'})
  let batch: AisBatch
  let fallbackReason: string | undefined
  try {
    batch = await readConfiguredSource(ctx)
  } catch (error) {
    fallbackReason = errorMessage(error)
    log.warn(`AIS source ${ctx.config.aisSource} failed; serving the shipped sample (emergency)`, {reason: fallbackReason})
    batch = readSampleCapture()
  }
  if (batch.source === 'emergency' && !fallbackReason) log.warn('AIS data is the shipped sample capture (emergency, 2023)')
  log.debug('AIS batch read', {provider: batch.provider, messages: batch.messages.length, decode_rejected: batch.decode.rejected})

  const result: IngestResult = ingestMessages(ctx.db, batch.messages, {
    source: batch.source,
    origin: batch.source === 'emergency' ? 'fallback' : 'ingest',
    now: ctx.clock.now(),
    observedAtOf: batch.observedAtOf,
    shouldStop: ctx.stopRequested,
  })
  const rejected = {...batch.decode.rejectedByReason}
  for (const [reason, n] of Object.entries(result.rejected_by_reason)) rejected[reason] = (rejected[reason] ?? 0) + n
  const errors = batch.decode.rejected + result.rejected
  if (errors > 0) log.info('AIS input rejected', rejected)
  return {
    vessels_updated: result.vessels_updated,
    errors_count: errors,
    success: true,
    source: batch.source,
    provider: batch.provider,
    observed_at: new Date(batch.observedAt).toISOString(),
    positions_stored: result.positions_stored,
    duplicates: result.duplicates,
    messages: batch.messages.length,
    rejected_by_reason: rejected,
    ...(fallbackReason ? {fallback_reason: fallbackReason} : {}),
    ...(result.stopped ? {stopped: true} : {}),
  }
}
