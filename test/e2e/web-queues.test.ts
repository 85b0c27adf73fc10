// The Queues and Workers pages in a real browser, against the real `serve` and a real `worker` on one database:
// a dead job retried from its page runs again and completes; pausing a queue from the page stops the worker
// taking its jobs until it is resumed; a VIEWER sees no delete or pause control and a forged request is refused;
// a request without the CSRF token is refused; the Workers page lists the running worker; screenshots at both
// sizes; no console errors.
import {join} from 'node:path'

import type {Browser, Locator, Page} from 'playwright-core'
import {afterAll, beforeAll, expect, it} from 'vitest'

import {queuePauses} from '../../src/services/queue/pauses.js'
import {enqueue} from '../../src/services/queue/queue.js'
import type {EnqueueRequest, QueueName} from '../../src/services/queue/types.js'
import {describeInBrowser, launchBrowser, screenshot, signIn, startWebServer, VIEWPORTS, type WebServer, watchConsole} from '../helpers/browser.js'
import {runCli, tempDir, type WatchedCli, watchCli} from '../helpers/cli.js'
import {openQueueService, type QueueService, until, untilState} from '../helpers/queue-service.js'
import {emptyDb} from '../helpers/template.js'

const canary = (queue: QueueName, payload: Record<string, unknown> = {}, over: Partial<EnqueueRequest> = {}): EnqueueRequest => ({type: 'system:canary', queue, payload, ...over})

/** How often a worker reads the queue pauses (queue/worker.ts). */
const PAUSES_EVERY_MS = 1000

