// The web page's sign-in, sessions and Overview in a real browser against the real `serve`: tokens exchanged for
// a session cookie (HttpOnly, SameSite=Strict), refused tokens, sign-out, expiry (a second server whose clock is
// past it), CSRF, no token in a URL or the log, the Overview at a laptop's and a phone's size, keyboard reach,
// the rate limit keyed by session, and the banner when the server is gone (and gone again when it is back).
import {join} from 'node:path'

import type {Browser, BrowserContext, Page} from 'playwright-core'
import {afterAll, beforeAll, expect, it} from 'vitest'

import {tempDir} from '../helpers/cli.js'
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
    browser = await launchBrowser()
    web = await startWebServer(db, {HARBORMASTER_WEB_SESSION_HOURS: String(SESSION_HOURS), HARBORMASTER_API_RATE_LIMIT: '50'})
    tokens.admin = web.adminToken
  })

  afterAll(async () => {
    await browser?.close()
    if (web?.server.child.exitCode === null) logs.push((await web.stop()).stderr)
    tmp.cleanup()
  })

  it("signs in with a user's token and with the admin token; refuses a wrong token saying why", async () => {
    const viewer = await newPage()
    await signIn(viewer.page, web.base, tokens.vera)
    expect(new URL(viewer.page.url()).pathname).toBe('/')
    await expect(viewer.page.textContent('.user')).resolves.toMatch(/vera\s*\(VIEWER\)/)
    await rememberCookies(viewer.context)

    const admin = await newPage()
    await signIn(admin.page, web.base, tokens.admin)
    await expect(admin.page.textContent('.user')).resolves.toMatch(/admin-token\s*\(ADMIN\)/)
    await rememberCookies(admin.context)

    const stranger = await newPage()
    await stranger.page.goto(`${web.base}/sign-in`)
    await stranger.page.fill('#token', WRONG_TOKEN)
    const [answer] = await Promise.all([stranger.page.waitForResponse((r) => r.request().method() === 'POST'), stranger.page.click('button[type="submit"]')])
    expect(answer.status()).toBe(401)
    await expect(stranger.page.textContent('#sign-in-problem')).resolves.toMatch(/token is not valid/)
    expect(await stranger.context.cookies()).toEqual([])
    // Still refused a page: no session was made.
    await stranger.page.goto(`${web.base}/`)
    expect(new URL(stranger.page.url()).pathname).toBe('/sign-in')
    for (const opened of [viewer, admin, stranger]) await opened.context.close()
  })

  it('gives an HttpOnly, SameSite=Strict cookie (Secure behind TLS) and refuses a state-changing request without the CSRF token', async () => {
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

    // From the page's own script: without the token, with a wrong one, then with the one in the page.
    const statuses = await page.evaluate(async () => {
      const post = (headers: Record<string, string>) => fetch('/sign-out', {method: 'POST', headers, redirect: 'manual'}).then((r) => r.status || r.type)
      const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? ''
      return {none: await post({}), wrong: await post({'x-csrf-token': 'x'.repeat(token.length)}), right: await post({'x-csrf-token': token})}
    })
    expect(statuses.none).toBe(403)
    expect(statuses.wrong).toBe(403)
    // Accepted: the answer is a redirect to the sign-in form (opaque to a fetch that does not follow it).
    expect(statuses.right).toBe('opaqueredirect')
    await page.goto(`${web.base}/`)
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await context.close()
  })

  it('signs out from the button: the session ends and the page asks for a token again', async () => {
    const {context, page} = await newPage()
    await signIn(page, web.base, tokens.vera)
    await rememberCookies(context)
    const stale = (await context.cookies()).find((c) => c.name === 'harbormaster_session')
    await Promise.all([page.waitForURL((url) => url.pathname === '/sign-in'), page.click('form.sign-out button')])
    expect((await context.cookies()).some((c) => c.name === 'harbormaster_session' && c.value)).toBe(false)
    // The old cookie, put back, opens nothing: the session is gone from the server too.
    await context.addCookies([{...stale!, sameSite: 'Strict'}])
    await page.goto(`${web.base}/`)
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await context.close()
  })

  it('sends an expired session to the sign-in form (a server whose clock is past the expiry)', async () => {
    const {context, page} = await newPage()
    await signIn(page, web.base, tokens.vera)
    await rememberCookies(context)
    // The session still opens the page on the server whose clock is now.
    await page.goto(`${web.base}/`)
    expect(new URL(page.url()).pathname).toBe('/')
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
    await context.close()
  })

  for (const viewport of VIEWPORTS) {
    it(`shows the Overview at ${viewport.width}×${viewport.height}: health with reasons, every job, queue charts, workers; refreshed in place; no console errors`, async () => {
      const {context, page} = await newPage(viewport)
      const watch = watchConsole(page)
      await signIn(page, web.base, tokens.admin)
      await rememberCookies(context)
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

      await expect(page.$$eval('table.queues tbody tr', (rows) => rows.length)).resolves.toBe(4)
      await expect(page.textContent('table.workers')).resolves.toMatch(/No worker is running/)

      // The region is replaced by fresh markup without a reload.
      await page.evaluate(() => document.getElementById('overview')?.setAttribute('data-before-refresh', '1'))
      await page.waitForResponse((r) => r.url().endsWith('/overview/live') && r.status() === 200)
      await page.waitForFunction(() => document.getElementById('overview') && !document.getElementById('overview')?.hasAttribute('data-before-refresh'))
      await page.waitForSelector('#chart-processed canvas')
      expect(await page.isHidden('#connection')).toBe(true)

      // Nothing wider than the screen but the tables, which scroll inside their own box.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width)
      await screenshot(page, 'overview', viewport)
      expect(watch.problems).toEqual([])
      await context.close()
    })
  }

  it('reaches every page link and the sign-out button with Tab', async () => {
    const {context, page} = await newPage()
    await signIn(page, web.base, tokens.vera)
    await rememberCookies(context)
    const reached: string[] = []
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab')
      reached.push(await page.evaluate(() => (document.activeElement ? `${document.activeElement.tagName} ${document.activeElement.textContent?.trim()}` : '')))
    }
    for (const label of ['Overview', 'Jobs', 'Queues', 'Workers', 'Schedules', 'Providers', 'Map']) expect(reached).toContain(`A ${label}`)
    expect(reached).toContain('BUTTON Sign out')
    await context.close()
  })

  it('keys the rate limit by session for web requests, and leaves assets out of it', async () => {
    const {context, page} = await newPage()
    await signIn(page, web.base, tokens.vera)
    await rememberCookies(context)
    const assets = await page.$$eval('script[src], link[rel="stylesheet"]', (els) => els.map((e) => e.getAttribute('src') ?? e.getAttribute('href') ?? ''))
    expect(assets).toHaveLength(5)
    // Sixty asset loads and two sessions' forty fragments each from one address: past the limit of 50 a
    // minute for the address, within it for each session.
    const statuses = await page.evaluate(async (paths) => {
      const out: number[] = []
      for (let i = 0; i < 12; i++) for (const path of paths) out.push((await fetch(path, {cache: 'no-store'})).status)
      for (let i = 0; i < 40; i++) out.push((await fetch('/overview/live', {headers: {'hx-request': 'true'}})).status)
      return out
    }, assets)
    const other = await newPage()
    await signIn(other.page, web.base, tokens.otto)
    await rememberCookies(other.context)
    const otherStatuses = await other.page.evaluate(async () => {
      const out: number[] = []
      for (let i = 0; i < 40; i++) out.push((await fetch('/overview/live', {headers: {'hx-request': 'true'}})).status)
      return out
    })
    expect(new Set([...statuses, ...otherStatuses])).toEqual(new Set([200]))
    await context.close()
    await other.context.close()
  })

  it('says when the server cannot be reached, and stops saying it once the server answers again', async () => {
    const {context, page} = await newPage()
    await signIn(page, web.base, tokens.vera)
    await rememberCookies(context)
    await page.waitForSelector('#chart-processed canvas')
    expect(await page.isHidden('#connection')).toBe(true)
    const port = new URL(web.base).port
    logs.push((await web.stop()).stderr)
    await page.waitForSelector('#connection', {state: 'visible'})
    await expect(page.textContent('#connection')).resolves.toMatch(/Cannot reach the harbormaster server/)
    await screenshot(page, 'overview-unreachable', VIEWPORTS[0])

    // The page polls the address it came from: the server comes back on the same port.
    web = await startWebServer(db, {HARBORMASTER_WEB_SESSION_HOURS: String(SESSION_HOURS)}, port)
    await page.waitForSelector('#connection', {state: 'hidden'})
    await context.close()
  })

  it('never puts a token in a URL or in the log', async () => {
    if (web.server.child.exitCode === null) logs.push((await web.stop()).stderr)
    const secrets = [tokens.admin, tokens.vera, tokens.otto, WRONG_TOKEN, ...sessionCookies].filter(Boolean)
    expect(sessionCookies.length).toBeGreaterThan(5)
    expect(visited.length).toBeGreaterThan(20)
    for (const secret of secrets) {
      for (const url of visited) expect(decodeURIComponent(url)).not.toContain(secret)
      for (const log of logs) expect(log).not.toContain(secret)
    }
    // The log did record the requests and the sign-ins.
    expect(logs.join('\n')).toMatch(/web sign-in/)
  })
})
