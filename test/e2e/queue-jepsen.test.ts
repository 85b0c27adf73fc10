// A Jepsen-style check of the queue on this run's engine: 10,000 jobs, 4 worker processes, one killed with
// kill -9 every 1–2 s for 60 s and restarted, then drained. Nothing may be lost, every job must complete,
// nothing may end in the dead letter; jobs run more than once (at least once delivery: a job whose worker
// died mid-run, run again) are counted and reported. The engine's record of each job says how often it ran:
// its attempts (started, a graceful release not counted) and one error per attempt that did not finish.
import {setTimeout as sleep} from 'node:timers/promises'
import {join} from 'node:path'

import {afterAll, expect, it} from 'vitest'

import {enqueueMany} from '../../src/services/queue/queue.js'
import {QUEUE_NAMES, type QueuedJob} from '../../src/services/queue/types.js'
import {listWorkers} from '../../src/services/queue/workers.js'
import {runCli, tempDir, watchCli, type WatchedCli} from '../helpers/cli.js'
import {allJobs, openQueueService, type QueueService} from '../helpers/queue-service.js'
import {backend, emptyDb} from '../helpers/template.js'

const JOBS = 10_000
const WORKERS = 4
const CHAOS_MS = 60_000
// Two shared cores: a short heartbeat so killed workers' jobs come back within seconds.
const env = {HARBORMASTER_WORKER_HEARTBEAT_SECONDS: '2', HARBORMASTER_WORKER_GRACE_SECONDS: '5'}

const tmp = tempDir()
let service: QueueService | undefined
afterAll(async () => {
  await service?.close()
  tmp.cleanup()
})

it(`loses nothing when workers are killed with kill -9 again and again (${backend()})`, {timeout: 900_000}, async () => {
  const db = emptyDb(join(tmp.dir, 'jepsen', 'harbormaster.db'))
  service = await openQueueService(db, {env})
  const {ctx, engine} = service
  // Short jobs spread over the four queues: each worker holds several at any moment, so a kill interrupts some.
  for (let i = 0; i < JOBS; i += 1000) {
    await enqueueMany(
      ctx,
      Array.from({length: 1000}, (_, k) => ({type: 'system:canary' as const, queue: QUEUE_NAMES[(i + k) % 4], payload: {duration_ms: 150, note: `jepsen ${i + k}`}, maxRetries: 20})),
    )
  }

  const start = () => watchCli(['worker', '--concurrency', '8', '--db', db], {env})
  const workers: WatchedCli[] = Array.from({length: WORKERS}, start)
  let kills = 0
  const chaosEnds = Date.now() + CHAOS_MS
  while (Date.now() < chaosEnds) {
    await sleep(1000 + Math.random() * 1000)
    const victim = Math.floor(Math.random() * WORKERS)
    workers[victim].child.kill('SIGKILL')
    await workers[victim].done
    kills++
    workers[victim] = start()
  }
  // The survivors stop gracefully (once started: a process still loading has no handler for the signal yet);
  // then drains, until the jobs of the last killed workers (back once their heartbeat expires) and the
  // retries after their backoff have run.
  const stopped = await Promise.all(
    workers.map(async (w) => {
      await w.stderrMatching(/worker \S+ started/)
      w.child.kill('SIGTERM')
      return w.done
    }),
  )
  for (const result of stopped) expect(result.code, result.stderr).toBe(0)
  let drains = 0
  for (;;) {
    const drain = await runCli(['worker', '--drain', '--concurrency', '8', '--json', '--db', db], {env})
    expect(drain.code, drain.stderr).toBe(0)
    drains++
    const {queues} = await engine.stats(1)
    const unfinished = queues.reduce((sum, q) => sum + q.states.pending + q.states.scheduled + q.states.active + q.states.retry, 0)
    if (unfinished === 0) break
    await sleep(1000)
  }

  const completed: QueuedJob[] = await allJobs(engine, 'completed')
  const dead = await allJobs(engine, 'dead')
  const ranTwiceOrMore = completed.filter((j) => j.attempts > 1)
  const runs = completed.reduce((sum, j) => sum + j.attempts, 0)
  const report = {
    engine: engine.engine,
    jobs: JOBS,
    kills,
    drains,
    completed: completed.length,
    dead: dead.length,
    lost: JOBS - completed.length - dead.length,
    runs,
    jobs_run_more_than_once: ranTwiceOrMore.length,
    most_runs_of_one_job: Math.max(...completed.map((j) => j.attempts)),
  }
  console.log(`queue jepsen check: ${JSON.stringify(report)}`)

  expect(kills).toBeGreaterThanOrEqual(25)
  expect(dead).toEqual([])
  expect(completed).toHaveLength(JOBS)
  expect(new Set(completed.map((j) => j.payload.note)).size).toBe(JOBS)
  // Every run beyond the first is one its worker did not finish, recorded as a failed attempt.
  for (const job of completed) {
    expect(job.errors.length, `job ${job.id}`).toBe(job.attempts - 1)
    expect(job.result).toMatchObject({ok: true, attempt: job.attempts})
  }
  // The kills did interrupt jobs (the check exercised recovery), and the registry saw the lost workers.
  expect(ranTwiceOrMore.length).toBeGreaterThan(0)
  // A worker killed while it held nothing gave the drains nothing to wait for: it reads as live until its
  // heartbeat expires, which it must.
  let registry = await listWorkers(ctx)
  while (registry.some((w) => w.status === 'live')) {
    await sleep(500)
    registry = await listWorkers(ctx)
  }
  // (A worker killed before it had registered is not in it.)
  const lost = registry.filter((w) => w.status === 'lost').length
  expect(lost).toBeGreaterThan(0)
  expect(lost).toBeLessThanOrEqual(kills)
  expect(registry.filter((w) => w.status === 'live')).toEqual([])
})
