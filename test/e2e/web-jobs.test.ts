// The Jobs and Schedules pages in a real browser against the real `serve`: the jobs table agrees with
// `jobs list --json`; the history filters; a run's page shows its summary, error and stack; Run now as an
// OPERATOR records a run (trigger web) through the runner; pause with a reason and resume as an ADMIN; a
// VIEWER sees no controls and a forged POST from its session is refused; screenshots at both sizes; no
// console errors. The server and the CLI share one fixed clock, so next runs agree.
import {join} from 'node:path'

import type {Browser, Page} from 'playwright-core'
import {afterAll, beforeAll, expect, it} from 'vitest'

import {finishRunRow, insertRunningRun} from '../../src/services/db/job-runs.js'
import {scheduleList} from '../../src/services/jobs/status.js'
import {tempDir} from '../helpers/cli.js'
import {describeInBrowser, launchBrowser, screenshot, signIn, startWebServer, VIEWPORTS, watchConsole, type ConsoleWatch, type WebServer} from '../helpers/browser.js'
import {runInProcess} from '../helpers/in-process.js'
import {firstUseDb, openTestDb} from '../helpers/template.js'

const NOW = '2026-11-29T10:07:00.000Z'
const NOW_MS = Date.parse(NOW)
const STACK = 'Error: the AIS provider answered 503\n    at fetchPositions (dist/services/ais/fetch.js:10:5)'

