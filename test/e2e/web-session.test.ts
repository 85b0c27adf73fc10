// The web page's sign-in, sessions and Overview in a real browser against the real `serve`: tokens exchanged for
// a session cookie (HttpOnly, SameSite=Strict), refused tokens, sign-out, expiry (a second server whose clock is
// past it), CSRF, no token in a URL or the log, the Overview at a laptop's and a phone's size, keyboard reach,
// the rate limit keyed by session, and the banner when the server is gone (and gone again when it is back).
import {join} from 'node:path'

import type {Browser, BrowserContext, Page} from 'playwright-core'
import {afterAll, beforeAll, expect, it} from 'vitest'

import {tempDir, withDb} from '../helpers/cli.js'
import {describeInBrowser, launchBrowser, screenshot, signIn, startWebServer, VIEWPORTS, watchConsole, type WebServer} from '../helpers/browser.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb} from '../helpers/template.js'

const SESSION_HOURS = 12

describeInBrowser('web page: sign-in, sessions and the Overview', () => {
  const tmp = tempDir()
  const db = firstUseDb(join(tmp.dir, 'web', 'harbormaster.db'))
  const tokens: Record<string, string> = {}
  const WRONG_TOKEN = 'hm_not-a-token-anyone-holds-0123456789'
  let browser: Browser
  let web: WebServer
  /** Every URL any page of this file asked for. */
  const visited: string[] = []
  /** Every session cookie the browser was given. */
  const sessionCookies: string[] = []
  /** Every server's log output, once stopped. */
  const logs: string[] = []

  async function newPage(viewport: {width: number; height: number} = VIEWPORTS[0]): Promise<{context: BrowserContext; page: Page}> {
    const context = await browser.newContext({viewport})
    const page = await context.newPage()
    page.on('request', (request) => visited.push(request.url()))
    return {context, page}
  }

  async function rememberCookies(context: BrowserContext) {
    for (const cookie of await context.cookies()) if (cookie.name === 'harbormaster_session') sessionCookies.push(cookie.value)
  }

  beforeAll(async () => {
    for (const [name, role] of [
      ['vera', 'VIEWER'],
      ['otto', 'OPERATOR'],
    ]) {
      const added = await runInProcess(['users', 'add', name, '--role', role, '--json', '--db', db])
      expect(added.code).toBe(0)
      tokens[name] = JSON.parse(added.stdout).token
    }
    arrangeActivity(Date.now())
    browser = await launchBrowser()
    // The worker placed below stays live for the file's length.
    web = await startWebServer(db, {HARBORMASTER_WEB_SESSION_HOURS: String(SESSION_HOURS), HARBORMASTER_API_RATE_LIMIT: '40', HARBORMASTER_WORKER_HEARTBEAT_SECONDS: '3600'})
    tokens.admin = web.adminToken
  })

  /** What the Overview has to show: two failed runs of ports in a row after a success of vessels, a queue's
   * last hour of work (twenty completed, two dead), three jobs waiting, and a live worker. */
  function arrangeActivity(now: number) {
    const MIN = 60_000
    withDb(db, (d) => {
      const run = d.prepare('INSERT INTO job_runs (job, status, started_at, completed_at, duration_ms, error, host, pid, "trigger") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      run.run('vessels', 'success', now - 30 * MIN, now - 30 * MIN + 12_400, 12_400, null, 'web-test-host', 4242, 'cli')
      run.run('ports', 'failed', now - 40 * MIN, now - 40 * MIN + 1500, 1500, 'provider answered 503', 'web-test-host', 4242, 'cli')
      run.run('ports', 'failed', now - 10 * MIN, now - 10 * MIN + 1500, 1500, 'provider answered 503', 'web-test-host', 4242, 'cli')
      const job = d.prepare(
        `INSERT INTO queue_jobs (type, queue, payload, state, attempts, failures, max_retries, timeout_seconds, created_at, run_at, started_at, finished_at, errors, last_failed_at)
         VALUES (?, ?, '{}', ?, ?, ?, 3, 60, ?, ?, ?, ?, ?, ?)`,
      )
      // All within the last 25 minutes: still inside the charts' hour whenever the tests below look.
      for (let k = 0; k < 20; k++) job.run('provider:refresh', 'analysis', 'completed', 1, 0, now - (k + 2) * MIN, now - (k + 2) * MIN, now - (k + 2) * MIN, now - (k + 1) * MIN, null, null)
      for (const ago of [5, 25]) {
        const errors = JSON.stringify([{attempt: 1, at: now - ago * MIN, message: 'port feed refused'}])
        job.run('provider:refresh', 'critical', 'dead', 1, 1, now - (ago + 1) * MIN, now - (ago + 1) * MIN, now - (ago + 1) * MIN, now - ago * MIN, errors, now - ago * MIN)
      }
      for (let k = 0; k < 3; k++) job.run('provider:refresh', 'default', 'queued', 0, 0, now - MIN, now - MIN, null, null, null, null)
      d.prepare(
        `INSERT INTO queue_workers (id, host, pid, queues, strict, concurrency, scheduler, started_at, heartbeat_at, stopped_at, current_jobs, processed, failed)
         VALUES ('web-test-host:4242:a1', 'web-test-host', 4242, '{"critical":6,"default":1}', 0, 4, 1, ?, ?, NULL, '[]', 20, 2)`,
      ).run(now - 60 * MIN, now)
    })
  }

  afterAll(async () => {
    await browser?.close()
    if (web?.server.child.exitCode === null) logs.push((await web.stop()).stderr)
    tmp.cleanup()
  })

  /** The admin's browser, signed in once and used by the tests that follow. */
  let admin: {context: BrowserContext; page: Page}

  it("refuses a wrong token saying why; signs in with a user's token and with the admin token", async () => {
    const viewer = await newPage()
    await viewer.page.goto(`${web.base}/sign-in`)
    await viewer.page.fill('#token', WRONG_TOKEN)
    const [answer] = await Promise.all([viewer.page.waitForResponse((r) => r.request().method() === 'POST'), viewer.page.click('button[type="submit"]')])
    expect(answer.status()).toBe(401)
    await expect(viewer.page.textContent('#sign-in-problem')).resolves.toMatch(/token is not valid/)
    expect(await viewer.context.cookies()).toEqual([])

    await signIn(viewer.page, web.base, tokens.vera)
    expect(new URL(viewer.page.url()).pathname).toBe('/')
    await expect(viewer.page.textContent('.user')).resolves.toMatch(/vera\s*\(VIEWER\)/)
    await rememberCookies(viewer.context)
    await viewer.context.close()

    admin = await newPage()
    await signIn(admin.page, web.base, tokens.admin)
    await expect(admin.page.textContent('.user')).resolves.toMatch(/admin-token\s*\(ADMIN\)/)
    await rememberCookies(admin.context)
  })

  it('gives an HttpOnly, SameSite=Strict cookie (Secure behind TLS); refuses a POST without the CSRF token, takes it with; sign-out ends the session', async () => {
    const {context, page} = await newPage()
    await signIn(page, web.base, tokens.otto)
    await rememberCookies(context)
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'harbormaster_session')
    expect(cookie).toMatchObject({httpOnly: true, sameSite: 'Strict', secure: false, path: '/'})
    // Script on the page cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('harbormaster_session')

    // Behind a TLS proxy the cookie is Secure too.
    const behindTls = await fetch(`${web.base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: {'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https'},
      body: new URLSearchParams({token: tokens.otto}),
    })
    expect(behindTls.status).toBe(303)
    expect(behindTls.headers.get('set-cookie')).toMatch(/HttpOnly.*Secure|Secure.*HttpOnly/)
    expect(behindTls.headers.get('set-cookie')).toMatch(/SameSite=Strict/)
    sessionCookies.push(/harbormaster_session=([^;]+)/.exec(behindTls.headers.get('set-cookie') ?? '')?.[1] ?? '')

    // From the page's own script: without the token, and with a wrong one of the same length.
    const refused = await page.evaluate(async () => {
      const post = (headers: Record<string, string>) => fetch('/sign-out', {method: 'POST', headers, redirect: 'manual'}).then((r) => r.status)
      const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? ''
      return {none: await post({}), wrong: await post({'x-csrf-token': 'x'.repeat(token.length)})}
    })
    expect(refused).toEqual({none: 403, wrong: 403})
    // Still signed in; the Sign out button's form carries the token and is taken.
    await page.reload()
    expect(new URL(page.url()).pathname).toBe('/')
    await Promise.all([page.waitForURL((url) => url.pathname === '/sign-in'), page.click('form.sign-out button')])
    expect((await context.cookies()).some((c) => c.name === 'harbormaster_session' && c.value)).toBe(false)
    // The old cookie, put back, opens nothing: the session is gone from the server too.
    await context.addCookies([{...cookie, sameSite: 'Strict'}])
    await page.goto(`${web.base}/`)
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await context.close()
  })

  it('sends an expired session to the sign-in form (a server whose clock is past the expiry)', async () => {
    const {page} = admin
    const later = new Date(Date.now() + (SESSION_HOURS + 1) * 3_600_000).toISOString()
    const future = await startWebServer(db, {HARBORMASTER_NOW: later})
    try {
      await page.goto(`${future.base}/?from=bookmark`)
      const landed = new URL(page.url())
      expect(landed.pathname).toBe('/sign-in')
      expect(landed.searchParams.get('next')).toBe('/?from=bookmark')
      // A live region's request is answered 401, with where to sign in (and come back to) for htmx to follow.
      const fragment = await page.evaluate(async () => {
        const r = await fetch('/overview/live', {headers: {'hx-request': 'true', 'hx-current-url': `${location.origin}/?from=bookmark`}})
        return {status: r.status, redirect: r.headers.get('hx-redirect')}
      })
      expect(fragment).toEqual({status: 401, redirect: '/sign-in?next=%2F%3Ffrom%3Dbookmark'})
    } finally {
      logs.push((await future.stop()).stderr)
    }
    // The same session still opens the page on the server whose clock is now.
    await page.goto(`${web.base}/`)
    expect(new URL(page.url()).pathname).toBe('/')
  })

  for (const viewport of VIEWPORTS) {
    it(`shows the Overview at ${viewport.width}×${viewport.height}: health with reasons, every job, queue charts, workers; refreshed in place; no console errors`, async () => {
      const {page} = admin
      await page.setViewportSize(viewport)
      const watch = watchConsole(page)
      await page.goto(`${web.base}/`)
      // Both charts drawn by uPlot.
      await page.waitForSelector('#chart-processed canvas')
      await page.waitForSelector('#chart-failed canvas')

      const healthRows = await page.$$eval('table.health tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent?.trim() ?? '')))
      expect(healthRows.length).toBeGreaterThanOrEqual(5)
      for (const [check, status, reason] of healthRows) {
        expect(check).not.toBe('')
        expect(status).toMatch(/^(healthy|degraded|unhealthy)$/)
        expect(reason).not.toBe('')
      }

      const listed = JSON.parse((await runInProcess(['jobs', 'list', '--json', '--db', db])).stdout) as {jobs: Array<{job: string; schedule_in_words: string}>}
      const shown = await page.$$eval('table.jobs tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent?.trim() ?? '')))
      expect(shown.map((row) => row[0])).toEqual(listed.jobs.map((j) => j.job))
      for (const [i, job] of listed.jobs.entries()) expect(shown[i][1]).toContain(job.schedule_in_words)
      // Job, schedule, last run, took, when, next run, failures in a row, paused.
      const ports = shown.find((row) => row[0] === 'ports')!
      expect([ports[2], ports[3], ports[6], ports[7]]).toEqual(['failed', '1.5 s', '2', 'no'])
      expect(ports[4]).toMatch(/^\d+ min ago$/)
      const vesselsJob = shown.find((row) => row[0] === 'vessels')!
      expect([vesselsJob[2], vesselsJob[3], vesselsJob[6]]).toEqual(['success', '12.4 s', '0'])
      expect(healthRows.some(([check, status]) => /ports/.test(check) && status !== 'healthy')).toBe(true)

      const queues = await page.$$eval('table.queues tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent?.trim() ?? '')))
      // Queue, scheduled, pending, active, retry, dead, completed, oldest pending, paused.
      expect(queues.map((q) => q[0])).toEqual(['critical', 'analysis', 'compliance', 'default'])
      expect(queues[0][5]).toBe('2')
      expect(queues[1][6]).toBe('20')
      expect(queues[3][2]).toBe('3')
      await expect(page.textContent('#chart-processed figcaption')).resolves.toMatch(/Processed per minute: 20 in the last hour/)
      await expect(page.textContent('#chart-failed figcaption')).resolves.toMatch(/Failed per minute: 2 in the last hour/)
      const worker = await page.textContent('table.workers tbody')
      expect(worker).toContain('web-test-host')
      expect(worker).toContain('critical=6, default=1')
      expect(worker).toMatch(/0 of 4/)

      // The region is replaced by fresh markup without a reload.
      await page.evaluate(() => document.getElementById('overview')?.setAttribute('data-before-refresh', '1'))
      await page.waitForFunction(() => document.getElementById('overview') && !document.getElementById('overview')?.hasAttribute('data-before-refresh'))
      await page.waitForSelector('#chart-processed canvas')
      expect(await page.isHidden('#connection')).toBe(true)

      // Nothing wider than the screen: wide tables scroll inside their own box.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width)
      await screenshot(page, 'overview', viewport)
      expect(watch.problems).toEqual([])
    })
  }

  it('reaches every page link and the sign-out button with Tab', async () => {
    const {page} = admin
    await page.setViewportSize(VIEWPORTS[0])
    await page.goto(`${web.base}/`)
    const reached: string[] = []
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab')
      reached.push(await page.evaluate(() => (document.activeElement ? `${document.activeElement.tagName} ${document.activeElement.textContent?.trim()}` : '')))
    }
    for (const label of ['Overview', 'Jobs', 'Queues', 'Workers', 'Schedules', 'Providers', 'Map']) expect(reached).toContain(`A ${label}`)
    expect(reached).toContain('BUTTON Sign out')
  })

  it('keys the rate limit by session for web requests, and leaves assets out of it', async () => {
    const other = await newPage()
    await signIn(other.page, web.base, tokens.vera)
    await rememberCookies(other.context)
    // From one address, past its limit of 40 a minute: forty-five asset loads, and twenty-five requests from each
    // of two sessions (refused for want of a CSRF token, which is quick; refused by the limit they would be 429).
    const burst = (page: Page, assets: boolean) =>
      page.evaluate(async (withAssets) => {
        const out: number[] = []
        const paths = [...document.querySelectorAll('script[src]')].map((e) => e.getAttribute('src') ?? '')
        if (withAssets) for (let i = 0; i < 45; i++) out.push((await fetch(paths[i % paths.length], {cache: 'no-store'})).status)
        for (let i = 0; i < 25; i++) out.push((await fetch('/sign-out', {method: 'POST'})).status)
        return out
      }, assets)
    const statuses = [...(await burst(admin.page, true)), ...(await burst(other.page, false))]
    expect(statuses).toHaveLength(95)
    expect(new Set(statuses)).toEqual(new Set([200, 403]))
    await other.context.close()
  })

  it('says when the server cannot be reached, and stops saying it once the server answers again', async () => {
    const {page} = admin
    await page.goto(`${web.base}/`)
    await page.waitForSelector('#chart-processed canvas')
    expect(await page.isHidden('#connection')).toBe(true)
    const port = new URL(web.base).port
    logs.push((await web.stop()).stderr)
    // A poll that reached the server while it was closing was answered 503 (the banner says so); the next
    // one finds nobody there.
    await page.waitForFunction(() => /Cannot reach the harbormaster server/.test(document.querySelector('#connection')?.textContent ?? ''))
    expect(await page.isVisible('#connection')).toBe(true)
    await screenshot(page, 'overview-unreachable', VIEWPORTS[0])

    // The page polls the address it came from: the server comes back on the same port.
    web = await startWebServer(db, {HARBORMASTER_WEB_SESSION_HOURS: String(SESSION_HOURS)}, port)
    await page.waitForSelector('#connection', {state: 'hidden'})

    // htmx's requests carry the token in a header: signing out that way is taken too.
    const signedOut = await page.evaluate(async () => {
      const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? ''
      return (await fetch('/sign-out', {method: 'POST', headers: {'x-csrf-token': token}, redirect: 'manual'})).type
    })
    expect(signedOut).toBe('opaqueredirect')
    await page.goto(`${web.base}/`)
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await admin.context.close()
  })

  it('never puts a token in a URL or in the log', async () => {
    if (web.server.child.exitCode === null) logs.push((await web.stop()).stderr)
    const secrets = [tokens.admin, tokens.vera, tokens.otto, WRONG_TOKEN, ...sessionCookies].filter(Boolean)
    expect(sessionCookies.length).toBeGreaterThanOrEqual(4)
    expect(visited.length).toBeGreaterThan(20)
    for (const secret of secrets) {
      for (const url of visited) expect(decodeURIComponent(url)).not.toContain(secret)
      for (const log of logs) expect(log).not.toContain(secret)
    }
    // The log did record the requests and the sign-ins.
    expect(logs.join('\n')).toMatch(/web sign-in/)
  })
})
