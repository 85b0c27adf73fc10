// The queue on PostgreSQL (pg-boss engine): no-op jobs processed by 4 workers (4 concurrent claim/complete
// loops on the engine, one job per claim) against raw `pg` doing the same row transitions on a table of its
// own (UPDATE … FOR UPDATE SKIP LOCKED claim, then complete), and 10,000 jobs enqueued in one call
// (enqueueMany: one pg-boss insert) against enqueues one by one (2,000, rate per job) and a raw INSERT … SELECT. Each
// side runs alone in its own process on a fresh database cloned from one template, on a throwaway server.
import pg from 'pg'

import {databaseUrl, startTestPostgres} from '../scripts/throwaway-postgres.js'
import {machineLine, med, RUNS, runAsSide, side} from './harness.js'
import {benchContext, dist} from './world.js'

/** Jobs the 4 workers process per run. */
const PROCESSED = 5000
/** Jobs enqueued per run in one call (and by raw pg). */
const ENQUEUED = 10_000
/** Jobs enqueued one by one per run: fewer, for the machine's sake (the rate per job is what is compared). */
const ONE_BY_ONE = 2000
const WORKERS = 4

const canary = (k) => ({type: 'system:canary', payload: {note: `job ${k}`}, queue: 'default'})

async function withEngine(url, fn) {
  const {queueEngine, stopQueueEngine} = await dist('queue/queue.js')
  const ctx = await benchContext(url, Date.now())
  try {
    return await fn(ctx, await queueEngine(ctx))
  } finally {
    await stopQueueEngine(ctx)
    await ctx.db.close()
  }
}

/** 4 workers on the engine: claim one due job, complete it, until none is left. */
async function engineWork({url}) {
  const {enqueueMany} = await dist('queue/queue.js')
  return withEngine(url, async (ctx, engine) => {
    await enqueueMany(ctx, Array.from({length: PROCESSED}, (_, k) => canary(k)))
    let done = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({length: WORKERS}, async (_, w) => {
        for (;;) {
          const [job] = await engine.fetch('default', 1, `bench-worker-${w}`)
          if (!job) return
          await engine.complete(job.id, {})
          done++
        }
      }),
    )
    const ms = performance.now() - t0
    const stats = await engine.stats(1)
    return {ms, done, completed: stats.queues.find((q) => q.queue === 'default').states.completed}
  })
}

const RAW_TABLE = `CREATE TABLE bench_jobs (
  id bigserial PRIMARY KEY, queue text NOT NULL, state text NOT NULL, run_at timestamptz NOT NULL,
  data jsonb NOT NULL, attempts int NOT NULL DEFAULT 0, worker_id text, started_at timestamptz, completed_at timestamptz, result jsonb);
  CREATE INDEX bench_jobs_due ON bench_jobs (queue, run_at) WHERE state = 'pending'`

const rawInsert = (pool, n) =>
  pool.query(
    `INSERT INTO bench_jobs (queue, state, run_at, data) SELECT 'default', 'pending', now(), jsonb_build_object('type', 'system:canary', 'payload', jsonb_build_object('note', 'job ' || k)) FROM generate_series(1, $1::int) AS k`,
    [n],
  )

/** The same transitions in raw SQL: the baseline an engine over PostgreSQL cannot beat by much. */
async function rawWork({url}) {
  const pool = new pg.Pool({connectionString: url, max: WORKERS})
  try {
    await pool.query(RAW_TABLE)
    await rawInsert(pool, PROCESSED)
    let done = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({length: WORKERS}, async (_, w) => {
        for (;;) {
          const {rows} = await pool.query(
            `UPDATE bench_jobs SET state = 'active', attempts = attempts + 1, started_at = now(), worker_id = $1
              WHERE id = (SELECT id FROM bench_jobs WHERE queue = 'default' AND state = 'pending' AND run_at < now() ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
              RETURNING id, data`,
            [`bench-worker-${w}`],
          )
          if (rows.length === 0) return
          await pool.query(`UPDATE bench_jobs SET state = 'completed', completed_at = now(), result = '{}' WHERE id = $1 AND state = 'active'`, [rows[0].id])
          done++
        }
      }),
    )
    return {ms: performance.now() - t0, done}
  } finally {
    await pool.end()
  }
}

async function engineEnqueueMany({url}) {
  const {enqueueMany} = await dist('queue/queue.js')
  return withEngine(url, async (ctx) => {
    const requests = Array.from({length: ENQUEUED}, (_, k) => canary(k))
    const t0 = performance.now()
    const results = await enqueueMany(ctx, requests)
    return {ms: performance.now() - t0, enqueued: results.length}
  })
}

