// The queue as operators use it, through the real commands on this run's backend: enqueue now, after a delay, at a
// time, with a unique key; list, show and stats in their --json schemas and as tables for people; a worker
// draining what is due into completed jobs and the dead letter; retry, retry --all-dead, delete, purge, pause
// and resume; workers list; and health's queue checks turning degraded and unhealthy on real queued jobs.
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {CommandId} from '../../src/schemas/commands.js'
import {tempDir} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {runInProcess} from '../helpers/in-process.js'
import {seededDb} from '../helpers/template.js'

// The clock of every command: this minute, so that the engine's times (PostgreSQL's are the server's) and
// the context clock's agree on what "the last 24 h" and "due" mean.
const NOW = Math.floor(Date.now() / 60_000) * 60_000
const MINUTE = 60_000
const iso = (ms: number) => new Date(ms).toISOString()
const tmp = tempDir()
afterAll(() => tmp.cleanup())

interface Row {
  id: string
  type: string
  queue: string
  state: string
  attempts: number
  run_at: string
  unique_key: string | null
  last_error: string | null
}

/** Lines that look like JSON: an object or array literal, or a quoted key. */
const jsonLike = (stdout: string) => stdout.split('\n').filter((line) => /^\s*[[{]/.test(line) || /"[a-z_]+":/.test(line))

function cliOn(db: string) {
  // In the test's process through oclif (test/helpers/in-process.ts): the same commands, without a process start each.
  const cli = (args: string[], env: Record<string, string> = {}) => runInProcess([...args, '--db', db], {env: {HARBORMASTER_NOW: iso(NOW), ...env}})
  /** Runs with --json, expects `codes`, checks the document against the command's schema. */
  const json = async <T = Record<string, unknown>>(id: CommandId, args: string[], options: {env?: Record<string, string>; codes?: number[]} = {}): Promise<T> => {
    const result = await cli([...args, '--json'], options.env)
    expect(options.codes ?? [0], `${args.join(' ')}: ${result.stderr}`).toContain(result.code)
    const document = JSON.parse(result.stdout) as unknown
    expect(contractProblems(id, document), args.join(' ')).toEqual([])
    return document as T
  }
  /** For people: the exit code expected, and no JSON on stdout. */
  const text = async (args: string[], options: {env?: Record<string, string>; code?: number} = {}) => {
    const result = await cli(args, options.env)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(options.code ?? 0)
    expect(jsonLike(result.stdout), result.stdout).toEqual([])
    return result
  }
  const list = async (...filters: string[]) => (await json<{jobs: Row[]}>('queue list', ['queue', 'list', ...filters])).jobs
  const drain = async () => {
    const result = await cli(['worker', '--drain', '--concurrency', '2'])
    expect(result.code, result.stderr).toBe(0)
  }
  return {cli, json, text, list, drain}
}

describe('queue commands', () => {
  const db = seededDb(join(tmp.dir, 'queue', 'harbormaster.db'))
  const {cli, json, text, list, drain} = cliOn(db)
  const ids: Record<string, string> = {}

  it('enqueues now, after a delay and at a time, each on its queue', async () => {
    const now = await json<{id: string; duplicate: boolean; queue: string; run_at: string}>('queue enqueue', ['queue', 'enqueue', 'system:canary'])
    expect(now).toMatchObject({duplicate: false, type: 'system:canary', queue: 'default', run_at: iso(NOW)})
    const later = await json<{id: string; run_at: string}>('queue enqueue', ['queue', 'enqueue', 'vessel:analyze', '--payload', '{"mmsi": 244000001}', '--in', '90m'])
    expect(later).toMatchObject({queue: 'analysis', run_at: iso(NOW + 90 * MINUTE)})
    const at = await json<{id: string; queue: string; run_at: string}>('queue enqueue', ['queue', 'enqueue', 'system:canary', '--at', iso(NOW + 60 * MINUTE), '--queue', 'critical', '--max-retries', '1'])
    expect(at).toMatchObject({queue: 'critical', run_at: iso(NOW + 60 * MINUTE)})
    Object.assign(ids, {now: now.id, later: later.id, at: at.id})

    const jobs = await list()
    const stateOf = (id: string) => jobs.find((j) => j.id === id)?.state
    expect([stateOf(now.id), stateOf(later.id), stateOf(at.id)]).toEqual(['pending', 'scheduled', 'scheduled'])
    expect((await list('--state', 'scheduled')).map((j) => j.id).sort()).toEqual([later.id, at.id].sort())
    expect((await list('--queue', 'critical')).map((j) => j.id)).toEqual([at.id])
    expect((await list('--type', 'vessel:analyze')).map((j) => j.id)).toEqual([later.id])

    const said = await text(['queue', 'enqueue', 'system:canary', '--in', '2h', '--payload', '{"note": "drill"}'])
    expect(said.stdout).toMatch(new RegExp(`^enqueued system:canary as (\\S+) on queue default, due ${iso(NOW + 120 * MINUTE).replace(/\./g, '\\.')}\\n$`))
    ids.drill = /as (\S+) on/.exec(said.stdout)![1]
    const table = await text(['queue', 'list', '--state', 'scheduled'])
    expect(table.stdout).toMatch(/^id\s+type\s+queue\s+state\s+attempts\s+due\s+unique key\s+last error$/m)
    expect(table.stdout).toContain(`vessel:analyze`)
  })

  it('a held unique key answers with the job that holds it, saying it is a duplicate (exit 0)', async () => {
    const drill = (key: string, ...more: string[]) => ['queue', 'enqueue', 'system:canary', '--payload', '{"note": "unique drill"}', '--unique-key', key, ...more]
    const first = await json<{id: string; duplicate: boolean}>('queue enqueue', drill('drill:1', '--unique-for', '1h'))
    expect(first.duplicate).toBe(false)
    const again = await text(drill('drill:1'))
    expect(again.stdout).toMatch(new RegExp(`^duplicate of ${first.id}: its unique key is held by that system:canary job`))
    expect(await json('queue enqueue', drill('drill:1'))).toMatchObject({id: first.id, duplicate: true})
    expect((await list()).filter((j) => j.unique_key === 'drill:1').map((j) => j.id)).toEqual([first.id])
    // Another key is another job.
    expect((await json<{duplicate: boolean}>('queue enqueue', drill('drill:2'))).duplicate).toBe(false)
    ids.unique = first.id
  })

  it('refuses what it cannot enqueue or find, saying what to do', async () => {
    const notJson = await cli(['queue', 'enqueue', 'system:canary', '--payload', '{mmsi: 1}'])
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toMatch(/--payload is not JSON: .*; quote it for the shell/)
    const badPayload = await cli(['queue', 'enqueue', 'system:canary', '--payload', '{"fail_until_attempt": "sometimes"}'])
    expect(badPayload.code).toBe(2)
    expect(badPayload.stderr).toMatch(/payload of system:canary is not valid: fail_until_attempt/)
    const localTime = await cli(['queue', 'enqueue', 'system:canary', '--at', '2026-11-24T18:00'])
    expect(localTime.code).toBe(2)
    expect(localTime.stderr).toMatch(/--at "2026-11-24T18:00" is not an ISO 8601 time with its offset; write it as 2026-11-24T18:00:00Z/)
    const badDelay = await cli(['queue', 'enqueue', 'system:canary', '--in', 'soon'])
    expect(badDelay.code).toBe(2)
    expect(badDelay.stderr).toMatch(/--in "soon" is not a duration/)
    expect((await cli(['queue', 'enqueue', 'system:canary', '--in', '1m', '--at', iso(NOW)])).code).toBe(2)
    const missing = await cli(['queue', 'show', 'no-such-job'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no queued job no-such-job; see `harbormaster queue list`/)
    expect((await cli(['queue', 'retry'])).stderr).toMatch(/name a job or pass --all-dead/)
  })

  it('a worker drains what is due; a job out of retries goes to the dead letter with its error, stack and timeline', async () => {
    // Only what is due now: the delayed jobs are deleted first (a server clock runs on while the worker drains).
    for (const id of [ids.later, ids.at, ids.drill]) expect(await json('queue delete', ['queue', 'delete', id])).toEqual({deleted: id})
    expect((await cli(['queue', 'show', ids.later])).code).toBe(1)
    const dead = await json<{id: string}>('queue enqueue', ['queue', 'enqueue', 'system:canary', '--payload', '{"fail_until_attempt": "always"}', '--max-retries', '0'])
    ids.dead = dead.id
    await drain()

    const completed = await list('--state', 'completed')
    expect(completed.map((j) => j.id)).toEqual(expect.arrayContaining([ids.now, ids.unique]))
    const shown = await json<{state: string; attempts: number; errors: Array<{attempt: number; message: string; stack: string | null}>; timeline: Array<{event: string}>; result: unknown}>('queue show', ['queue', 'show', ids.dead])
    expect(shown).toMatchObject({state: 'dead', attempts: 1})
    expect(shown.errors).toHaveLength(1)
    expect(shown.errors[0]).toMatchObject({attempt: 1, message: 'canary failed attempt 1 as asked'})
    expect(shown.errors[0].stack).toMatch(/system-canary/)
    expect(shown.timeline.map((t) => t.event)).toEqual(['enqueued', 'started', 'failed', 'dead'])
    const done = await json<{state: string; result: Record<string, unknown>}>('queue show', ['queue', 'show', ids.now])
    expect(done).toMatchObject({state: 'completed', result: {ok: true, attempt: 1}})

    const forPeople = await text(['queue', 'show', ids.dead])
    expect(forPeople.stdout).toMatch(new RegExp(`^${ids.dead}  system:canary on queue default: dead$`, 'm'))
    expect(forPeople.stdout).toMatch(/^attempt 1 failed at \S+Z: canary failed attempt 1 as asked$/m)
    expect(forPeople.stdout).toMatch(/^ {2}at .*system-canary/m)
    expect((await list('--state', 'dead')).map((j) => [j.id, j.last_error])).toEqual([[ids.dead, 'canary failed attempt 1 as asked']])
  })

  it('retry puts a dead job back to pending, its attempts kept; --all-dead the whole dead letter', async () => {
    const retried = await text(['queue', 'retry', ids.dead])
    expect(retried.stdout).toBe(`${ids.dead} is pending again\n`)
    expect((await list('--state', 'pending')).map((j) => j.id)).toEqual([ids.dead])
    const notDead = await cli(['queue', 'retry', ids.dead])
    expect(notDead.code).toBe(2)
    expect(notDead.stderr).toMatch(new RegExp(`queued job ${ids.dead} is pending: only a dead or retrying job can be retried`))
    await drain()
    const again = await json<{state: string; attempts: number; errors: unknown[]}>('queue show', ['queue', 'show', ids.dead])
    expect(again).toMatchObject({state: 'dead', attempts: 2})
    expect(again.errors).toHaveLength(2)

    const second = await json<{id: string}>('queue enqueue', ['queue', 'enqueue', 'system:canary', '--payload', '{"fail_until_attempt": "always"}', '--max-retries', '0', '--queue', 'critical'])
    await drain()
    const all = await json<{retried: string[]}>('queue retry', ['queue', 'retry', '--all-dead'])
    expect(all.retried.sort()).toEqual([ids.dead, second.id].sort())
    expect(await list('--state', 'dead')).toEqual([])
    expect((await text(['queue', 'retry', '--all-dead'])).stdout).toBe('the dead letter is empty: nothing to retry\n')
    await drain()
    expect((await list('--state', 'dead')).map((j) => j.id).sort()).toEqual([ids.dead, second.id].sort())
    ids.secondDead = second.id
  })

  it('pause keeps workers off a queue while enqueueing goes on; resume lets them back', async () => {
    const paused = await json<{pauses: Array<{queue: string; reason: string}>}>('queue pause', ['queue', 'pause', 'default', '--reason', 'canary drill on hold'])
    expect(paused.pauses).toEqual([expect.objectContaining({queue: 'default', reason: 'canary drill on hold'})])
    const waiting = await json<{id: string}>('queue enqueue', ['queue', 'enqueue', 'system:canary'])
    await drain()
    expect((await list('--state', 'pending')).map((j) => j.id)).toEqual([waiting.id])
    const stats = await json<{queues: Array<{queue: string; paused: {reason: string} | null; states: Record<string, number>}>}>('queue stats', ['queue', 'stats'])
    expect(stats.queues.find((q) => q.queue === 'default')).toMatchObject({paused: {reason: 'canary drill on hold'}, states: {pending: 1}})
    expect(stats.queues.find((q) => q.queue === 'critical')?.paused).toBeNull()
    expect((await text(['queue', 'stats'])).stdout).toMatch(/^default\s+1\s+0\s+1\s+0\s+0\s+1\s+3\s+[\d.]+ (s|min|h|d)\s+paused: canary drill on hold$/m)

    expect(await json('queue resume', ['queue', 'resume', 'default'])).toEqual({resumed: ['default']})
    const notPaused = await cli(['queue', 'resume', 'default'])
    expect(notPaused.code).toBe(2)
    expect(notPaused.stderr).toMatch(/queue default is not paused/)
    await drain()
    expect((await json<{state: string}>('queue show', ['queue', 'show', waiting.id])).state).toBe('completed')
  })

  it('stats: depth per queue and state, processed and failed per minute, oldest pending age', async () => {
    const stats = await json<{engine: string; queues: Array<{queue: string; weight: number; states: Record<string, number>}>; processed_per_minute: number; failed_per_minute: number; per_minute: unknown[]}>('queue stats', [
      'queue',
      'stats',
      '--minutes',
      '60',
    ])
    expect(stats.queues.map((q) => [q.queue, q.weight])).toEqual([
      ['critical', 6],
      ['analysis', 2],
      ['compliance', 1],
      ['default', 1],
    ])
    expect(stats.queues.find((q) => q.queue === 'default')?.states).toMatchObject({dead: 1, completed: 4})
    expect(stats.queues.find((q) => q.queue === 'critical')?.states).toMatchObject({dead: 1})
    expect(stats.processed_per_minute).toBeGreaterThan(0)
    expect(stats.failed_per_minute).toBeGreaterThan(0)
    const forPeople = await text(['queue', 'stats'])
    expect(forPeople.stdout).toMatch(/^queue\s+weight\s+scheduled\s+pending\s+active\s+retry\s+dead\s+completed\s+oldest pending$/m)
    expect(forPeople.stdout).toMatch(/^[\d.]+ processed and [\d.]+ failed a minute over the last 15 min \((embedded|pg-boss) engine\)$/m)
  })

  it('purge deletes finished jobs older than asked, and only those', async () => {
    expect(await json('queue purge', ['queue', 'purge', '--state', 'completed', '--older-than', '7d'])).toMatchObject({state: 'completed', purged: 0, finished_before: iso(NOW - 7 * 1440 * MINUTE)})
    // A week and a day later (the later of this clock and the database server's).
    const later = Math.max(NOW, Date.now()) + 8 * 1440 * MINUTE
    const purged = await json<{purged: number}>('queue purge', ['queue', 'purge', '--state', 'completed', '--older-than', '7d'], {env: {HARBORMASTER_NOW: iso(later)}})
    expect(purged.purged).toBe(4)
    expect(await list('--state', 'completed')).toEqual([])
    expect((await list('--state', 'dead')).length).toBe(2)
    const said = await text(['queue', 'purge', '--state', 'dead', '--older-than', '7d'], {env: {HARBORMASTER_NOW: iso(later)}})
    expect(said.stdout).toMatch(/^purged 2 dead job\(s\) that finished before \S+Z$/m)
    expect((await cli(['queue', 'purge', '--state', 'pending', '--older-than', '7d'])).code).toBe(2)
  })

  it('workers list: the workers that drained, stopped', async () => {
    const {workers} = await json<{workers: Array<{status: string; concurrency: number; processed: number}>}>('workers list', ['workers', 'list'])
    expect(workers.length).toBeGreaterThanOrEqual(5)
    expect(new Set(workers.map((w) => w.status))).toEqual(new Set(['stopped']))
    expect(workers.every((w) => w.concurrency === 2)).toBe(true)
    expect(workers.reduce((n, w) => n + w.processed, 0)).toBeGreaterThanOrEqual(7)
    const table = (await text(['workers', 'list'])).stdout
    expect(table).toMatch(/^worker\s+status\s+queues\s+running\s+processed\s+started\s+last heartbeat$/m)
    expect(table).toMatch(/\sstopped\s+\S*critical=6\S*\s+0\/2\s+\d+ \(\d+ failed\)\s/)
  })
})

describe("health's queue checks", () => {
  const db = seededDb(join(tmp.dir, 'health', 'harbormaster.db'))
  const {json, drain} = cliOn(db)
  type Health = {components: {queue: {status: string; pending: number; dead_24h: number; live_workers: number; paused_queues: string[]; checks: Array<{check: string; status: string; reason: string}>; reason?: string}}}
  const queueHealth = async (env: Record<string, string> = {}) => (await json<Health>('health', ['health'], {env, codes: [0, 1, 2]})).components.queue

  it('healthy while nothing waits', async () => {
    expect(await queueHealth()).toMatchObject({status: 'healthy', pending: 0, dead_24h: 0, checks: []})
  })

  it('a due job waiting past the warning makes it degraded, past the critical age unhealthy; a paused queue is left out', async () => {
    const waiting = await json<{id: string}>('queue enqueue', ['queue', 'enqueue', 'system:canary', '--at', iso(NOW - 10 * MINUTE)])
    const degraded = await queueHealth()
    expect(degraded).toMatchObject({status: 'degraded', pending: 1, live_workers: 0})
    expect(degraded.checks).toEqual([
      {check: 'pending_age', status: 'degraded', reason: expect.stringMatching(/^the oldest of 1 due job\(s\) has waited \d+ min \(warning 5 min, critical 30 min\)$/)},
      {check: 'workers', status: 'degraded', reason: expect.stringMatching(/^1 job\(s\) due and no live worker: start `harbormaster worker`/)},
    ])
    await json('queue enqueue', ['queue', 'enqueue', 'system:canary', '--at', iso(NOW - 60 * MINUTE), '--queue', 'analysis'])
    const unhealthy = await queueHealth()
    expect(unhealthy).toMatchObject({status: 'unhealthy', pending: 2})
    expect(unhealthy.checks[0]).toMatchObject({check: 'pending_age', status: 'unhealthy'})
    // Thresholds are settings.
    expect((await queueHealth({HARBORMASTER_QUEUE_PENDING_FAIL_SECONDS: '7200'})).status).toBe('degraded')

    await json('queue pause', ['queue', 'pause', 'analysis', '--reason', 'detection upgrade'])
    const paused = await queueHealth()
    expect(paused).toMatchObject({status: 'degraded', pending: 1, paused_queues: ['analysis']})
    await json('queue pause', ['queue', 'pause', 'default', '--reason', 'detection upgrade'])
    expect(await queueHealth()).toMatchObject({status: 'healthy', pending: 0, paused_queues: ['analysis', 'default']})
    await json('queue resume', ['queue', 'resume', 'analysis'])
    await json('queue resume', ['queue', 'resume', 'default'])
    await drain()
    expect((await json<{state: string}>('queue show', ['queue', 'show', waiting.id])).state).toBe('completed')
    expect(await queueHealth()).toMatchObject({status: 'healthy', pending: 0, checks: []})
  })

  it('jobs gone to the dead letter in the last 24 h make it degraded, many of them unhealthy', async () => {
    await json('queue enqueue', ['queue', 'enqueue', 'system:canary', '--payload', '{"fail_until_attempt": "always"}', '--max-retries', '0'])
    await drain()
    const degraded = await queueHealth()
    expect(degraded).toMatchObject({status: 'degraded', dead_24h: 1})
    expect(degraded.checks).toEqual([{check: 'dead_letter', status: 'degraded', reason: expect.stringMatching(/^1 job\(s\) went to the dead letter in the last 24 h \(critical at 100\)/)}])
    expect((await queueHealth({HARBORMASTER_QUEUE_DEAD_FAIL_COUNT: '1'})).status).toBe('unhealthy')
    // A day and more later the dead job no longer counts.
    expect((await queueHealth({HARBORMASTER_NOW: iso(Math.max(NOW, Date.now()) + 25 * 60 * MINUTE)})).dead_24h).toBe(0)
  })
})