describeInBrowser('web page: Jobs and Schedules', () => {
  const tmp = tempDir()
  const db = firstUseDb(join(tmp.dir, 'web-jobs', 'harbormaster.db'))
  const env = {HARBORMASTER_NOW: NOW}
  const tokens: Record<string, string> = {}
  let browser: Browser
  let web: WebServer
  let failedRun = 0
  const watches: ConsoleWatch[] = []
  /** Every answer of 400 or more any page was given, to name what a console error was about. */
  const refusedUrls: string[] = []

  const cli = async (args: string[]) => {
    const result = await runInProcess([...args, '--db', db], {env})
    expect(result.code, result.stderr).toBe(0)
    return result.stdout
  }

  async function pageAs(who: string, viewport: {width: number; height: number} = VIEWPORTS[0]): Promise<Page> {
    const page = await (await browser.newContext({viewport})).newPage()
    watches.push(watchConsole(page))
    page.on('response', (r) => {
      if (r.status() >= 400) refusedUrls.push(`${r.status()} ${r.url()}`)
    })
    await signIn(page, web.base, tokens[who])
    return page
  }

  beforeAll(async () => {
    for (const [name, role] of [
      ['vera', 'VIEWER'],
      ['otto', 'OPERATOR'],
    ]) tokens[name] = JSON.parse(await cli(['users', 'add', name, '--role', role, '--json'])).token
    // Two recorded runs: one that succeeded with a summary, one that failed with an error and its stack.
    const store = await openTestDb(db)
    try {
      const ok = await insertRunningRun(store, {job: 'cleanup', startedAt: NOW_MS - 3_600_000, host: 'web-test', pid: 101, trigger: 'cli', startRssBytes: 1})
      await finishRunRow(store, ok, {status: 'success', completedAt: NOW_MS - 3_590_000, durationMs: 10_000, summary: {success: true, attempts: 1} as never, peakRssBytes: 1})
      failedRun = await insertRunningRun(store, {job: 'vessels', startedAt: NOW_MS - 1_800_000, host: 'web-test', pid: 102, trigger: 'scheduler 2026-11-29T09:30:00Z', startRssBytes: 1})
      await finishRunRow(store, failedRun, {status: 'failed', completedAt: NOW_MS - 1_799_000, durationMs: 1000, error: 'the AIS provider answered 503', errorStack: STACK, peakRssBytes: 1})
    } finally {
      await store.close()
    }
    browser = await launchBrowser()
    web = await startWebServer(db, env)
    tokens.admin = web.adminToken
  })

  afterAll(async () => {
    await browser?.close()
    if (web?.server.child.exitCode === null) await web.stop()
    tmp.cleanup()
  })

  it('shows every job as `jobs list --json` does, filters the history, and opens a run with its error and stack', async () => {
    const page = await pageAs('admin')
    await page.goto(`${web.base}/jobs`)
    const listed = JSON.parse(await cli(['jobs', 'list', '--json'])).jobs as Array<{job: string; next_run: string; last_status: string | null; paused: string | null}>
    const shown = await page.$$eval('#jobs-table tr[data-job]', (rows) =>
      rows.map((row) => ({
        job: row.getAttribute('data-job'),
        next_run: row.querySelector('td:nth-of-type(3) time')?.getAttribute('datetime'),
        last_status: row.querySelector('td:nth-of-type(2) .badge')?.textContent ?? null,
      })),
    )
    expect(shown).toEqual(listed.map((j) => ({job: j.job, next_run: j.next_run, last_status: j.last_status})))
    expect(shown.find((j) => j.job === 'vessels')?.last_status).toBe('failed')

    await page.selectOption('select[name="status"]', 'failed')
    await page.selectOption('select[name="trigger"]', 'scheduler')
    await Promise.all([page.waitForURL(/status=failed/), page.click('form.filters button[type="submit"]')])
    const statuses = await page.$$eval('#history tbody tr .badge', (badges) => badges.map((b) => b.textContent))
    expect(statuses).toEqual(['failed'])
    await page.selectOption('select[name="status"]', 'success')
    await Promise.all([page.waitForURL(/status=success/), page.click('form.filters button[type="submit"]')])
    await expect(page.textContent('#history tbody')).resolves.toMatch(/No run matches these filters/)

    await page.goto(`${web.base}/jobs?job=vessels`)
    await Promise.all([page.waitForURL(/\/jobs\/runs\/\d+$/), page.click(`a[href="/jobs/runs/${failedRun}"]`)])
    await expect(page.textContent('.error-text')).resolves.toBe('the AIS provider answered 503')
    await expect(page.textContent('.stack')).resolves.toBe(STACK)
    await expect(page.textContent('dl.run')).resolves.toMatch(/scheduler 2026-11-29T09:30:00Z/)
  })

  it('runs a job now as an OPERATOR (recorded with trigger web), with no pause control', async () => {
    const page = await pageAs('otto')
    await page.goto(`${web.base}/jobs`)
    const row = page.locator('tr[data-job="usage-report"]')
    expect(await page.locator('details.pause').count()).toBe(0)
    await Promise.all([page.waitForURL(/started=\d+/), row.locator('button', {hasText: 'Run now'}).click()])
    await expect(page.textContent('.notice')).resolves.toMatch(/A run of usage-report was started/)
    // The live history region refreshes until the run shows.
    await page.locator('#history tbody tr', {hasText: 'usage-report'}).filter({hasText: 'web'}).first().waitFor({timeout: 60_000})
    const history = JSON.parse(await cli(['jobs', 'history', '--job', 'usage-report', '--json'])).runs as Array<{trigger: string; status: string}>
    expect(history.map((r) => r.trigger)).toContain('web')
  })

  it('pauses a job with a reason and resumes it as an ADMIN', async () => {
    const page = await pageAs('admin')
    await page.goto(`${web.base}/jobs`)
    const row = page.locator('tr[data-job="backup"]')
    await row.locator('summary', {hasText: 'Pause'}).click()
    await row.locator('input[name="reason"]').fill('disk replaced tonight')
    await Promise.all([page.waitForURL(/\/jobs$/), row.locator('button', {hasText: 'Pause backup'}).click()])
    await expect(page.locator('tr[data-job="backup"]').textContent()).resolves.toMatch(/paused by admin-token@.* \(web\) since .*: disk replaced tonight/)
    const paused = JSON.parse(await cli(['jobs', 'list', '--json'])).jobs.find((j: {job: string}) => j.job === 'backup')
    expect(paused.paused).toMatch(/disk replaced tonight/)
    await Promise.all([page.waitForURL(/\/jobs$/), page.locator('tr[data-job="backup"] button', {hasText: 'Resume'}).click()])
    expect(JSON.parse(await cli(['jobs', 'list', '--json'])).jobs.find((j: {job: string}) => j.job === 'backup').paused).toBeNull()
  })

  it('shows a VIEWER no controls and refuses its forged POSTs', async () => {
    const page = await pageAs('vera')
    await page.goto(`${web.base}/jobs`)
    expect(await page.locator('#jobs-table form, #jobs-table details').count()).toBe(0)
    // Forged from outside the page (the session's cookie and its CSRF token): the role decides.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
    const token = (await page.getAttribute('meta[name="csrf-token"]', 'content')) ?? ''
    const post = async (path: string, body: string) =>
      (await fetch(`${web.base}${path}`, {method: 'POST', redirect: 'manual', headers: {cookie, 'x-csrf-token': token, 'content-type': 'application/x-www-form-urlencoded'}, body})).status
    const refused = {run: await post('/jobs/usage-report/run', ''), pause: await post('/jobs/backup/pause', 'reason=forged')}
    expect(refused).toEqual({run: 403, pause: 403})
    expect(JSON.parse(await cli(['jobs', 'list', '--json'])).jobs.find((j: {job: string}) => j.job === 'backup').paused).toBeNull()
  })

  it('shows the schedules in UTC and in the viewer time zone; Jobs, a run and Schedules at both sizes', async () => {
    // `schedule list` reads the wall clock; the server's is fixed at NOW: the same service at NOW.
    const listed = scheduleList(NOW_MS, 3)
    for (const viewport of VIEWPORTS) {
      const page = await pageAs('admin', viewport)
      await page.goto(`${web.base}/jobs`)
      await screenshot(page, 'jobs', viewport)
      await page.goto(`${web.base}/jobs/runs/${failedRun}`)
      await screenshot(page, 'job-run', viewport)
      await page.goto(`${web.base}/schedules`)
      const shown = await page.$$eval('tr[data-schedule]', (rows) =>
        rows.map((row) => ({name: row.getAttribute('data-schedule'), next_runs: [...row.querySelectorAll('td:nth-of-type(3) time')].map((t) => t.getAttribute('datetime'))})),
      )
      expect(shown).toEqual(listed.map((s) => ({name: s.name, next_runs: s.next_runs})))
      // app.js writes the local times and names the zone (the browser's: UTC here unless TZ says otherwise).
      await page.waitForFunction("document.querySelector('[data-local-zone]').textContent !== 'your time zone'")
      const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
      await expect(page.textContent('[data-local-zone]')).resolves.toBe(zone)
      expect(await page.$$eval('time[data-local]', (times) => times.every((t) => !/UTC$/.test(t.textContent ?? '')))).toBe(true)
      await screenshot(page, 'schedules', viewport)
    }
    // A live region's poll still in flight when the test navigates away is aborted by the browser, not failed.
    // The browser's own request for /favicon.ico (which serve does not answer yet) is no page's: its 404 is
    // the one console line no page response accounts for (every page's answers of 400 or more are listed).
    const problems = watches
      .flatMap((w) => w.problems)
      .filter((p) => !/\/live\/.* \(net::ERR_ABORTED\)$/.test(p))
      .filter((p) => !(refusedUrls.length === 0 && p === 'console: Failed to load resource: the server responded with a status of 404 (Not Found)'))
    expect({problems, refusedUrls}).toEqual({problems: [], refusedUrls: []})
  })
})
