// The scheduler of `worker --scheduler` through the real CLI on a fake clock (HARBORMASTER_NOW): two
// workers, one leader; each registry job's latest slot enqueued once as a `registry:run` job, also when the
// lead passes to the other; after downtime only the most recent missed slot. The workers here serve only the
// critical queue, so the enqueued runs wait in the default queue for the test to read.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {workerRunStats} from '../../src/schemas/workers.js'
import {fixedClock} from '../../src/services/clock.js'
import {pauseJobs} from '../../src/services/jobs/control.js'
import {JOBS, scheduleTimes} from '../../src/services/jobs/registry.js'
import type {QueuedJob} from '../../src/services/queue/types.js'
import {runCli, tempDir, watchCli, type WatchedCli} from '../helpers/cli.js'
import {openQueueService, type QueueService, until} from '../helpers/queue-service.js'
import {seededDb} from '../helpers/template.js'

const tmp = tempDir()
const services: QueueService[] = []
afterAll(async () => {
  for (const s of services) await s.close()
  tmp.cleanup()
})

const T1 = Date.parse('2026-11-24T12:07:00Z')
const T2 = T1 + 3 * 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()

/** The registry:run jobs enqueued, as job and slot, in order. */
async function scheduled(service: QueueService): Promise<string[]> {
  const jobs: QueuedJob[] = await service.engine.list({type: 'registry:run', limit: 1000})
  return jobs.map((j) => `${String(j.payload.job)} ${String(j.payload.slot)}`).sort()
}

/** Each enabled job's latest slot at `now`. */
const slotsAt = (now: number) => JOBS.filter((j) => j.enabled).map((j) => `${j.name} ${iso(scheduleTimes(j.schedule, now).previous)}`)

describe('worker --scheduler', () => {
  it('one leader among two workers enqueues each slot once, also after the lead passes; after downtime only the latest missed slot', async () => {
    const db = seededDb(join(tmp.dir, 'db-1', 'harbormaster.db'))
    const service = await openQueueService(db)
    services.push(service)
    const env = {HARBORMASTER_NOW: iso(T1)}
    const start = () => watchCli(['worker', '--scheduler', '--queues', 'critical', '--verbose', '--db', db], {env})
    const first = start()
    const second = start()
    const role = async (w: WatchedCli) => (await w.stderrMatching(/scheduler: (leading|following)/))[1]
    const roles = [await role(first), await role(second)]
    expect(roles.sort()).toEqual(['following', 'leading'])
    const [leader, follower] = (await role(first)) === 'leading' ? [first, second] : [second, first]

    const expected = slotsAt(T1).sort()
    expect(expected).toContain('vessels 2026-11-24T12:00:00.000Z')
    expect(expected).toContain('maintain 2026-11-21T02:00:00.000Z')
    expect(await until(async () => {
      const now = await scheduled(service)
      return now.length >= expected.length && now
    })).toEqual(expected)
    expect(follower.stderr()).not.toMatch(/enqueued as job/)

    // The leader stops: the follower takes the lead, finds every slot enqueued already, and adds none.
    leader.child.kill('SIGTERM')
    expect((await leader.done).code).toBe(0)
    await follower.stderrMatching(/scheduler: leading/)
    follower.child.kill('SIGTERM')
    const followed = await follower.done
    expect(followed.code, followed.stderr).toBe(0)
    expect(await scheduled(service)).toEqual(expected)
    const unique = await service.engine.list({type: 'registry:run', limit: 1000})
    expect(new Set(unique.map((j) => j.uniqueKey))).toEqual(new Set(expected.map((e) => `schedule:${e.replace(' ', ':')}`)))

    // Three hours later, after downtime: twelve vessels slots (and many more health-check and quota-monitor ones) were missed; only the latest runs. Jobs whose
    // slot has not moved (cleanup every 6 h, the daily and weekly ones) get nothing new.
    const later = await runCli(['worker', '--scheduler', '--drain', '--queues', 'critical', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(T2)}})
    expect(later.code, later.stderr).toBe(0)
    const stats = workerRunStats.parse(JSON.parse(later.stdout))
    const fresh = slotsAt(T2).filter((slot) => !expected.includes(slot)).sort()
    expect(fresh).toEqual([
      'behaviour 2026-11-24T15:00:00.000Z',
      'health-check 2026-11-24T15:05:00.000Z',
      'ports 2026-11-24T15:00:00.000Z',
      'quota-monitor 2026-11-24T15:07:00.000Z',
      'safety 2026-11-24T15:00:00.000Z',
      'vessels 2026-11-24T15:00:00.000Z',
    ])
    expect(stats.scheduler).toEqual({led: true, enqueued: fresh.length, duplicates: 0})
    expect(await scheduled(service)).toEqual([...expected, ...fresh].sort())
    expect((await scheduled(service)).filter((s) => s.startsWith('vessels '))).toEqual(['vessels 2026-11-24T12:00:00.000Z', 'vessels 2026-11-24T15:00:00.000Z'])

    // Again at the same time: each slot runs once, also once its job finished (the slot is remembered).
    const again = await runCli(['worker', '--scheduler', '--drain', '--queues', 'critical', '--json', '--db', db], {env: {HARBORMASTER_NOW: iso(T2)}})
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout).scheduler).toEqual({led: true, enqueued: 0, duplicates: 0})
    expect(await scheduled(service)).toHaveLength(expected.length + fresh.length)
  })

  it('a registry:run job runs its registry job through the runner (pauses, history) when a worker takes it', async () => {
    const db = seededDb(join(tmp.dir, 'db-2', 'harbormaster.db'))
    const service = await openQueueService(db, {clock: fixedClock(T1)})
    services.push(service)
    const env = {HARBORMASTER_NOW: iso(T1)}
    // Every job but usage-report paused: their runs are skipped by the runner (an answer, not a failure).
    for (const job of JOBS.filter((j) => j.enabled && j.name !== 'usage-report')) await pauseJobs(service.ctx, job.name, 'only the usage report in this test')
    const result = await runCli(['worker', '--scheduler', '--drain', '--queues', 'default', '--concurrency', '1', '--json', '--db', db], {env})
    expect(result.code, result.stderr).toBe(0)
    const stats = workerRunStats.parse(JSON.parse(result.stdout))
    expect(stats.scheduler?.enqueued).toBe(slotsAt(T1).length)
    expect(stats).toMatchObject({processed: slotsAt(T1).length, completed: slotsAt(T1).length, dead: 0})
    const runs = await service.engine.list({type: 'registry:run', limit: 100})
    expect(runs.find((j) => j.payload.job === 'usage-report')).toMatchObject({state: 'completed', result: expect.objectContaining({status: 'success', run_id: expect.any(Number)})})
    expect(runs.find((j) => j.payload.job === 'vessels')).toMatchObject({state: 'completed', result: expect.objectContaining({status: 'skipped', skip_reason: expect.stringMatching(/paused/)})})
    const history = await runCli(['jobs', 'history', '--job', 'usage-report', '--json', '--db', db], {env})
    expect(JSON.parse(history.stdout).runs).toEqual([expect.objectContaining({job: 'usage-report', status: 'success', trigger: 'scheduler 2026-11-24T01:00:00.000Z'})])
  })
})
