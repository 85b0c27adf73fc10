// The web page's server time: every page of the navigation (WEB_PAGES) and the heavier views behind them
// (the jobs history's second page, one run's page, one queue's page), each requested one after another
// through the real `serve` with a signed-in session cookie, against a bare fastify hello-world measured the
// same way in the same run, over a database of 1 million job runs and 1 million queued jobs (SQLite, the
// embedded queue's tables; with BENCH_WEB_POSTGRES=1 also on a throwaway PostgreSQL). Prints each page's
// median time in ms and its ratio to the hello-world; a page that has not landed (404) is reported as
// missing. Target: every page under 100 ms. BENCH_WEB_REQUESTS (default 30) sets the requests per page;
// BENCH_WEB_DB=<path> keeps the built SQLite database there and reuses it next time.
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {median, startBare, startServe} from './harness.js'
import {benchContext, dist} from './world.js'

const RUNS = 1_000_000
const QUEUED = 1_000_000
const REQUESTS = Number(process.env.BENCH_WEB_REQUESTS ?? 30)
const ADMIN_TOKEN = 'bench-web-pages-admin-token-0123456789'
const NOW = Date.parse('2026-11-29T12:00:00Z')
/** A run every 30 s before NOW: about a year of history. */
const RUN_EVERY_MS = 30_000

/**
 * The rows, written by the database itself from a counter (a recursive CTE on SQLite, generate_series on
 * PostgreSQL): runs of every job, mostly successes, some failed (with an error and a stack), skipped, timed
 * out or cancelled; triggers mostly the scheduler's; queued jobs mostly completed, some queued, some dead.
 */
function fillStatements(dialect) {
  const counter = (n) =>
    dialect === 'sqlite'
      ? {with: `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${n})`, from: 's'}
      : {with: '', from: `generate_series(0::bigint, ${n - 1}) AS s(i)`}
  const iso = (ms) => (dialect === 'sqlite' ? `strftime('%Y-%m-%dT%H:%M:00Z', (${ms}) / 1000, 'unixepoch')` : `to_char(to_timestamp((${ms}) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:00"Z"')`)
  const json = (text) => (dialect === 'sqlite' ? `'${text}'` : `'${text}'::jsonb`)
  const jobs = ['vessels', 'ports', 'safety', 'behaviour', 'backup', 'maintain', 'cleanup', 'usage-report', 'check-events']
  const jobOf = `CASE i % ${jobs.length} ${jobs.map((j, k) => `WHEN ${k} THEN '${j}'`).join(' ')} END`
  const status = `CASE WHEN (i / 7) % 100 < 92 THEN 'success' WHEN (i / 7) % 100 < 96 THEN 'failed' WHEN (i / 7) % 100 < 98 THEN 'skipped' WHEN (i / 7) % 100 < 99 THEN 'timeout' ELSE 'cancelled' END`
  const started = `${NOW - RUNS * RUN_EVERY_MS} + i * ${RUN_EVERY_MS}`
  const trigger = `CASE WHEN i % 20 < 12 THEN 'scheduler ' || ${iso(started)} WHEN i % 20 < 17 THEN 'cli' WHEN i % 20 < 19 THEN 'queue' ELSE 'api' END`
  const triggerKind = `CASE WHEN i % 20 < 12 THEN 'scheduler' WHEN i % 20 < 17 THEN 'cli' WHEN i % 20 < 19 THEN 'queue' ELSE 'api' END`
  const runs = counter(RUNS)
  const queued = counter(QUEUED)
  const queues = `CASE i % 3 WHEN 0 THEN 'default' WHEN 1 THEN 'events' ELSE 'analysis' END`
  const state = `CASE WHEN i % 100 < 90 THEN 'completed' WHEN i % 100 < 97 THEN 'queued' ELSE 'dead' END`
  const created = `${NOW - QUEUED * 1000} + i * 1000`
  return [
    `${runs.with} INSERT INTO job_runs (job, status, started_at, completed_at, duration_ms, summary, error, error_stack, peak_rss_bytes, start_rss_bytes, host, pid, trigger, trigger_kind)
     SELECT ${jobOf}, ${status}, ${started}, ${started} + 1500, 1500,
            CASE WHEN (i / 7) % 100 < 92 THEN ${json('{"success":true,"errors_count":0,"attempts":1}')} END,
            CASE WHEN (i / 7) % 100 >= 92 AND (i / 7) % 100 < 96 THEN 'the provider answered 503' END,
            CASE WHEN (i / 7) % 100 >= 92 AND (i / 7) % 100 < 96 THEN 'Error: the provider answered 503\n    at fetchPositions (dist/services/ais/fetch.js:10:5)' END,
            104857600, 52428800, 'bench-host', 4242, ${trigger}, ${triggerKind}
     FROM ${runs.from}`,
    `${queued.with} INSERT INTO queue_jobs (type, queue, payload, state, attempts, failures, max_retries, timeout_seconds, created_at, run_at, started_at, finished_at, errors, last_failed_at, result)
     SELECT 'system:canary', ${queues}, ${json('{"fail_until_attempt":0,"duration_ms":0}')}, ${state},
            CASE WHEN i % 100 < 90 THEN 1 WHEN i % 100 < 97 THEN 0 ELSE 6 END,
            CASE WHEN i % 100 < 97 THEN 0 ELSE 6 END, 5, 300, ${created},
            CASE WHEN i % 100 < 90 OR i % 100 >= 97 THEN ${created} ELSE ${NOW} + i END,
            CASE WHEN i % 100 < 90 OR i % 100 >= 97 THEN ${created} + 10 END,
            CASE WHEN i % 100 < 90 OR i % 100 >= 97 THEN ${created} + 20 END,
            CASE WHEN i % 100 >= 97 THEN ${json('[{"attempt":6,"at":0,"message":"canary failed"}]')} END,
            CASE WHEN i % 100 >= 97 THEN ${created} + 20 END,
            CASE WHEN i % 100 < 90 THEN ${json('{"ok":true}')} END
     FROM ${queued.from}`,
  ]
}

