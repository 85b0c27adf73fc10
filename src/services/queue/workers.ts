// The worker registry: each `worker` process registers (host, pid, queues, concurrency), beats while it
// runs and says what it holds; a worker silent longer than HARBORMASTER_WORKER_HEARTBEAT_SECONDS is lost.
// Liveness is wall time (the database server's on PostgreSQL), never the fake clock of HARBORMASTER_NOW:
// it is about processes, not about which slots are due.
import {randomBytes} from 'node:crypto'

import type {WorkerEntry} from '../../schemas/workers.js'
import type {Context} from '../context.js'
import {beatWorker, insertWorker, liveWorkerIds as liveIds, markWorkerStopped, type QueueWorkerRow, type WorkerProgress, workerRows} from '../db/queue-workers.js'
import type {QueueWeights} from './queue.js'

export type {WorkerEntry} from '../../schemas/workers.js'
export type {WorkerProgress} from '../db/queue-workers.js'

/** Rows of workers silent this long are deleted when the next worker registers. */
const FORGET_AFTER_MS = 7 * 24 * 3600 * 1000

export interface WorkerIdentity {
  id: string
  host: string
  pid: number
}

export interface RegisterOptions {
  queues: QueueWeights
  strict: boolean
  concurrency: number
  scheduler: boolean
}

/** A new worker id: host, pid and a random part (a pid is reused; a restarted worker is a new worker). */
export function newWorkerId(host: string, pid = process.pid): string {
  return `${host}:${pid}:${randomBytes(3).toString('hex')}`
}

export async function registerWorker(ctx: Context, options: RegisterOptions, id = newWorkerId(ctx.config.host)): Promise<WorkerIdentity> {
  const row = await insertWorker(
    ctx.db,
    {id, host: ctx.config.host, pid: process.pid, queues: options.queues as Record<string, number>, strict: options.strict, concurrency: options.concurrency, scheduler: options.scheduler},
    Date.now(),
    FORGET_AFTER_MS,
  )
  return {id: row.id, host: row.host, pid: row.pid}
}

/** Renews the worker's heartbeat with what it holds now; false when its row was forgotten. */
export function heartbeat(ctx: Context, id: string, progress: WorkerProgress): Promise<boolean> {
  return beatWorker(ctx.db, id, progress, Date.now())
}

export function markStopped(ctx: Context, id: string, progress: WorkerProgress): Promise<void> {
  return markWorkerStopped(ctx.db, id, progress, Date.now())
}

function heartbeatWindowMs(ctx: Context): number {
  return ctx.config.workerHeartbeatSeconds * 1000
}

/** Ids of the workers alive now: running, heartbeat within HARBORMASTER_WORKER_HEARTBEAT_SECONDS. */
export function liveWorkerIds(ctx: Context): Promise<string[]> {
  return liveIds(ctx.db, heartbeatWindowMs(ctx), Date.now())
}

function entryOf(row: QueueWorkerRow, now: number, windowMs: number): WorkerEntry {
  const status = row.stoppedAt !== null ? 'stopped' : row.heartbeatAt >= now - windowMs ? 'live' : 'lost'
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    status,
    queues: row.queues,
    strict: row.strict,
    concurrency: row.concurrency,
    scheduler: row.scheduler,
    started_at: new Date(row.startedAt).toISOString(),
    heartbeat_at: new Date(row.heartbeatAt).toISOString(),
    stopped_at: row.stoppedAt === null ? null : new Date(row.stoppedAt).toISOString(),
    current_jobs: status === 'live' ? row.currentJobs : [],
    processed: row.processed,
    failed: row.failed,
  }
}

export interface ListWorkersOptions {
  /** Also workers that stopped or were lost within this many ms (default: 24 h); live ones always. */
  recentMs?: number
}

/** The workers: live ones, and those stopped or lost within the last day (`recentMs`), newest first. */
export async function listWorkers(ctx: Context, options: ListWorkersOptions = {}): Promise<WorkerEntry[]> {
  const recentMs = options.recentMs ?? 24 * 3600 * 1000
  const {now, rows} = await workerRows(ctx.db, Date.now())
  const windowMs = heartbeatWindowMs(ctx)
  return rows.filter((row) => row.heartbeatAt >= now - recentMs).map((row) => entryOf(row, now, windowMs))
}
