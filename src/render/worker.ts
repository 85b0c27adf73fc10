// The queue worker on a terminal: one status line updated in place while it runs, and its statistics when
// it stops (a table of totals, then one row per queue and per job type).
import type {WorkerRunStats} from '../schemas/workers.js'
import type {WorkerStatus} from '../services/queue/worker.js'
import {type Painter, table} from './terminal.js'

export function renderWorkerRunStats(stats: WorkerRunStats, p: Painter): string {
  const totals: Array<[string, string]> = [
    ['worker', stats.worker_id],
    ['queues', `${Object.entries(stats.queues).map(([q, w]) => `${q}=${w}`).join(',')}${stats.strict ? ' (strict)' : ''}`],
    ['concurrency', String(stats.concurrency)],
    ['started_at', stats.started_at],
    ['stopped_at', stats.stopped_at],
    ['stopped_by', stats.stopped_by],
    ['processed', String(stats.processed)],
    ['completed', String(stats.completed)],
    ['failed', stats.failed > 0 ? p.warn(String(stats.failed)) : '0'],
    ['retried', String(stats.retried)],
    ['dead', stats.dead > 0 ? p.bad(String(stats.dead)) : '0'],
    ['released', String(stats.released)],
    ['recovered', String(stats.recovered)],
    ['errors', stats.errors > 0 ? p.bad(String(stats.errors)) : '0'],
  ]
  if (stats.scheduler) totals.push(['scheduler', `${stats.scheduler.led ? 'led' : 'followed'}, ${stats.scheduler.enqueued} slot(s) enqueued, ${stats.scheduler.duplicates} already enqueued`])
  const parts = [table(['statistic', 'value'], totals, p)]
  const breakdown = (title: string, counts: Record<string, {completed: number; failed: number; released: number} | undefined>) => {
    const rows = Object.entries(counts).map(([name, c]) => [name, String(c?.completed ?? 0), String(c?.failed ?? 0), String(c?.released ?? 0)])
    if (rows.length > 0) parts.push(table([title, 'completed', 'failed', 'released'], rows, p))
  }
  breakdown('queue', stats.per_queue)
  breakdown('job type', stats.per_type)
  return parts.join('\n\n')
}

/** One line: slots in use, done, failed, and the jobs taken per queue. */
export function workerStatusLine(id: string, s: WorkerStatus): string {
  const queues = Object.entries(s.perQueue)
    .map(([q, n]) => `${q} ${n}`)
    .join(', ')
  return `${id}${s.stopping ? ' stopping' : ''}: ${s.running}/${s.concurrency} running, ${s.completed} completed, ${s.failed} failed${s.released > 0 ? `, ${s.released} released` : ''}${queues ? ` (${queues})` : ''}`
}

/** A status line on a terminal, redrawn in place at most a few times a second. */
export function statusLine(stream: NodeJS.WriteStream): {update(text: string): void; clear(): void} {
  let last = 0
  let shown = false
  const draw = (text: string) => {
    const width = stream.columns ? stream.columns - 1 : 120
    stream.write(`\r\u001B[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`)
    shown = true
  }
  return {
    update(text) {
      const now = Date.now()
      if (now - last < 250) return
      last = now
      draw(text)
    },
    clear() {
      if (shown) stream.write('\r\u001B[2K')
      shown = false
    },
  }
}
