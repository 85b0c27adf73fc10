// The Queues page's reads with 1 million queued jobs on SQLite: each queue's depths per state (queueStats),
// a state's first page and a page deep into it (keyset, queueJobPage), and one job in full. Target: each well
// under 100 ms (the page's server time budget). The rows go in by raw inserts (the engine's own enqueue is
// measured by queue-embedded); the reads go through the built services, as the page calls them.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {machineLine, median, mulberry} from './harness.js'
import {benchContext, dist} from './world.js'

const JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 1_000_000)
const NOW = Date.parse('2026-11-24T12:00:00Z')
const QUEUES = ['critical', 'analysis', 'compliance', 'default']
const RUNS = 7

/** Fills queue_jobs: per queue mostly completed, some pending, scheduled, retrying, dead and active. */
function fill(sqlite) {
  const random = mulberry(18)
  const insert = sqlite.prepare(
    `INSERT INTO queue_jobs (type, queue, payload, state, attempts, failures, max_retries, timeout_seconds, created_at, run_at, started_at, finished_at, errors, last_failed_at)
     VALUES ('system:canary', ?, '{"n":1}', ?, ?, ?, 3, 60, ?, ?, ?, ?, ?, ?)`,
  )
  const error = JSON.stringify([{attempt: 1, at: NOW - 1000, message: 'port feed timed out'}])
  sqlite.transaction(() => {
    for (let k = 0; k < JOBS; k++) {
      const queue = QUEUES[k % 4]
      const created = NOW - (JOBS - k) * 50
      const r = random()
      if (r < 0.6) insert.run(queue, 'completed', 1, 0, created, created, created + 10, created + 20, null, null)
      else if (r < 0.8) insert.run(queue, 'queued', 0, 0, created, created, null, null, null, null)
      else if (r < 0.9) insert.run(queue, 'queued', 0, 0, created, NOW + 3_600_000 + k, null, null, null, null)
      else if (r < 0.95) insert.run(queue, 'queued', 1, 1, created, NOW + 60_000 + k, created + 10, null, error, NOW - 1000)
      else if (r < 0.9995) insert.run(queue, 'dead', 4, 4, created, created, created + 10, created + 30, error, created + 30)
      else insert.run(queue, 'active', 1, 0, created, created, NOW - 5000, null, null, null)
    }
  })()
}

async function timed(fn) {
  const times = []
  let result
  for (let k = 0; k < RUNS; k++) {
    const t0 = performance.now()
    result = await fn()
    times.push(performance.now() - t0)
  }
  return {ms: median(times), result}
}

export default async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-web-queues-'))
  try {
    const ctx = await benchContext(join(dir, 'queues.db'), NOW)
    const admin = await dist('queue/admin.js')
    const t0 = performance.now()
    fill(ctx.db.sqlite)
    ctx.db.sqlite.exec('ANALYZE')
    console.log(machineLine())
    console.log(`${JOBS} queued jobs inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s; median of ${RUNS} calls each`)
    const stats = await timed(() => admin.queueStats(ctx, 60))
    console.log(`queueStats (depths per queue and state, 60 min rates): ${stats.ms.toFixed(1)} ms`)
    for (const state of ['pending', 'scheduled', 'retry', 'active', 'completed', 'dead']) {
      const first = await timed(() => admin.queueJobPage(ctx, {queue: 'default', state, limit: 50}))
      // 40 pages in: the cursor followed, then the next page timed.
      let after = first.result.next
      for (let p = 0; p < 40 && after; p++) after = (await admin.queueJobPage(ctx, {queue: 'default', state, limit: 50, after})).next
      const deep = after ? await timed(() => admin.queueJobPage(ctx, {queue: 'default', state, limit: 50, after})) : null
      console.log(`${state.padEnd(9)} first page ${first.ms.toFixed(2)} ms, page 42 ${deep ? `${deep.ms.toFixed(2)} ms` : '(fewer pages)'}`)
    }
    const id = String(Math.floor(JOBS / 2))
    const one = await timed(() => admin.showQueuedJob(ctx, id))
    console.log(`one job in full: ${one.ms.toFixed(2)} ms`)
    await ctx.db.close()
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
