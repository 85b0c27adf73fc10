// The queue as people read it: job lists and stats as tables, one job with its attempts and timeline,
// workers with their heartbeats.
import type {Enqueued, QueuedJobDetails, QueuedJobRow, QueueStatsReport} from '../schemas/queue.js'
import type {WorkerEntry} from '../schemas/workers.js'
import {QUEUED_JOB_STATES} from '../services/queue/types.js'
import {type Painter, table} from './terminal.js'

const dash = (value: string | number | null | undefined) => (value === null || value === undefined || value === '' ? '-' : String(value))
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** Seconds as people say them: 42 s, 7 min, 3.5 h, 2 d. */
export function age(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  if (seconds < 172_800) return `${Math.round(seconds / 360) / 10} h`
  return `${Math.round(seconds / 8640) / 10} d`
}

const stateWord = (state: string, p: Painter) => (state === 'dead' ? p.bad(state) : state === 'retry' ? p.warn(state) : state === 'completed' ? p.good(state) : state)

export function renderEnqueued(e: Enqueued): string {
  if (e.duplicate) return `duplicate of ${e.id}: its unique key is held by that ${e.type} job (queue ${e.queue}, due ${e.run_at}); nothing new was enqueued`
  return `enqueued ${e.type} as ${e.id} on queue ${e.queue}, due ${e.run_at}`
}

export function renderJobList(jobs: QueuedJobRow[], p: Painter): string {
  if (jobs.length === 0) return 'no queued jobs match'
  const rows = jobs.map((j) => [j.id, j.type, j.queue, stateWord(j.state, p), `${j.attempts}/${j.max_retries + 1}`, j.run_at, dash(j.unique_key), dash(j.last_error && j.last_error.slice(0, 60))])
  return table(['id', 'type', 'queue', 'state', 'attempts', 'due', 'unique key', 'last error'], rows, p)
}

export function renderJob(job: QueuedJobDetails, p: Painter): string {
  const lines = [
    `${p.bold(job.id)}  ${job.type} on queue ${job.queue}: ${stateWord(job.state, p)}`,
    `attempts ${job.attempts} of ${job.max_retries + 1} (${plural(job.max_retries, 'retry', 'retries')} allowed), timeout ${job.timeout_seconds} s${job.unique_key ? `, unique key ${job.unique_key}` : ''}${job.worker_id ? `, held by ${job.worker_id}` : ''}`,
    `payload: ${Object.keys(job.payload).length === 0 ? '(none)' : Object.entries(job.payload).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}`,
    '',
    table(['time', 'event', 'detail'], job.timeline.map((t) => [t.at, t.event, dash(t.detail)]), p),
  ]
  for (const error of job.errors) {
    lines.push('', p.bad(`attempt ${error.attempt} failed at ${error.at}: ${error.message}`))
    if (error.stack) lines.push(...error.stack.split('\n').map((line) => p.dim(`  ${line.trim()}`)))
  }
  if (job.state === 'completed' && job.result !== null && typeof job.result === 'object') {
    lines.push('', `result: ${Object.entries(job.result as Record<string, unknown>).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}`)
  }
  return lines.join('\n')
}

export function renderStats(stats: QueueStatsReport, p: Painter): string {
  const rows = stats.queues.map((q) => [
    q.queue,
    String(q.weight),
    ...QUEUED_JOB_STATES.map((s) => String(q.states[s])),
    q.oldest_pending_seconds === null ? '-' : age(q.oldest_pending_seconds),
    q.paused ? p.warn(`paused: ${q.paused.reason}`) : '',
  ])
  return [
    table(['queue', 'weight', ...QUEUED_JOB_STATES, 'oldest pending', ''], rows, p),
    `${stats.processed_per_minute} processed and ${stats.failed_per_minute} failed a minute over the last ${stats.window_minutes} min (${stats.engine} engine)`,
  ].join('\n')
}

export function renderWorkers(workers: WorkerEntry[], p: Painter): string {
  if (workers.length === 0) return 'no worker has run in the last day: start one with `harbormaster worker`'
  const status = (w: WorkerEntry) => (w.status === 'live' ? p.good('live') : w.status === 'lost' ? p.bad('lost') : p.dim('stopped'))
  const rows = workers.map((w) => [
    w.id,
    status(w),
    Object.entries(w.queues).map(([q, n]) => `${q}=${n}`).join(',') + (w.strict ? ' strict' : '') + (w.scheduler ? ' +scheduler' : ''),
    `${w.current_jobs.length}/${w.concurrency}`,
    `${w.processed} (${w.failed} failed)`,
    w.started_at,
    w.stopped_at ?? w.heartbeat_at,
  ])
  return table(['worker', 'status', 'queues', 'running', 'processed', 'started', 'last heartbeat'], rows, p)
}