describeInBrowser('web page: queues and workers', () => {
  const tmp = tempDir()
  let db: string
  let service: QueueService
  let server: WebServer
  let worker: WatchedCli
  let browser: Browser
  let viewerToken: string

  beforeAll(async () => {
    db = emptyDb(join(tmp.dir, 'harbormaster.db'))
    service = await openQueueService(db)
    const added = await runCli(['users', 'add', 'vic', '--role', 'VIEWER', '--db', db])
    expect(added.code, added.stderr).toBe(0)
    viewerToken = /API token \(shown once, store it now\): (\S+)/.exec(added.stdout + added.stderr)![1]
    server = await startWebServer(db)
    worker = watchCli(['worker', '--queues', 'critical,default', '--verbose', '--db', db])
    await worker.stderrMatching(/worker \S+ started: critical=6,default=1/)
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    worker?.child.kill('SIGTERM')
    await worker?.done
    await server?.stop()
    await service?.close()
    tmp.cleanup()
  })

  const signedIn = async (token: string): Promise<{page: Page; problems: string[]}> => {
    const context = await browser.newContext({viewport: VIEWPORTS[0]})
    const page = await context.newPage()
    const watch = watchConsole(page)
    // Which address a refused load was (the console line alone does not say).
    page.on('response', (response) => {
      if (response.status() >= 400) watch.problems.push(`HTTP ${response.status()}: ${response.url()}`)
    })
    // The confirmations (hx-confirm) are accepted, as an operator would.
    page.on('dialog', (dialog) => void dialog.accept())
    await signIn(page, server.base, token)
    return {page, problems: watch.problems}
  }

  /** Waits until `locator` shows `text` (the page may still be loading or refreshing it). */
  const see = (locator: Locator, text: string) => locator.filter({hasText: text}).first().waitFor()

  const csrfOf = async (page: Page) => (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!

  it('a dead job retried from its page becomes pending and the worker completes it', async () => {
    const {engine, ctx} = service
    const job = await enqueue(ctx, canary('critical', {fail_until_attempt: 1, note: 'retried from the page'}, {maxRetries: 0}))
    const dead = await untilState(engine, job.id, 'dead')
    expect(dead).toMatchObject({attempts: 1, errors: [expect.objectContaining({attempt: 1})]})

    const {page, problems} = await signedIn(server.adminToken)
    await page.goto(`${server.base}/queues`)
    await see(page.locator('#queue-depths caption'), 'Jobs per queue and state')
    await page.getByRole('link', {name: 'critical dead: 1'}).click()
    await page.getByRole('link', {name: job.id, exact: true}).click()
    await see(page.locator('h1'), `Job ${job.id} (system:canary)`)
    await see(page.locator('pre.payload'), 'retried from the page')
    await see(page.locator('#queued-job'), dead.errors[0].message)
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport)
      await screenshot(page, 'queues-job-dead', viewport)
    }
    await page.setViewportSize(VIEWPORTS[0])

    await page.getByRole('button', {name: 'Retry now'}).click()
    // The page reloads on the job (hx-redirect) and its live region follows the worker.
    const completed = await untilState(engine, job.id, 'completed')
    expect(completed).toMatchObject({attempts: 2, result: {ok: true, attempt: 2, note: 'retried from the page'}})
    await page.locator('#queued-job .badge', {hasText: 'completed'}).first().waitFor()
    await see(page.locator('ol.timeline'), 'completed')
    expect(problems).toEqual([])
  })

  it('pausing a queue from the page stops the worker taking its jobs; resuming lets it complete them', async () => {
    const {engine, ctx} = service
    const {page, problems} = await signedIn(server.adminToken)
    await page.goto(`${server.base}/queues`)
    await page.getByLabel('Reason to pause default').fill('a bad handler release')
    await page.getByRole('button', {name: 'Pause default'}).click()
    await see(page.locator('#queue-depths'), 'a bad handler release (by admin-token on the web page)')
    const pausedAt = Date.now()

    // Critical jobs until one started after the worker last read the pauses (it reads them at least every second).
    await until(async () => {
      const job = await enqueue(ctx, canary('critical'))
      const done = await untilState(engine, job.id, 'completed')
      return done.startedAt !== null && done.startedAt > pausedAt + PAUSES_EVERY_MS
    }, 0)
    const held = await enqueue(ctx, canary('default', {note: 'waits for the resume'}))
    const other = await enqueue(ctx, canary('critical', {note: 'runs while default is paused'}))
    await untilState(engine, other.id, 'completed')
    expect((await engine.get(held.id))?.state).toBe('pending')

    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport)
      await page.reload()
      await screenshot(page, 'queues', viewport)
    }
    await page.setViewportSize(VIEWPORTS[0])
    await page.getByRole('button', {name: 'Resume default'}).click()
    await untilState(engine, held.id, 'completed')
    await page.getByRole('button', {name: 'Pause default'}).waitFor()
    expect(problems).toEqual([])
  })

  it('a VIEWER sees no delete, retry or pause control, and forged requests are refused (403)', async () => {
    const {engine, ctx} = service
    const job = await enqueue(ctx, canary('critical', {fail_until_attempt: 'always'}, {maxRetries: 0}))
    await untilState(engine, job.id, 'dead')
    const {page, problems} = await signedIn(viewerToken)
    await page.goto(`${server.base}/queues`)
    await see(page.locator('#queue-depths'), 'not paused')
    expect(await page.locator('form[action$="/pause"], form[action$="/resume"], form[action="/queues/retry-dead"]').count()).toBe(0)
    await page.goto(`${server.base}/queues/jobs/${job.id}`)
    await see(page.locator('h1'), job.id)
    expect(await page.getByRole('button', {name: /Delete|Retry/}).count()).toBe(0)

    const csrf = await csrfOf(page)
    const forged = [
      await page.request.post(`${server.base}/queues/jobs/${job.id}/delete`, {headers: {'x-csrf-token': csrf}, maxRedirects: 0}),
      await page.request.post(`${server.base}/queues/default/pause`, {headers: {'x-csrf-token': csrf}, form: {reason: 'forged'}, maxRedirects: 0}),
      await page.request.post(`${server.base}/queues/jobs/${job.id}/retry`, {headers: {'x-csrf-token': csrf}, maxRedirects: 0}),
    ]
    expect(forged.map((r) => r.status())).toEqual([403, 403, 403])
    expect((await engine.get(job.id))?.state).toBe('dead')
    expect(await queuePauses(ctx)).toEqual([])
    expect(problems).toEqual([])
  })

  it('a state-changing request without the CSRF token is refused, even for an ADMIN', async () => {
    const {engine, ctx} = service
    const job = await enqueue(ctx, canary('critical', {fail_until_attempt: 'always'}, {maxRetries: 0}))
    await untilState(engine, job.id, 'dead')
    const {page} = await signedIn(server.adminToken)
    const noToken = await page.request.post(`${server.base}/queues/jobs/${job.id}/delete`, {maxRedirects: 0})
    expect(noToken.status()).toBe(403)
    const wrongToken = await page.request.post(`${server.base}/queues/jobs/${job.id}/delete`, {form: {_csrf: 'not-the-token'}, maxRedirects: 0})
    expect(wrongToken.status()).toBe(403)
    expect((await engine.get(job.id))?.state).toBe('dead')
    // With the page's token the same request deletes it.
    const withToken = await page.request.post(`${server.base}/queues/jobs/${job.id}/delete`, {form: {_csrf: await (async () => {
      await page.goto(`${server.base}/queues`)
      return csrfOf(page)
    })()}, maxRedirects: 0})
    expect(withToken.status()).toBe(303)
    expect(await engine.get(job.id)).toBeUndefined()
  })

  it('the Workers page lists the running worker with its queues, weights and heartbeat', async () => {
    const {page, problems} = await signedIn(server.adminToken)
    await page.goto(`${server.base}/workers`)
    const row = page.locator('#workers tbody tr', {hasText: String(worker.child.pid)})
    await see(row, 'live')
    await see(row, 'critical 6, default 1')
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport)
      await screenshot(page, 'workers', viewport)
    }
    expect(problems).toEqual([])
  })
})
