// The minimum viable dataset from shipped data: every WPI port with its named anchorage cells, the vessels
// of the sample capture, piracy risk areas and the storm capture's zones. Creates what is missing; `force` rewrites the fallback rows
// (origin 'fallback') to their shipped values in one transaction and never touches other rows.
import type {DatasetCounts, FallbackReport} from '../../schemas/maintenance.js'
import type {Context} from '../context.js'
import {deleteFallbackVessels, portOriginsByWpi, type ShippedPortFields, storeFallbackPorts, vesselOrigins} from '../db/fallback-rows.js'
import {write} from '../db/transaction.js'
import {loadShippedAnchorages} from '../datasets/anchorages.js'
import {loadShippedPorts} from '../datasets/ports.js'
import {storeShippedAnchorageCells} from '../ports/shipped-areas.js'
import {readSampleCapture} from '../providers/ais/sample.js'
import {loadShippedAlerts, SHIPPED_ALERTS_REFERENCE} from '../providers/nws.js'
import {shippedPiracyZones} from '../piracy/zones.js'
import {storeZones, stormZonesFromAlerts} from '../safety/zones.js'
import {Ingest} from '../vessels/ingest.js'


export type {DatasetCounts, FallbackReport} from '../../schemas/maintenance.js'

const zero = (): DatasetCounts => ({created: 0, kept: 0, recreated: 0, untouched: 0})

export interface EnsureOptions {
  force?: boolean
  /** Leave the sample vessels to the vessels job (the automatic first-use seeding does). */
  skipVessels?: boolean
}

export async function ensureFallbackData(ctx: Context, options: EnsureOptions = {}): Promise<FallbackReport> {
  const force = options.force ?? false
  const now = ctx.clock.now()
  const shippedPorts = loadShippedPorts()
  const anchorages = loadShippedAnchorages()
  const sample = readSampleCapture()
  // Built (or read from the cache) before the write transaction: building takes seconds.
  const piracy = shippedPiracyZones(ctx)
  const alerts = loadShippedAlerts()
  const report: FallbackReport = {
    forced: force,
    ports: zero(),
    anchorage_cells: {...zero(), matched_by_name: 0, matched_by_proximity: 0, unmatched_cells: 0, unmatched_labels: 0, unmatched: []},
    vessels: zero(),
    safety_zones: zero(),
    rejected: {ports: shippedPorts.rejected.length, anchorage_rows: anchorages.rejected.length, piracy_incidents: piracy.summary.incidents_rejected, ais_sentences: sample.decode.rejected},
  }

  await write(ctx.db, async () => {
    // Counted afresh when a busy database makes the transaction start over.
    Object.assign(report, {ports: zero(), vessels: zero(), safety_zones: zero()})
    // Ports, keyed by WPI number: the missing ones created, with --force the fallback ones rewritten.
    const existing = await portOriginsByWpi(ctx.db)
    const toStore: ShippedPortFields[] = []
    for (const {alternateNames: _names, ...p} of shippedPorts.ports) {
      const origin = existing.get(p.wpiNumber)
      if (origin === undefined) {
        toStore.push(p)
        report.ports.created++
      } else if (origin !== 'fallback') {
        report.ports.untouched++
      } else if (force) {
        toStore.push(p)
        report.ports.recreated++
      } else {
        report.ports.kept++
      }
    }
    await storeFallbackPorts(ctx.db, toStore, now)

    report.anchorage_cells = await storeShippedAnchorageCells(ctx.db, shippedPorts.ports, anchorages.anchorages, now, force)

    // Vessels of the sample capture: --force drops the fallback vessels and their emergency positions, then ingests anew.
    const sampleMmsis = options.skipVessels ? [] : [...new Set(sample.messages.map((m) => m.mmsi))]
    const before = await vesselOrigins(ctx.db, sampleMmsis)
    if (force) await deleteFallbackVessels(ctx.db, [...before].filter(([, origin]) => origin === 'fallback').map(([mmsi]) => mmsi))
    if (!options.skipVessels) {
      // Inside this transaction (a savepoint), so --force drops and recreates the sample vessels together.
      await new Ingest(ctx.db, {source: sample.source, origin: 'fallback', now, observedAtOf: sample.observedAtOf}).add(sample.messages)
    }
    const after = (await vesselOrigins(ctx.db, sampleMmsis)).keys()
    for (const mmsi of after) {
      const origin = before.get(mmsi)
      if (origin === undefined) report.vessels.created++
      else if (origin !== 'fallback') report.vessels.untouched++
      else if (force) report.vessels.recreated++
      else report.vessels.kept++
    }

    // Safety zones: piracy risk areas from the incidents, storm zones from the alerts capture.
    const storms = stormZonesFromAlerts(alerts.alerts, 'emergency', 'fallback', SHIPPED_ALERTS_REFERENCE).drafts
    for (const [kind, drafts] of [['piracy', piracy.drafts], ['storm', storms]] as const) {
      const stored = await storeZones(ctx.db, kind, drafts, now, force ? {origins: ['fallback']} : undefined, {onlyMissing: !force})
      report.safety_zones.created += stored.created
      report.safety_zones.untouched += stored.untouched
      if (force) {
        report.safety_zones.recreated += stored.updated + stored.unchanged
      } else {
        report.safety_zones.kept += stored.unchanged
      }
    }
  })
  return report
}
