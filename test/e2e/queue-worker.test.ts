// The queue worker on whichever engine this run's backend has (embedded on SQLite, pg-boss on PostgreSQL):
// shares by weight under saturation, strict priority, paused queues, drain, and through the real CLI the
// graceful stop (a job finishing within the grace period, one released after it, a second signal), a
// worker killed with kill -9 whose job another worker picks up, and the registry of workers.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {workerRunStats} from '../../src/schemas/workers.js'
import {enqueue, enqueueMany} from '../../src/services/queue/queue.js'
import {pauseQueue, pausedQueues, queuePauses, resumeQueue} from '../../src/services/queue/pauses.js'
import type {EnqueueRequest, QueueName} from '../../src/services/queue/types.js'
import {runWorker, startWorker, type WorkerEvent} from '../../src/services/queue/worker.js'
import {listWorkers} from '../../src/services/queue/workers.js'
import {runCli, tempDir, watchCli} from '../helpers/cli.js'
import {allJobs, openQueueService, type QueueService, until, untilState} from '../helpers/queue-service.js'
import {emptyDb} from '../helpers/template.js'

const tmp = tempDir()
const services: QueueService[] = []
afterAll(async () => {
  for (const s of services) await s.close()
  tmp.cleanup()
})
let n = 0

/** A new empty database (this run's backend) and a service context on it. */
async function freshQueue(env: Record<string, string> = {}): Promise<QueueService & {db: string}> {
  const db = emptyDb(join(tmp.dir, `db-${++n}`, 'harbormaster.db'))
  const service = await openQueueService(db, {env})
  services.push(service)
  return {...service, db}
}

const canary = (queue: QueueName, payload: Record<string, unknown> = {}, over: Partial<EnqueueRequest> = {}): EnqueueRequest => ({type: 'system:canary', queue, payload, ...over})

