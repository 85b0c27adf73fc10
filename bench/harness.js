// What the benchmarks share: each measured side runs alone in its own child process (so its peak RSS is its
// own, not the sum of whatever ran before it in one process), several times in alternation with the
// baseline over a fresh copy of the same database, and every figure printed is the median of those runs.
import {spawn, spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, rmSync} from 'node:fs'
import {availableParallelism, loadavg} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {freePort} from '../scripts/throwaway-postgres.js'

/** How many times each side runs (BENCH_RUNS); the figures are medians. */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5))

export const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** CPU time of this process since `since` (a process.cpuUsage() reading), in ms. */
export const cpuMs = (since) => {
  const c = process.cpuUsage(since)
  return (c.user + c.system) / 1000
}

export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`
export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`

/** How busy the machine was: on a shared machine the wall clock also measures the neighbours. */
export function machineLine() {
  const [one] = loadavg()
  return `node ${process.version}, load average ${one.toFixed(1)} on ${availableParallelism()} cores at the start`
}

/** How the sides of a benchmark were run. */
export const sidesLine = () => `median of ${RUNS} runs per side, each side alone in its own process`

/**
 * In a benchmark file: when the file was started as a side (`node x.bench.js --side NAME ARGS_JSON`), runs
 * `sides[NAME](args)` and prints its result with the process's peak RSS and CPU time as one JSON line.
 * Returns true then, so the module knows not to do anything else.
 */
export async function runAsSide(moduleUrl, sides) {
  if (process.argv[1] !== fileURLToPath(moduleUrl) || process.argv[2] !== '--side') return false
  const name = process.argv[3]
  const args = JSON.parse(process.argv[4] ?? '{}')
  const fn = sides[name]
  if (!fn) throw new Error(`no side ${name} (sides: ${Object.keys(sides).join(', ')})`)
  const result = await fn(args)
  const usage = process.resourceUsage()
  process.stdout.write(`\n${JSON.stringify({...result, peak_rss: usage.maxRSS * 1024, cpu_ms: (usage.userCPUTime + usage.systemCPUTime) / 1000})}\n`)
  return true
}

/** Runs one side of a benchmark file in a fresh Node process; returns what it printed (with peak_rss, cpu_ms). */
export function side(moduleUrl, name, args = {}) {
  const r = spawnSync(process.execPath, [fileURLToPath(moduleUrl), '--side', name, JSON.stringify(args)], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
  if (r.status !== 0) throw new Error(`side ${name} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-8).join('\n')}`)
  const last = r.stdout.trim().split('\n').at(-1)
  return JSON.parse(last)
}

/** A fresh copy of a closed database (checkpointed: no -wal beside it), for a side that writes. */
export function freshCopy(source, target) {
  if (existsSync(`${source}-wal`)) throw new Error(`${source} has a WAL file: close it before copying`)
  rmSync(`${target}-wal`, {force: true})
  rmSync(`${target}-shm`, {force: true})
  copyFileSync(source, target)
  return target
}

/**
 * Runs the sides `RUNS` times in alternation (so both see the same machine state), each on its own copy
 * of the database; returns each side's runs.
 */
export function alternate(moduleUrl, names, dbPath, args = {}) {
  const runs = Object.fromEntries(names.map((n) => [n, []]))
  for (let i = 0; i < RUNS; i++) {
    for (const name of names) {
      const copy = freshCopy(dbPath, `${dbPath}.${name}.run`)
      runs[name].push(side(moduleUrl, name, {...args, db: copy}))
    }
  }
  return runs
}

/** The median of one field over a side's runs. */
export const med = (runs, field) => median(runs.map((r) => (typeof field === 'function' ? field(r) : r[field])))

/** A small seeded generator (mulberry32): the same synthetic world in every run and every process. */
export function mulberry(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** A TCP port nothing listens on right now. */
export {freePort}

const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url))

/**
 * autocannon's CLI in its own process (the load generator never shares the server's or the bench's CPU
 * time); resolves with its JSON result. `timeoutSeconds`: a request's own limit (autocannon's -t).
 */
export function autocannon(url, {connections, seconds, headers = {}, timeoutSeconds}) {
  const flags = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`])
  const limit = timeoutSeconds === undefined ? [] : ['-t', String(timeoutSeconds)]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AUTOCANNON, '-c', String(connections), '-d', String(seconds), ...limit, ...flags, '--json', url], {stdio: ['ignore', 'pipe', 'ignore']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', () => {
      try {
        resolve(JSON.parse(out))
      } catch {
        reject(new Error(`autocannon said: ${out.slice(0, 500)}`))
      }
    })
  })
}

/** Stops a child process and resolves once it has closed. */
function stopper(child) {
  return () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.on('close', resolve), child.kill('SIGTERM'))))
}

/**
 * `serve` in its own process, ready once it answers: the rate limiter on but with a limit the load never
 * reaches (its cost counts, its 429s do not), and no access log (the baseline logs nothing either). `env`
 * adds settings (an admin token, a fixed clock).
 */
export async function startServe(db, env = {}) {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'run.js')
  const port = await freePort()
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--quiet', '--db', db], {
    env: {...process.env, HARBORMASTER_API_RATE_LIMIT: '1000000000', ...env},
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const address = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      await (await fetch(`${address}/api/system/health/`)).text()
      return {address, stop: stopper(child)}
    } catch (error) {
      if (i > 600 || child.exitCode !== null) throw new Error(`serve did not start: ${error.message}\n${stderr}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** The baseline: a bare fastify hello-world in its own process (bench/bare-fastify.js). */
export async function startBare() {
  const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'bare-fastify.js')], {stdio: ['ignore', 'pipe', 'inherit']})
  const address = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()))
    child.on('error', reject)
  })
  return {address, stop: stopper(child)}
}
