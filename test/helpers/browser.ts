// The web page in a real browser: Debian's Chromium driven by playwright-core against the real `serve` on an
// ephemeral port over a prepared database. Without Chromium a developer's run skips these files with one loud
// line; CI (CI=true) fails them instead, since it installs Chromium.
import {existsSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {type Browser, chromium, type ConsoleMessage, type Page, type Request} from 'playwright-core'
import {describe} from 'vitest'

import {ROOT, type WatchedCli, watchCli} from './cli.js'

/** Where Chromium is: HARBORMASTER_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.HARBORMASTER_CHROMIUM ?? '/usr/bin/chromium'

/** The sizes every page is looked at: a laptop and a phone. */
export const VIEWPORTS = [
  {name: 'desktop', width: 1280, height: 800},
  {name: 'phone', width: 390, height: 844},
] as const
export type Viewport = (typeof VIEWPORTS)[number]

/** Where screenshots go (artifacts/ is not committed; CI keeps it). */
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots')

/** Whether Chromium can run here; in CI its absence is an error, elsewhere one loud line. */
export function chromiumPresent(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') throw new Error(`Chromium is not at ${CHROMIUM}: CI must install it (apt-get install chromium) or set HARBORMASTER_CHROMIUM`)
  console.warn(`\n!!! SKIPPING the browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set HARBORMASTER_CHROMIUM) !!!\n`)
  return false
}

/** `describe`, run only where Chromium is (see chromiumPresent). */
export function describeInBrowser(name: string, fn: () => void): void {
  describe.skipIf(!chromiumPresent())(name, fn)
}

/** Chromium, headless, sandboxed unless the tests run as root (where Chromium's sandbox cannot start). */
export function launchBrowser(): Promise<Browser> {
  const asRoot = process.getuid?.() === 0
  return chromium.launch({executablePath: CHROMIUM, headless: true, args: asRoot ? ['--no-sandbox'] : []})
}

export interface WebServer {
  /** `http://127.0.0.1:<port>` */
  base: string
  /** The bootstrap admin token it was started with. */
  adminToken: string
  server: WatchedCli
  /** Stops it (SIGTERM) and waits for it to exit; its output. */
  stop(): Promise<{code: number | null; stderr: string}>
}

/** The admin token the web servers of the tests start with. */
export const WEB_ADMIN_TOKEN = 'web-admin-token-0123456789abcdef'

/** The real `serve` over the database at `db` (on a free port unless given one); resolves once it listens. */
export async function startWebServer(db: string, env: Record<string, string> = {}, port = '0'): Promise<WebServer> {
  const adminToken = env.HARBORMASTER_ADMIN_TOKEN ?? WEB_ADMIN_TOKEN
  const server = watchCli(['serve', '--port', port, '--db', db], {env: {HARBORMASTER_ADMIN_TOKEN: adminToken, ...env}})
  const [, base] = await server.stderrMatching(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
  return {
    base,
    adminToken,
    server,
    stop: async () => {
      server.child.kill('SIGTERM')
      const done = await server.done
      return {code: done.code, stderr: done.stderr}
    },
  }
}

/** Signs `page` in at `base` with `token` through the sign-in form; resolves on the page it lands on. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/sign-in`)
  await page.fill('#token', token)
  await Promise.all([page.waitForURL((url) => url.pathname !== '/sign-in'), page.click('button[type="submit"]')])
}

export interface ConsoleWatch {
  /** Console errors, uncaught page errors and failed or refused requests seen so far. */
  problems: string[]
}

/** Collects what a page should never show: console errors, page errors, failed requests and 4xx/5xx answers to assets. */
export function watchConsole(page: Page): ConsoleWatch {
  const watch: ConsoleWatch = {problems: []}
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') watch.problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message}`))
  // A request the page's own navigation cut off is no problem: an htmx POST answered with HX-Redirect moves the
  // page on from within its load handler, and the browser may report that request (already answered) or a
  // refresh still in flight as aborted. Such a request either got its answer or was sent before the navigation.
  const answered = new WeakSet<Request>()
  const navigationsBefore = new WeakMap<Request, number>()
  let navigations = 0
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations++
    navigationsBefore.set(request, navigations)
  })
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText
    const cutOffByNavigation = error === 'net::ERR_ABORTED' && (answered.has(request) || navigations > (navigationsBefore.get(request) ?? navigations))
    if (!cutOffByNavigation) watch.problems.push(`request failed: ${request.method()} ${request.url()} (${error})`)
  })
  page.on('response', (response) => {
    if (response.status() < 400) answered.add(response.request())
    if (response.status() >= 500) watch.problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`)
  })
  return watch
}

/** Saves the page as artifacts/screenshots/<name>-<viewport>.png; its path. */
export async function screenshot(page: Page, name: string, viewport?: Viewport): Promise<string> {
  mkdirSync(SCREENSHOTS, {recursive: true})
  const size = viewport?.name ?? ((page.viewportSize()?.width ?? 1280) <= 600 ? 'phone' : 'desktop')
  const path = join(SCREENSHOTS, `${name}-${size}.png`)
  await page.screenshot({path, fullPage: true})
  return path
}