async function engineEnqueueOne({url}) {
  const {enqueue} = await dist('queue/queue.js')
  return withEngine(url, async (ctx) => {
    const t0 = performance.now()
    for (let k = 0; k < ONE_BY_ONE; k++) await enqueue(ctx, canary(k))
    return {ms: performance.now() - t0, enqueued: ONE_BY_ONE}
  })
}

async function rawEnqueue({url}) {
  const pool = new pg.Pool({connectionString: url, max: 1})
  try {
    await pool.query(RAW_TABLE)
    const t0 = performance.now()
    await rawInsert(pool, ENQUEUED)
    return {ms: performance.now() - t0, enqueued: ENQUEUED}
  } finally {
    await pool.end()
  }
}

const rate = (n, ms) => Math.round(n / (ms / 1000))

export default async function queuePg() {
  const server = await startTestPostgres()
  if (!server) {
    console.log('PostgreSQL is not installed here: run scripts/install-test-deps.sh (Debian package postgresql) for this benchmark')
    return
  }
  const admin = new pg.Client({connectionString: server.url})
  try {
    await admin.connect()
    await admin.query('CREATE DATABASE bench_template')
    // Migrated, with pg-boss's schema and our queues: the runs measure work, not installing.
    await withEngine(databaseUrl(server.url, 'bench_template'), async () => undefined)
    let made = 0
    const fresh = async () => {
      const name = `bench_run_${++made}`
      await admin.query(`CREATE DATABASE ${name} TEMPLATE bench_template`)
      return databaseUrl(server.url, name)
    }
    const runs = {engineWork: [], rawWork: [], engineEnqueueMany: [], engineEnqueueOne: [], rawEnqueue: []}
    // Alternated, so every side sees the same machine and server state.
    for (let i = 0; i < RUNS; i++) {
      for (const name of Object.keys(runs)) runs[name].push(side(import.meta.url, name, {url: await fresh()}))
    }
    const m = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, med(r, 'ms')]))
    const w = runs.engineWork[0]
    const secondsOf = (name) => runs[name].map((r) => (r.ms / 1000).toFixed(2)).join(', ')
    console.log(`queue on PostgreSQL, pg-boss engine (throwaway server; ${machineLine()}; median of ${RUNS} runs per side, each in its own process)`)
    console.log(`  ${PROCESSED.toLocaleString()} no-op jobs, ${WORKERS} workers, one job per claim:`)
    console.log(`    raw pg (SKIP LOCKED claim, complete)   ${rate(PROCESSED, m.rawWork).toLocaleString().padStart(8)} jobs/s  (runs ${secondsOf('rawWork')} s)`)
    console.log(`    pg-boss engine (fetch, complete)       ${rate(PROCESSED, m.engineWork).toLocaleString().padStart(8)} jobs/s  (runs ${secondsOf('engineWork')} s; ${w.done} processed, ${w.completed} completed)`)
    console.log(`    ratio ${(m.rawWork / m.engineWork).toFixed(2)}x raw pg's rate`)
    console.log(`  ${ENQUEUED.toLocaleString()} jobs enqueued:`)
    console.log(`    raw pg, one INSERT … SELECT            ${rate(ENQUEUED, m.rawEnqueue).toLocaleString().padStart(8)} jobs/s  (runs ${secondsOf('rawEnqueue')} s)`)
    console.log(`    enqueueMany, one call (pg-boss insert) ${rate(ENQUEUED, m.engineEnqueueMany).toLocaleString().padStart(8)} jobs/s  (runs ${secondsOf('engineEnqueueMany')} s)`)
    const oneByOne = rate(ONE_BY_ONE, m.engineEnqueueOne)
    console.log(`    enqueue, one by one (${ONE_BY_ONE.toLocaleString()} of them)     ${oneByOne.toLocaleString().padStart(8)} jobs/s  (runs ${secondsOf('engineEnqueueOne')} s)`)
    console.log(`    enqueueMany ${(rate(ENQUEUED, m.engineEnqueueMany) / oneByOne).toFixed(1)}x the rate one by one; ${(m.rawEnqueue / m.engineEnqueueMany).toFixed(2)}x raw pg's rate`)
  } finally {
    await admin.end().catch(() => undefined)
    server.stop()
  }
}

await runAsSide(import.meta.url, {engineWork, rawWork, engineEnqueueMany, engineEnqueueOne, rawEnqueue})
