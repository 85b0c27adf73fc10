// What the HTTP API serves, independent of the framework: congestion per port, vessels in a box, cache
// contents, background tasks; each dataset with its source and observation time.
import {and, desc, eq, gte, lte} from 'drizzle-orm'

import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {writeTransaction} from '../db/client.js'
import {apiCache, apiTasks, jobLocks, vessels} from '../db/schema.js'
import {loadShippedPorts} from '../datasets/ports.js'
import {errorMessage} from '../errors.js'
import {holderText, leaseInForce} from '../jobs/lease.js'
import {latestCongestion} from '../ports/congestion.js'
import {worstSource} from '../provenance.js'
import {readAishub} from '../providers/ais/aishub.js'
import {readSampleCapture} from '../providers/ais/sample.js'
import {parseAisSource} from '../providers/ais/source-spec.js'


export interface Page {
  page: number
  pageSize: number
}

type CongestionRows = Awaited<ReturnType<typeof latestCongestion>>

/** The latest snapshot of every port changes only when the ports job stores new ones: kept until then. */
const congestionCache = new WeakMap<Context['db'], {version: string; rows: CongestionRows}>()

async function latestWithPorts(ctx: Context): Promise<CongestionRows> {
  const version = JSON.stringify(ctx.db.sqlite.prepare(`SELECT max(id) AS id, (SELECT max(updated_at) FROM ports) AS ports FROM port_congestion`).get())
  const cached = congestionCache.get(ctx.db)
  if (cached?.version === version) return cached.rows
  const rows = await latestCongestion(ctx.db)
  congestionCache.set(ctx.db, {version, rows})
  return rows
}

/** Latest congestion per port from the database; when it holds none, the shipped ports with no data. */
export async function congestionPage(ctx: Context, filter: {port?: string; country?: string}, page: Page) {
  const snapshots = await latestWithPorts(ctx)
  const match = (p: {unlocode: string | null; wpiNumber: string | null; country: string | null; name: string}) =>
    (!filter.port || p.unlocode === filter.port.toUpperCase() || p.wpiNumber === filter.port || p.name.toLowerCase() === filter.port.toLowerCase()) &&
    (!filter.country || (p.country ?? '').toLowerCase() === filter.country.toLowerCase())

  if (snapshots.length > 0) {
    const rows = snapshots.filter((r) => match(r))
    const slice = rows.slice((page.page - 1) * page.pageSize, page.page * page.pageSize)
    const observed = slice.reduce((max, r) => Math.max(max, r.observedAt), 0)
    return {
      count: rows.length,
      page: page.page,
      page_size: page.pageSize,
      results: slice.map((r) => ({
        port_id: r.portId,
        name: r.name,
        unlocode: r.unlocode ?? null,
        country: r.country ?? null,
        lat: r.lat,
        lon: r.lon,
        level: r.level,
        vessels_waiting: r.waiting,
        vessels_at_berth: r.atBerth,
        vessels_in_port: r.inPort,
        waiting_unknown_type: r.waitingUnknownType,
        at_berth_unknown_type: r.atBerthUnknownType,
        baseline_waiting: r.baseline,
        baseline_days: r.baselineSamples,
        median_wait_hours: r.medianWaitHours,
        waits_counted: r.waitsCounted,
        trend: r.trend,
        episode_started_at: iso(r.episodeStartedAt),
        source: r.source,
        observed_at: iso(r.observedAt),
      })),
      metadata: {source: slice.length > 0 ? worstSource(slice.map((r) => r.source)) : 'fallback', observed_at: observed ? iso(observed) : null},
    }
  }
  // Nothing computed yet: the shipped port list, every port without data.
  const shipped = loadShippedPorts().ports.filter((p) => match(p))
  const slice = shipped.slice((page.page - 1) * page.pageSize, page.page * page.pageSize)
  return {
    count: shipped.length,
    page: page.page,
    page_size: page.pageSize,
    results: slice.map((p) => ({
      port_id: null,
      name: p.name,
      unlocode: p.unlocode,
      country: p.country,
      lat: p.lat,
      lon: p.lon,
      level: 'no_data',
      vessels_waiting: null,
      vessels_at_berth: null,
      vessels_in_port: null,
      waiting_unknown_type: null,
      at_berth_unknown_type: null,
      baseline_waiting: null,
      baseline_days: 0,
      median_wait_hours: null,
      waits_counted: null,
      trend: 'unknown',
      episode_started_at: null,
      source: 'emergency',
      observed_at: null,
    })),
    metadata: {source: 'emergency', observed_at: null},
  }
}

export interface BBox {
  minLon: number
  minLat: number
  maxLon: number
  maxLat: number
}

const inBox = (b: BBox, lon: number, lat: number) =>
  lat >= b.minLat && lat <= b.maxLat && (b.minLon <= b.maxLon ? lon >= b.minLon && lon <= b.maxLon : lon >= b.minLon || lon <= b.maxLon)

/**
 * Vessels in a box: from the live AIS source when it answers on request (AISHub, through its cache);
 * otherwise the database, labelled live while the stream jobs keep it within the AIS cache time, else
 * fallback; with no positions at all, the shipped sample (emergency).
 */
