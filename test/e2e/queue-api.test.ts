// The queue over HTTP, through `serve` on this run's backend: stats per queue, a queue's jobs, one queued job,
// retry (OPERATOR), delete and pause/resume (ADMIN), each answer in its schema and each role held to its rights.
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {queueJobsPage} from '../../src/services/api/queues.js'
import {deleted, queuedJob, queuePauses, queueResumed, queueStatsReport, retried} from '../../src/schemas/queue.js'
import {runCli, tempDir, type WatchedCli, watchCli} from '../helpers/cli.js'
import {seededDb} from '../helpers/template.js'

const NOW = Math.floor(Date.now() / 60_000) * 60_000
const env = {HARBORMASTER_NOW: new Date(NOW).toISOString()}
const ADMIN_TOKEN = 'bootstrap-admin-token-queue-0123456789'
const tmp = tempDir()
const db = seededDb(join(tmp.dir, 'api', 'harbormaster.db'))
const tokens: Record<string, string> = {}
let server: WatchedCli
let base: string

async function cli(...args: string[]) {
  const result = await runCli([...args, '--db', db], {env})
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

async function call(method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = token ? {authorization: `Bearer ${token}`} : {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${base}${path}`, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)})
  const text = await response.text()
  return {status: response.status, body: text ? JSON.parse(text) : null}
}

beforeAll(async () => {
  for (const [name, role] of [
    ['vera', 'VIEWER'],
    ['otto', 'OPERATOR'],
  ]) {
    tokens[name] = JSON.parse(await cli('users', 'add', name, '--role', role, '--json')).token
  }
  server = watchCli(['serve', '--port', '0', '--db', db], {env: {...env, HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN}})
  ;[, base] = await server.stderrMatching(/listening on (http:\/\/[\d.:]+)/)
})

afterAll(async () => {
  server?.child.kill('SIGTERM')
  await server?.done
  tmp.cleanup()
})

describe('the queue over HTTP', () => {
  let dead: string
  let done: string

  it('reads: stats per queue, a queue\'s jobs by state, one job in full (VIEWER)', async () => {
    dead = JSON.parse(await cli('queue', 'enqueue', 'system:canary', '--payload', '{"fail_until_attempt": "always"}', '--max-retries', '0', '--json')).id
    done = JSON.parse(await cli('queue', 'enqueue', 'system:canary', '--json')).id
    await cli('worker', '--drain')

    expect((await call('GET', '/api/queues')).status).toBe(401)
    const stats = await call('GET', '/api/queues', tokens.vera)
    expect(stats.status).toBe(200)
    const report = queueStatsReport.parse(stats.body)
    expect(report.queues.find((q) => q.queue === 'default')?.states).toMatchObject({dead: 1, completed: 1})

    const page = await call('GET', '/api/queues/default/jobs?state=dead&limit=10', tokens.vera)
    expect(page.status).toBe(200)
    expect(queueJobsPage.parse(page.body)).toMatchObject({queue: 'default', limit: 10, offset: 0, jobs: [expect.objectContaining({id: dead, state: 'dead'})]})
    const all = queueJobsPage.parse((await call('GET', '/api/queues/default/jobs', tokens.vera)).body)
    expect(all.jobs.map((j) => j.id).sort()).toEqual([dead, done].sort())
    expect(queueJobsPage.parse((await call('GET', '/api/queues/default/jobs?offset=1', tokens.vera)).body).jobs).toHaveLength(1)
    const badState = await call('GET', '/api/queues/default/jobs?state=stuck', tokens.vera)
    expect(badState.status).toBe(400)
    expect(badState.body.error.field).toBe('state')
    expect((await call('GET', '/api/queues/urgent/jobs', tokens.vera)).status).toBe(400)

    const job = await call('GET', `/api/jobs/queued/${dead}`, tokens.vera)
    expect(job.status).toBe(200)
    expect(queuedJob.parse(job.body)).toMatchObject({id: dead, state: 'dead', attempts: 1, errors: [expect.objectContaining({message: 'canary failed attempt 1 as asked'})]})
    // The same document as `queue show --json`.
    expect(job.body).toEqual(JSON.parse(await cli('queue', 'show', dead, '--json')))
    const missing = await call('GET', '/api/jobs/queued/no-such-job', tokens.vera)
    expect(missing).toEqual({status: 404, body: {error: {message: 'no queued job no-such-job', field: 'id'}}})
  })

  it('enqueue: OPERATOR and up, the same checks and answer as `queue enqueue`, a held unique key answered with its job', async () => {
    const body = {type: 'system:canary', payload: {note: 'over the API'}, in: '2h', unique_key: 'api-drill', unique_for: '1h'}
    expect((await call('POST', '/api/jobs/queued', tokens.vera, body)).status).toBe(403)
    const first = await call('POST', '/api/jobs/queued', tokens.otto, body)
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({duplicate: false, type: 'system:canary', queue: 'default', run_at: new Date(NOW + 2 * 3_600_000).toISOString()})
    expect(first.body.status_url).toBe(`/api/jobs/queued/${first.body.id}`)
    const job = await call('GET', first.body.status_url, tokens.vera)
    expect(job.body).toMatchObject({id: first.body.id, state: 'scheduled', payload: {note: 'over the API'}})
    const again = await call('POST', '/api/jobs/queued', tokens.otto, body)
    expect(again).toMatchObject({status: 200, body: {id: first.body.id, duplicate: true}})
    const badPayload = await call('POST', '/api/jobs/queued', tokens.otto, {type: 'system:canary', payload: {duration_ms: -1}})
    expect(badPayload.status).toBe(400)
    expect(badPayload.body.error.message).toMatch(/payload of system:canary is not valid: duration_ms/)
    expect((await call('POST', '/api/jobs/queued', tokens.otto, {type: 'system:reboot'})).status).toBe(400)
    expect((await call('DELETE', `/api/jobs/queued/${first.body.id}`, ADMIN_TOKEN)).status).toBe(200)
  })

  it('retry: OPERATOR and up; 409 for a job that is not dead', async () => {
    expect((await call('POST', `/api/jobs/queued/${dead}/retry`, tokens.vera)).status).toBe(403)
    const retry = await call('POST', `/api/jobs/queued/${dead}/retry`, tokens.otto)
    expect(retry.status).toBe(200)
    expect(retried.parse(retry.body)).toEqual({retried: [dead]})
    expect((await call('GET', `/api/jobs/queued/${dead}`, tokens.vera)).body.state).toBe('pending')
    const again = await call('POST', `/api/jobs/queued/${dead}/retry`, tokens.otto)
    expect(again.status).toBe(409)
    expect(again.body.error.message).toMatch(/is pending: only a dead or retrying job can be retried/)
    expect((await call('POST', `/api/jobs/queued/${done}/retry`, tokens.otto)).status).toBe(409)
    expect((await call('POST', '/api/jobs/queued/no-such-job/retry', tokens.otto)).status).toBe(404)
  })

  it('delete: ADMIN only', async () => {
    expect((await call('DELETE', `/api/jobs/queued/${dead}`, tokens.otto)).status).toBe(403)
    const gone = await call('DELETE', `/api/jobs/queued/${dead}`, ADMIN_TOKEN)
    expect(gone.status).toBe(200)
    expect(deleted.parse(gone.body)).toEqual({deleted: dead})
    expect((await call('GET', `/api/jobs/queued/${dead}`, tokens.vera)).status).toBe(404)
    expect((await call('DELETE', `/api/jobs/queued/${dead}`, ADMIN_TOKEN)).status).toBe(404)
  })

  it('pause and resume: ADMIN only, with a reason; workers keep off a paused queue', async () => {
    expect((await call('POST', '/api/queues/default/pause', tokens.otto, {reason: 'upgrade'})).status).toBe(403)
    const noReason = await call('POST', '/api/queues/default/pause', ADMIN_TOKEN, {})
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.field).toBe('reason')
    const paused = await call('POST', '/api/queues/default/pause', ADMIN_TOKEN, {reason: 'provider upgrade'})
    expect(paused.status).toBe(200)
    expect(queuePauses.parse(paused.body).pauses).toEqual([expect.objectContaining({queue: 'default', reason: 'provider upgrade (by admin-token over the API)'})])
    const stats = queueStatsReport.parse((await call('GET', '/api/queues', tokens.vera)).body)
    expect(stats.queues.find((q) => q.queue === 'default')?.paused).toMatchObject({reason: 'provider upgrade (by admin-token over the API)'})

    const waiting = JSON.parse(await cli('queue', 'enqueue', 'system:canary', '--json')).id
    await cli('worker', '--drain')
    expect((await call('GET', `/api/jobs/queued/${waiting}`, tokens.vera)).body.state).toBe('pending')

    expect((await call('POST', '/api/queues/default/resume', tokens.vera)).status).toBe(403)
    const resumed = await call('POST', '/api/queues/default/resume', ADMIN_TOKEN)
    expect(resumed.status).toBe(200)
    expect(queueResumed.parse(resumed.body)).toEqual({resumed: ['default']})
    expect((await call('POST', '/api/queues/default/resume', ADMIN_TOKEN)).status).toBe(409)
    await cli('worker', '--drain')
    expect((await call('GET', `/api/jobs/queued/${waiting}`, tokens.vera)).body.state).toBe('completed')
  })
})
