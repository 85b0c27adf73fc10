// The HTTP API under a crowd: 500 connections hammer GET /api/ports/congestion/ on a database where the
// ports job never ran (the shipped port list answers), while a monitor asks GET /api/system/health/ once
// every 50 ms. The server runs as `serve` in its own process and the load generator (autocannon's CLI) in
// another, so neither slows the other's event loop. Prints the crowd's throughput and the health latency
// (p50, p99, max) with per-client rate limits on (the default) and off, against the idle health latency
// measured in the same run. BENCH_SECONDS sets the length of each run (default 10); BENCH_VERBOSE=1 lists
// the slow probes and when they came.
import {spawn, execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {autocannon, freePort} from './harness.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(ROOT, 'bin', 'run.js')
const CONNECTIONS = 500
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)

function cli(args, env = {}) {
  return execFileSync(process.execPath, [BIN, ...args], {env: {...process.env, ...env}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
}

/** `serve` in its own process (with --quiet: no access log); ready once it answers. */
async function startServer(db, env, quiet = false) {
  const port = await freePort()
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...(quiet ? ['--quiet'] : []), '--db', db], {env: {...process.env, ...env}, stdio: ['ignore', 'ignore', 'pipe']})
  // The access log is read and dropped so the pipe never fills.
  child.stderr.resume()
  const address = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      await (await fetch(`${address}/api/system/health/`)).text()
      break
    } catch (error) {
      if (i > 600) throw new Error(`server did not start: ${error.message}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {address, stop: () => new Promise((resolve) => (child.kill('SIGTERM'), child.on('close', resolve)))}
}

/** Health latencies (ms), one request at a time every 50 ms, until `until()` says stop. */
async function probeHealth(address, until) {
  const latencies = []
  const slow = []
  const start = performance.now()
  let failures = 0
  while (!until()) {
    const t0 = performance.now()
    try {
      const response = await fetch(`${address}/api/system/health/`, {signal: AbortSignal.timeout(30_000)})
      await response.text()
      if (response.status !== 200) failures++
    } catch {
      failures++
    }
    latencies.push(performance.now() - t0)
    if (performance.now() - t0 > 500) slow.push(`${((t0 - start) / 1000).toFixed(1)} s: ${(performance.now() - t0).toFixed(0)} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
  if (process.env.BENCH_VERBOSE && slow.length > 0) console.log(`    slow probes (time into the run: latency): ${slow.join(', ')}`)
  return {latencies, failures}
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
function describeLatencies({latencies, failures}) {
  const sorted = [...latencies].sort((a, b) => a - b)
  return `${sorted.length} probes, p50 ${quantile(sorted, 0.5).toFixed(0)} ms, p99 ${quantile(sorted, 0.99).toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms${failures ? `, ${failures} failed` : ''}`
}

const crowd = (url, token) => autocannon(url, {connections: CONNECTIONS, seconds: DURATION, timeoutSeconds: 30, headers: {authorization: `Bearer ${token}`}})

async function scenario(label, db, token, env, quiet = false) {
  const server = await startServer(db, env, quiet)
  try {
    let done = false
    const probing = probeHealth(server.address, () => done)
    const result = await crowd(`${server.address}/api/ports/congestion/?page_size=50`, token)
    done = true
    const health = await probing
    const ok = result['2xx'] ?? 0
    console.log(`  ${label}`)
    console.log(`    crowd: ${Math.round(result.requests.average).toLocaleString()} req/s answered (${Math.round(ok / DURATION).toLocaleString()}/s 2xx, ${result.non2xx.toLocaleString()} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts), crowd p99 ${result.latency.p99} ms`)
    console.log(`    health while loaded: ${describeLatencies(health)}`)
    return health
  } finally {
    await server.stop()
  }
}

export default async function apiLoad() {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-bench-api-load-'))
  try {
    const db = join(dir, 'harbormaster.db')
    // Ports and zones loaded, no congestion computed yet: the endpoint answers from the shipped port list.
    cli(['ensure-fallback-data', '--db', db])
    const token = JSON.parse(cli(['users', 'add', 'crowd', '--role', 'VIEWER', '--json', '--db', db])).token

    const idle = await startServer(db, {})
    let stop = false
    setTimeout(() => (stop = true), 3000)
    const idleHealth = await probeHealth(idle.address, () => stop)
    await idle.stop()
    console.log(`${CONNECTIONS} connections for ${DURATION} s on GET /api/ports/congestion/ (ports job never ran), health probed every 50 ms`)
    console.log(`  idle health: ${describeLatencies(idleHealth)}`)

    const limited = await scenario('rate limits on (600 requests a minute per client, the default; the crowd shares one token)', db, token, {})
    const open = await scenario('rate limits off (HARBORMASTER_API_RATE_LIMIT=0): every request does its work', db, token, {HARBORMASTER_API_RATE_LIMIT: '0'})
    // BENCH_QUIET=1: also without the access log, to see what logging costs.
    if (process.env.BENCH_QUIET) await scenario('rate limits on, no access log (--quiet)', db, token, {}, true)
    const p99 = (h) => quantile([...h.latencies].sort((a, b) => a - b), 0.99)
    const base = p99(idleHealth)
    console.log(`  health p99 against idle: ${(p99(limited) / base).toFixed(1)}x with limits, ${(p99(open) / base).toFixed(1)}x without (target: under 1,000 ms)`)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