export async function liveVessels(ctx: Context, box: BBox, limit: number) {
  const now = ctx.clock.now()
  const freshMs = ctx.config.cacheTtlAisSeconds * 1000
  type Row = {mmsi: number; name: string | null; lat: number; lon: number; sog: number | null; cog: number | null; heading: number | null; observed_at: string | null; source: string}
  const answer = (rows: Row[], source: string, observedAt: number | null, reason?: string) => ({
    count: rows.length,
    results: rows.slice(0, limit),
    metadata: {source, observed_at: iso(observedAt), age_seconds: observedAt ? Math.round((now - observedAt) / 1000) : null, ...(reason ? {reason} : {})},
  })
  let reason: string | undefined
  if (parseAisSource(ctx.config.aisSource).kind === 'aishub' && ctx.config.aishubUsername) {
    try {
      const batch = await readAishub(ctx, ctx.config.aishubUsername)
      const latest = new Map<number, Row>()
      for (const m of batch.messages) {
        if (m.lat == null || m.lon == null || !inBox(box, m.lon, m.lat)) continue
        latest.set(m.mmsi, {mmsi: m.mmsi, name: null, lat: m.lat, lon: m.lon, sog: m.sog ?? null, cog: m.cog ?? null, heading: m.heading ?? null, observed_at: iso(m.received_at), source: batch.source})
      }
      return answer([...latest.values()], batch.source === 'live' ? 'live' : batch.source, batch.observedAt)
    } catch (error) {
      reason = errorMessage(error)
    }
  }
  const rows = ctx.db.orm
    .select()
    .from(vessels)
    .where(and(gte(vessels.lat, box.minLat), lte(vessels.lat, box.maxLat)))
    .all()
    .filter((v) => v.lat !== null && v.lon !== null && v.positionAt !== null && inBox(box, v.lon, v.lat))
    .sort((a, b) => (b.positionAt as number) - (a.positionAt as number))
  const anyStored = ctx.db.orm.select({mmsi: vessels.mmsi}).from(vessels).where(gte(vessels.positionAt, 0)).limit(1).get()
  if (anyStored) {
    const newest = rows[0]?.positionAt ?? null
    const live = rows.length > 0 && rows.every((r) => r.positionSource === 'live') && newest !== null && now - newest <= freshMs
    return answer(
      rows.map((v) => ({mmsi: v.mmsi, name: v.name, lat: v.lat as number, lon: v.lon as number, sog: v.sog, cog: v.cog, heading: v.heading, observed_at: iso(v.positionAt), source: v.positionSource ?? 'fallback'})),
      live ? 'live' : rows.some((r) => r.positionSource === 'emergency') ? 'emergency' : 'fallback',
      newest,
      reason,
    )
  }
  const sample = readSampleCapture()
  const latest = new Map<number, Row>()
  for (const m of sample.messages) {
    if (m.lat == null || m.lon == null || Math.abs(m.lat) > 90 || !inBox(box, m.lon, m.lat)) continue
    latest.set(m.mmsi, {mmsi: m.mmsi, name: null, lat: m.lat, lon: m.lon, sog: m.sog ?? null, cog: m.cog ?? null, heading: m.heading ?? null, observed_at: iso(sample.observedAtOf(m)), source: 'emergency'})
  }
  return answer([...latest.values()], 'emergency', sample.observedAt, reason ?? 'no positions stored yet')
}

/** What the TTL cache holds for a provider: keys, ages, freshness (never the payloads). */
export function cacheEntries(ctx: Context, provider: string) {
  const now = ctx.clock.now()
  const rows = ctx.db.orm.select().from(apiCache).where(eq(apiCache.source, provider)).orderBy(desc(apiCache.fetchedAt)).all()
  return {
    source: provider,
    entries: rows.map((r) => ({
      key: r.key,
      fetched_at: iso(r.fetchedAt),
      ttl_seconds: r.ttlSeconds,
      age_seconds: Math.round((now - r.fetchedAt) / 1000),
      fresh: r.fetchedAt + r.ttlSeconds * 1000 > now,
      bytes: r.payload.length,
    })),
  }
}

/** Who holds a job's lease right now (a live owner, unexpired), if anyone. */
export function leaseHolder(ctx: Context, job: string): string | null {
  const row = ctx.db.orm.select().from(jobLocks).where(eq(jobLocks.job, job)).get()
  // The server's own pid counts as a holder here: a run it started is a run in progress.
  return row && leaseInForce(row, ctx.clock.now(), -1) ? holderText(job, row) : null
}

export function createTask(ctx: Context, kind: 'jobs' | 'refresh', target: string, requestedBy: string): number {
  return writeTransaction(ctx.db, () =>
    ctx.db.orm.insert(apiTasks).values({kind, target, status: 'running', requestedBy, createdAt: ctx.clock.now()}).returning({id: apiTasks.id}).get(),
  ).id
}

export function finishTask(ctx: Context, id: number, status: 'success' | 'failed' | 'skipped', result: Record<string, unknown> | null, error?: string): void {
  writeTransaction(ctx.db, () =>
    ctx.db.orm.update(apiTasks).set({status, result, error: error ?? null, completedAt: ctx.clock.now()}).where(eq(apiTasks.id, id)).run(),
  )
}

export function taskStatus(ctx: Context, id: number) {
  const row = ctx.db.orm.select().from(apiTasks).where(eq(apiTasks.id, id)).get()
  if (!row) return undefined
  return {
    id: row.id,
    kind: row.kind,
    target: row.target,
    status: row.status,
    requested_by: row.requestedBy,
    created_at: iso(row.createdAt),
    completed_at: iso(row.completedAt),
    ...(row.error ? {error: row.error} : {}),
    ...(row.result ? {summary: row.result} : {}),
  }
}