/** The database: migrated, the shipped ports and zones, then the runs and queued jobs in bulk. */
export async function buildDatabase(location) {
  const [{ensureFallbackData}, {rawExec}, {sql}] = await Promise.all([dist('fallback/ensure.js'), dist('db/query.js'), import('drizzle-orm')])
  const ctx = await benchContext(location, NOW)
  const {db} = ctx
  try {
    const t0 = performance.now()
    await ensureFallbackData(ctx, {skipVessels: true})
    for (const statement of fillStatements(db.dialect)) {
      if (db.dialect === 'sqlite') db.sqlite.exec(statement)
      // One statement of a million rows outlasts the connection's statement timeout on a busy machine.
      else await rawExec(db, sql.raw(`SET statement_timeout = 0; ${statement}`))
    }
    if (db.dialect === 'sqlite') db.sqlite.exec('ANALYZE')
    else await rawExec(db, sql.raw('ANALYZE'))
    console.log(`  database built in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${RUNS.toLocaleString()} job runs, ${QUEUED.toLocaleString()} queued jobs (${db.dialect})`)
  } finally {
    await db.close()
  }
}


/** The session cookie of the bootstrap admin, from the sign-in form. */
async function signIn(address) {
  const answer = await fetch(`${address}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({token: ADMIN_TOKEN, next: '/'}).toString(),
  })
  await answer.text()
  const cookie = answer.headers.getSetCookie?.().map((c) => c.split(';')[0]).join('; ')
  if (answer.status !== 303 || !cookie) throw new Error(`sign-in answered ${answer.status} without a session cookie`)
  return cookie
}

/** `n` requests one after another (after a few to warm up): each one's time in ms, and the last status and body. */
async function timeRequests(url, headers, n) {
  const times = []
  let status = 0
  let body = ''
  let warmUp = 3
  for (let i = 0; i < n + warmUp; i++) {
    const t0 = performance.now()
    const answer = await fetch(url, {headers, redirect: 'manual'})
    body = await answer.text()
    const ms = performance.now() - t0
    status = answer.status
    if (status === 404) break
    // A page that takes seconds is far over its target: three requests say by how much.
    if (i === 0 && ms > 2000) {
      warmUp = 0
      n = 3
    }
    if (i >= warmUp) times.push(ms)
  }
  return {times, status, body}
}

const hrefs = (body, pattern) => [...body.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&')).filter((h) => pattern.test(h))

/** Every page measured on the database at `location`; prints one line per page. */
async function measure(location, label) {
  const servers = []
  try {
    const bare = await startBare()
    servers.push(bare)
    const serve = await startServe(location, {HARBORMASTER_ADMIN_TOKEN: ADMIN_TOKEN, HARBORMASTER_NOW: new Date(NOW).toISOString()})
    servers.push(serve)
    const {WEB_PAGES} = await dist('web/types.js')
    const cookie = await signIn(serve.address)
    const headers = {cookie, accept: 'text/html'}
    const baseline = median((await timeRequests(`${bare.address}/`, {}, REQUESTS)).times)
    const pages = WEB_PAGES.map((p) => ({label: `${p.label} (${p.path})`, path: p.path}))
    const results = []
    const run = async (page) => {
      const r = await timeRequests(`${serve.address}${page.path}`, headers, REQUESTS)
      results.push({...page, ...r})
      return r
    }
    for (const page of pages) {
      const r = await run(page)
      if (page.path === '/jobs' && r.status === 200) {
        const older = hrefs(r.body, /^\/jobs\?(.*&)?before=/)[0]
        if (older) await run({label: '  jobs history, second page', path: older})
        const runLink = hrefs(r.body, /^\/jobs\/runs\/\d+$/)[0]
        if (runLink) await run({label: '  one run', path: runLink})
        const failed = await timeRequests(`${serve.address}/jobs?status=failed`, headers, 1)
        if (failed.status === 200) await run({label: '  history of failed runs', path: '/jobs?status=failed&trigger=scheduler'})
      }
      if (page.path === '/queues' && r.status === 200) {
        const queue = hrefs(r.body, /^\/queues\/[^?]+/)[0]
        if (queue) await run({label: `  one queue (${queue})`, path: queue})
      }
    }
    console.log(`${label}: ${REQUESTS} requests per page one after another, median; bare fastify hello-world ${baseline.toFixed(2)} ms`)
    for (const r of results) {
      if (r.status === 404) {
        console.log(`  ${r.label.padEnd(44)} missing (404: not landed yet)`)
        continue
      }
      const ms = median(r.times)
      const flag = r.status !== 200 ? `  (HTTP ${r.status})` : ms >= 100 ? '  OVER 100 ms' : ''
      console.log(`  ${r.label.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / baseline).toFixed(1).padStart(6)}x the hello-world${flag}`)
    }
  } finally {
    for (const s of servers) await s.stop()
  }
}

export default async function webPages() {
  const keep = process.env.BENCH_WEB_DB
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-bench-web-'))
  try {
    const db = keep ?? join(dir, 'harbormaster.db')
    if (!existsSync(db)) await buildDatabase(db)
    await measure(db, 'SQLite')
    if (process.env.BENCH_WEB_POSTGRES === '1') {
      const {startTestPostgres, databaseUrl} = await import('../scripts/throwaway-postgres.js')
      const server = await startTestPostgres()
      if (!server) {
        console.log('PostgreSQL: not installed here, not measured')
        return
      }
      try {
        const url = databaseUrl(server.url, 'bench_web')
        const pg = (await import('pg')).default
        const admin = new pg.Client({connectionString: server.url})
        await admin.connect()
        await admin.query('CREATE DATABASE bench_web')
        await admin.end()
        await buildDatabase(url)
        await measure(url, 'PostgreSQL')
      } finally {
        await server.stop()
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
