// The minimum viable dataset from shipped data: every WPI port, the vessels of the sample capture, piracy
// risk areas and the storm capture's zones. Creates what is missing; `force` rewrites the fallback rows
// (origin 'fallback') to their shipped values in one transaction and never touches other rows.
import {and, eq, inArray} from 'drizzle-orm'

import type {Context} from '../context.js'
import {writeTransaction} from '../db/client.js'
import {ports, vesselPositions, vessels} from '../db/schema.js'
import {loadShippedIncidents} from '../datasets/piracy.js'
import {loadShippedPorts} from '../datasets/ports.js'
import {readSampleCapture} from '../providers/ais/sample.js'
import {loadShippedAlerts, SHIPPED_ALERTS_REFERENCE} from '../providers/nws.js'
import {buildPiracyZones, storeZones, stormZonesFromAlerts} from '../safety/zones.js'
import {Ingest} from '../vessels/ingest.js'

export interface DatasetCounts {
  created: number
  kept: number
  recreated: number
  /** Rows made by people or by ingest, left alone. */
  untouched: number
}

export interface FallbackReport {
  forced: boolean
  ports: DatasetCounts
  vessels: DatasetCounts
  safety_zones: DatasetCounts
  rejected: {ports: number; piracy_incidents: number; ais_sentences: number}
}

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
  const sample = readSampleCapture()
  const incidents = loadShippedIncidents()
  const alerts = loadShippedAlerts()
  const report: FallbackReport = {
    forced: force,
    ports: zero(),
    vessels: zero(),
    safety_zones: zero(),
    rejected: {ports: shippedPorts.rejected.length, piracy_incidents: incidents.rejected.length, ais_sentences: sample.decode.rejected},
  }

  writeTransaction(ctx.db, () => {
    const {orm} = ctx.db
    // Ports, keyed by WPI number.
    const existing = new Map(orm.select({wpi: ports.wpiNumber, origin: ports.origin}).from(ports).all().map((r) => [r.wpi, r.origin]))
    for (const p of shippedPorts.ports) {
      const origin = existing.get(p.wpiNumber)
      if (origin === undefined) {
        orm.insert(ports).values({...p, origin: 'fallback', createdAt: now, updatedAt: now}).run()
        report.ports.created++
      } else if (origin !== 'fallback') {
        report.ports.untouched++
      } else if (force) {
        orm.update(ports).set({...p, updatedAt: now}).where(eq(ports.wpiNumber, p.wpiNumber)).run()
        report.ports.recreated++
      } else {
        report.ports.kept++
      }
    }

    // Vessels of the sample capture: --force drops the fallback vessels and their emergency positions, then ingests anew.
    const sampleMmsis = options.skipVessels ? [] : [...new Set(sample.messages.map((m) => m.mmsi))]
    const before = new Map<number, string>()
    for (let i = 0; i < sampleMmsis.length; i += 500) {
      for (const r of orm.select({mmsi: vessels.mmsi, origin: vessels.origin}).from(vessels).where(inArray(vessels.mmsi, sampleMmsis.slice(i, i + 500))).all()) {
        before.set(r.mmsi, r.origin)
      }
    }
    if (force) {
      const fallbackMmsis = [...before].filter(([, origin]) => origin === 'fallback').map(([mmsi]) => mmsi)
      for (let i = 0; i < fallbackMmsis.length; i += 500) {
        const chunk = fallbackMmsis.slice(i, i + 500)
        orm.delete(vesselPositions).where(and(inArray(vesselPositions.mmsi, chunk), eq(vesselPositions.source, 'emergency'))).run()
        orm.delete(vessels).where(inArray(vessels.mmsi, chunk)).run()
      }
    }
    if (!options.skipVessels) {
      // Inside this transaction (a savepoint), so --force drops and recreates the sample vessels together.
      new Ingest(ctx.db, {source: sample.source, origin: 'fallback', now, observedAtOf: sample.observedAtOf}).add(sample.messages)
    }
    const after = new Set<number>()
    for (let i = 0; i < sampleMmsis.length; i += 500) {
      for (const r of orm.select({mmsi: vessels.mmsi}).from(vessels).where(inArray(vessels.mmsi, sampleMmsis.slice(i, i + 500))).all()) after.add(r.mmsi)
    }
    for (const mmsi of after) {
      const origin = before.get(mmsi)
      if (origin === undefined) report.vessels.created++
      else if (origin !== 'fallback') report.vessels.untouched++
      else if (force) report.vessels.recreated++
      else report.vessels.kept++
    }

    // Safety zones: piracy risk areas from the incidents, storm zones from the alerts capture.
    const piracy = buildPiracyZones(incidents.incidents, {
      windowDays: ctx.config.piracyWindowDays,
      radiusKm: ctx.config.piracyRadiusKm,
      minIncidents: ctx.config.piracyMinIncidents,
      source: 'emergency',
      origin: 'fallback',
    })
    const storms = stormZonesFromAlerts(alerts.alerts, 'emergency', 'fallback', SHIPPED_ALERTS_REFERENCE).drafts
    for (const [kind, drafts] of [['piracy', piracy], ['storm', storms]] as const) {
      const write = storeZones(ctx.db, kind, drafts, now, force ? {origins: ['fallback']} : undefined, {onlyMissing: !force})
      report.safety_zones.created += write.created
      report.safety_zones.untouched += write.untouched
      if (force) {
        report.safety_zones.recreated += write.updated + write.unchanged
      } else {
        report.safety_zones.kept += write.unchanged
      }
    }
  })
  return report
}