describe('queue worker', () => {
  it('under saturation gives each queue its weight’s share of the first 1,000 jobs processed (60/20/10/10)', async () => {
    const {ctx} = await freshQueue()
    const queues: QueueName[] = ['critical', 'analysis', 'compliance', 'default']
    for (const queue of queues) await enqueueMany(ctx, Array.from({length: 1000}, () => canary(queue)))
    const processed: QueueName[] = []
    const worker = await startWorker(ctx, {
      queues: {critical: 6, analysis: 2, compliance: 1, default: 1},
      concurrency: 8,
      onEvent(event: WorkerEvent) {
        if (event.kind !== 'job-completed') return
        processed.push(event.job.queue)
        if (processed.length === 1000) worker.stop()
      },
    })
    const stats = await worker.done
    const first = processed.slice(0, 1000)
    const share = (q: QueueName) => (100 * first.filter((p) => p === q).length) / first.length
    expect(first).toHaveLength(1000)
    expect(Math.abs(share('critical') - 60)).toBeLessThanOrEqual(5)
    expect(Math.abs(share('analysis') - 20)).toBeLessThanOrEqual(5)
    expect(Math.abs(share('compliance') - 10)).toBeLessThanOrEqual(5)
    expect(Math.abs(share('default') - 10)).toBeLessThanOrEqual(5)
    expect(stats).toMatchObject({stopped_by: 'signal', failed: 0, released: 0})
    expect(stats.completed).toBeGreaterThanOrEqual(1000)
    expect(stats.per_queue.critical?.completed).toBe(processed.filter((q) => q === 'critical').length)
  })

  it('strict priority: the heaviest queue with due jobs first, always', async () => {
    const {ctx, engine} = await freshQueue()
    // Enqueued lightest first, so that age alone would give the opposite order.
    for (const queue of ['default', 'compliance', 'analysis', 'critical'] as const) await enqueueMany(ctx, Array.from({length: 20}, () => canary(queue)))
    const order: QueueName[] = []
    const stats = await runWorker(ctx, {strict: true, concurrency: 1, drain: true, onEvent: (e) => e.kind === 'job-started' && order.push(e.job.queue)})
    expect(stats).toMatchObject({stopped_by: 'drain', completed: 80, failed: 0})
    expect(order).toEqual([...Array(20).fill('critical'), ...Array(20).fill('analysis'), ...Array(20).fill('compliance'), ...Array(20).fill('default')])
    expect(await engine.list({state: 'pending'})).toEqual([])
  })

  it('skips a paused queue and takes its jobs again once resumed', async () => {
    const {ctx, engine} = await freshQueue()
    await enqueueMany(ctx, [...Array.from({length: 5}, () => canary('critical')), ...Array.from({length: 5}, () => canary('analysis'))])
    expect(await pauseQueue(ctx, 'analysis', 'a bad detector release')).toEqual([
      expect.objectContaining({queue: 'analysis', reason: 'a bad detector release', since: expect.stringMatching(/Z$/)}),
    ])
    const paused = await runWorker(ctx, {drain: true})
    expect(paused).toMatchObject({stopped_by: 'drain', completed: 5, per_queue: {critical: {completed: 5, failed: 0, released: 0}}})
    expect(paused.per_queue.analysis).toBeUndefined()
    expect((await engine.list({state: 'pending', queue: 'analysis'})).length).toBe(5)

    expect(await resumeQueue(ctx, 'analysis')).toEqual({resumed: ['analysis']})
    expect(await pausedQueues(ctx)).toEqual(new Set())
    await expect(resumeQueue(ctx, 'analysis')).rejects.toThrow(/not paused/)
    await expect(pauseQueue(ctx, 'bulk', 'x')).rejects.toThrow(/no queue bulk/)
    await expect(pauseQueue(ctx, 'default', '  ')).rejects.toThrow(/needs a reason/)
    expect(await queuePauses(ctx)).toEqual([])
    const resumed = await runWorker(ctx, {drain: true})
    expect(resumed).toMatchObject({completed: 5, per_queue: {analysis: {completed: 5, failed: 0, released: 0}}})
  })

  it('drain through the CLI: runs what is due (failures to retry or the dead letter), leaves what is not due, exits 0 with its statistics', async () => {
    const {ctx, engine, db} = await freshQueue()
    const done = await enqueueMany(ctx, Array.from({length: 12}, (_, i) => canary('default', {note: `drill ${i}`})))
    const dead = await enqueue(ctx, canary('critical', {fail_until_attempt: 'always'}, {maxRetries: 0}))
    const retried = await enqueue(ctx, canary('analysis', {fail_until_attempt: 1}, {maxRetries: 2}))
    const later = await enqueue(ctx, canary('default', {}, {runAt: Date.now() + 3_600_000}))
    const result = await runCli(['worker', '--drain', '--json', '--concurrency', '4', '--db', db])
    expect(result.code, result.stderr).toBe(0)
    const stats = workerRunStats.parse(JSON.parse(result.stdout))
    // The retried job's second attempt is due 1–2 s after its first failed: this drain ran it if it was still
    // busy then, else left it waiting.
    const second = (await engine.get(retried.id))?.state === 'completed' ? 1 : 0
    if (!second) expect((await engine.get(retried.id))?.state).toBe('retry')
    expect(stats).toMatchObject({stopped_by: 'drain', completed: 12 + second, failed: 2, retried: 1, dead: 1, released: 0, concurrency: 4, queues: {critical: 6, analysis: 2, compliance: 1, default: 1}})
    expect(stats.per_type['system:canary']).toEqual({completed: 12 + second, failed: 2, released: 0})
    for (const job of done) expect((await engine.get(job.id))?.state).toBe('completed')
    expect(await engine.get(dead.id)).toMatchObject({state: 'dead', attempts: 1, errors: [expect.objectContaining({attempt: 1, message: 'canary failed attempt 1 as asked'})]})
    expect((await engine.get(later.id))?.state).toBe('scheduled')
    // The worker registered itself and is listed as stopped, with what it did.
    const [worker] = await listWorkers(ctx)
    expect(worker).toMatchObject({id: stats.worker_id, status: 'stopped', concurrency: 4, processed: 14 + second, failed: 2, current_jobs: [], queues: {critical: 6, analysis: 2, compliance: 1, default: 1}})
    expect(stats.worker_id.startsWith(`${worker.host}:${worker.pid}:`)).toBe(true)
    // The table of statistics without --json.
    const table = await runCli(['worker', '--drain', '--queues', 'critical=3,analysis', '--db', db])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/^queues\s+critical=3,analysis=2$/m)
    expect(table.stdout).toMatch(/^stopped_by\s+drain$/m)
  })

  it('a bad --queues or --grace is a usage error (exit 2)', async () => {
    const {db} = await freshQueue()
    const bad = await runCli(['worker', '--drain', '--queues', 'critical=6,bulk=2', '--db', db])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/no queue bulk.*queues are critical, analysis, compliance, default/)
    const grace = await runCli(['worker', '--drain', '--grace', 'soon', '--db', db])
    expect(grace.code).toBe(2)
    expect(grace.stderr).toMatch(/--grace "soon" is not a duration/)
  })

  it('SIGTERM: no new jobs, the running one finishes within the grace period and completes; exit 0', async () => {
    const {ctx, engine, db} = await freshQueue()
    const job = await enqueue(ctx, canary('default', {duration_ms: 2000, note: 'finishes'}))
    const waiting = await enqueue(ctx, canary('critical', {}, {runAt: Date.now() + 3_600_000}))
    const worker = watchCli(['worker', '--concurrency', '1', '--grace', '10m', '--verbose', '--json', '--db', db])
    await worker.stderrMatching(new RegExp(`job ${job.id} \\(system:canary, default\\) started`))
    worker.child.kill('SIGTERM')
    const result = await worker.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/stopping: 1 running job\(s\) may finish within 600 s/)
    expect(await engine.get(job.id)).toMatchObject({state: 'completed', attempts: 1, result: {ok: true, attempt: 1, note: 'finishes'}})
    expect((await engine.get(waiting.id))?.state).toBe('scheduled')
    expect(JSON.parse(result.stdout)).toMatchObject({stopped_by: 'signal', completed: 1, released: 0})
    const [registered] = await listWorkers(ctx)
    expect(registered).toMatchObject({status: 'stopped', processed: 1})
  })

  it('SIGTERM with a job longer than the grace period: the job goes back to the queue, its attempt not counted; exit 0', async () => {
    const {ctx, engine, db} = await freshQueue()
    const job = await enqueue(ctx, canary('default', {duration_ms: 3_600_000}))
    const worker = watchCli(['worker', '--grace', '1s', '--verbose', '--json', '--db', db])
    await worker.stderrMatching(new RegExp(`job ${job.id} .*started`))
    expect(await engine.get(job.id)).toMatchObject({state: 'active', attempts: 1})
    worker.child.kill('SIGTERM')
    const result = await worker.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/grace period over: 1 job\(s\) told to stop/)
    expect(await engine.get(job.id)).toMatchObject({state: 'pending', attempts: 0, errors: [], workerId: null})
    expect(JSON.parse(result.stdout)).toMatchObject({stopped_by: 'signal', completed: 0, failed: 0, released: 1, per_queue: {default: {completed: 0, failed: 0, released: 1}}})
  })

  it('a second signal returns the running jobs at once; exit 0', async () => {
    const {ctx, engine, db} = await freshQueue()
    const jobs = await enqueueMany(ctx, [canary('default', {duration_ms: 3_600_000}), canary('analysis', {duration_ms: 3_600_000})])
    const worker = watchCli(['worker', '--grace', '1h', '--verbose', '--json', '--db', db])
    for (const job of jobs) await worker.stderrMatching(new RegExp(`job ${job.id} .*started`))
    worker.child.kill('SIGTERM')
    await worker.stderrMatching(/stopping: 2 running job\(s\) may finish within 3600 s/)
    worker.child.kill('SIGINT')
    const result = await worker.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/SIGINT received again: stopping now/)
    for (const job of jobs) expect(await engine.get(job.id)).toMatchObject({state: 'pending', attempts: 0})
    expect(JSON.parse(result.stdout)).toMatchObject({stopped_by: 'release', released: 2})
  })

  it('a worker killed with kill -9 loses nothing: once its heartbeat expires another worker runs its job again', async () => {
    const env = {HARBORMASTER_WORKER_HEARTBEAT_SECONDS: '2'}
    const {ctx, engine, db} = await freshQueue(env)
    const job = await enqueue(ctx, canary('default', {duration_ms: 1500, note: 'survives'}))
    const doomed = watchCli(['worker', '--verbose', '--db', db], {env})
    await doomed.stderrMatching(new RegExp(`job ${job.id} .*started`))
    const held = await engine.get(job.id)
    expect(held).toMatchObject({state: 'active', attempts: 1})
    // The registry shows what a worker holds from its next heartbeat on.
    const lost = await until(async () => (await listWorkers(ctx)).find((w) => w.current_jobs.includes(job.id)))
    expect(lost).toMatchObject({status: 'live', current_jobs: [job.id]})
    doomed.child.kill('SIGKILL')
    await doomed.done

    const rescuer = watchCli(['worker', '--verbose', '--json', '--db', db], {env})
    const completed = await untilState(engine, job.id, 'completed')
    expect(completed).toMatchObject({attempts: 2, result: {ok: true, attempt: 2, note: 'survives'}, errors: [expect.objectContaining({attempt: 1})]})
    rescuer.child.kill('SIGTERM')
    const result = await rescuer.done
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({completed: 1, dead: 0})
    const workers = await listWorkers(ctx)
    expect(workers.map((w) => w.status).sort()).toEqual(['lost', 'stopped'])
    expect(workers.find((w) => w.status === 'lost')?.current_jobs).toEqual([])
    expect(await allJobs(engine, 'completed')).toHaveLength(1)
  })
})
