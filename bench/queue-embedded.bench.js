// Embedded queue engine: no-op jobs enqueued, claimed and completed through the engine, against raw
// better-sqlite3 doing the same row transitions one by one (insert, claim, complete: each one autocommit
// statement) on the same queue_jobs table with the same indexes and pragmas. Both sides run alone in their
// own process on a fresh copy of the same empty database, and both must leave every job completed.
// Target: the engine, one job at a time as the raw side does it, at >= 0.5x raw's jobs/s. Also shown: the
// engine as a worker uses it (enqueueMany, fetch of 10 at a time).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'

import {alternate, cpuMs, machineLine, mb, med, runAsSide, sidesLine} from './harness.js'
import {benchContext, dist} from './world.js'

const JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 20_000)
const NOW = Date.parse('2026-11-24T12:00:00Z')
const PAYLOAD = {fail_until_attempt: 0, duration_ms: 0}

/** Jobs the database holds in each state, to check that a side did the work. */
function statesOf(dbPath) {
  const db = new Database(dbPath, {readonly: true})
  const rows = db.prepare(`SELECT state, count(*) AS n FROM queue_jobs GROUP BY state`).all()
  db.close()
  return Object.fromEntries(rows.map((r) => [r.state, r.n]))
}

const request = () => ({type: 'system:canary', queue: 'default', payload: PAYLOAD, runAt: NOW, maxRetries: 5, timeoutSeconds: 300})

/** The engine, one job at a time: enqueue each, then fetch one and complete it until none is left. */
async function engine({db: dbPath, batched}) {
  const [{embeddedEngine}] = await Promise.all([dist('queue/engines/embedded.js')])
  const ctx = await benchContext(dbPath, NOW)
  const queue = embeddedEngine(ctx)
  await queue.start()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  if (batched) await queue.enqueueMany(Array.from({length: JOBS}, request))
  else for (let k = 0; k < JOBS; k++) await queue.enqueue(request())
  const t1 = performance.now()
  let done = 0
  for (;;) {
    const jobs = await queue.fetch('default', batched ? 10 : 1, 'bench-worker')
    if (jobs.length === 0) break
    for (const job of jobs) {
      await queue.complete(job.id, {ok: true})
      done++
    }
  }
  const t2 = performance.now()
  await queue.stop()
  ctx.db.close()
  return {enqueue_ms: t1 - t0, process_ms: t2 - t1, total_ms: t2 - t0, cpu_ms: cpuMs(cpu0), done, states: statesOf(dbPath)}
}

/** Raw better-sqlite3: the same transitions, one autocommit statement each. */
async function raw({db: dbPath}) {
  const db = new Database(dbPath)
  db.pragma('busy_timeout = 5000')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  const insert = db.prepare(
    `INSERT INTO queue_jobs (type, queue, payload, state, max_retries, timeout_seconds, created_at, run_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)`,
  )
  const claim = db.prepare(
    `UPDATE queue_jobs SET state = 'active', attempts = attempts + 1, started_at = ?, worker_id = ?
     WHERE id = (SELECT id FROM queue_jobs WHERE queue = ? AND state = 'queued' AND run_at <= ? ORDER BY run_at, id LIMIT 1)
     RETURNING id, type, payload, attempts`,
  )
  const complete = db.prepare(`UPDATE queue_jobs SET state = 'completed', finished_at = ?, result = ?, worker_id = NULL WHERE id = ? AND state = 'active'`)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let k = 0; k < JOBS; k++) {
    const r = request()
    insert.run(r.type, r.queue, JSON.stringify(r.payload), r.maxRetries, r.timeoutSeconds, NOW, r.runAt)
  }
  const t1 = performance.now()
  let done = 0
  for (;;) {
    const job = claim.get(NOW, 'bench-worker', 'default', NOW)
    if (!job) break
    JSON.parse(job.payload)
    complete.run(NOW, JSON.stringify({ok: true}), job.id)
    done++
  }
  const t2 = performance.now()
  db.close()
  return {enqueue_ms: t1 - t0, process_ms: t2 - t1, total_ms: t2 - t0, cpu_ms: cpuMs(cpu0), done, states: statesOf(dbPath)}
}

export default async function queueEmbedded() {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-queue-'))
  try {
    const dbPath = join(dir, 'queue.db')
    // An empty, migrated database: both sides start from a copy of it.
    const ctx = await benchContext(dbPath, NOW)
    ctx.db.close()
    console.log(`${JOBS.toLocaleString()} no-op jobs; ${machineLine()}; ${sidesLine()}`)
    const runs = alternate(import.meta.url, ['engine', 'batched', 'raw'], dbPath)
    const line = (name, r) => {
      const perSecond = JOBS / (med(r, 'total_ms') / 1000)
      console.log(
        `  ${name}: ${Math.round(perSecond).toLocaleString()} jobs/s (enqueue ${med(r, 'enqueue_ms').toFixed(0)} ms + claim and complete ${med(r, 'process_ms').toFixed(0)} ms; ` +
          `runs ${r.map((x) => x.total_ms.toFixed(0)).join(', ')} ms; CPU ${med(r, 'cpu_ms').toFixed(0)} ms; peak RSS ${mb(med(r, 'peak_rss'))})`,
      )
      return perSecond
    }
    const engineRate = line('engine, one job at a time', runs.engine)
    const batchedRate = line('engine as a worker uses it (enqueueMany, fetch 10)', runs.batched)
    const rawRate = line('raw better-sqlite3, one autocommit statement per transition', runs.raw)
    const allDone = Object.values(runs).every((r) => r.every((x) => x.done === JOBS && x.states.completed === JOBS && Object.keys(x.states).length === 1))
    const ratio = engineRate / rawRate
    console.log(`  every job completed on every side: ${allDone ? 'yes' : 'NO'}; engine/raw ${ratio.toFixed(2)}x (target >= 0.5x: ${ratio >= 0.5 ? 'met' : 'NOT met'}); batched/raw ${(batchedRate / rawRate).toFixed(2)}x`)
    if (!allDone) process.exitCode = 1
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

await runAsSide(import.meta.url, {engine: (args) => engine({...args, batched: false}), batched: (args) => engine({...args, batched: true}), raw})
