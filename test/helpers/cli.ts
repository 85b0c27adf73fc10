// Spawning the real CLI (bin/run.js, built code) against temp databases, as cron and operators run it.
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import Database from 'better-sqlite3'
import {openDirectSync} from './test-db.js'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  /** Node options before the script, e.g. ['--max-old-space-size=128']. */
  nodeArgs?: string[]
  /** Start from an empty environment (cron's), plus `env`. */
  cleanEnv?: boolean
  cwd?: string
  /** Node executable; `process.execPath` unless given. */
  node?: string
  /** 'pipe' to write to the CLI's standard input. */
  stdin?: 'ignore' | 'pipe'
  /** Run as this user and group (a test running as root that needs permissions to apply). */
  uid?: number
  gid?: number
}

/** The environment tests run the CLI with: no harbormaster settings from the developer's shell, none of
 * vitest's (NODE_ENV=test makes oclif print development warnings), no network. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(HARBORMASTER_|AISSTREAM|AISHUB|VITEST|NODE_ENV$)/.test(k)) env[k] = v
  }
  // Port 9 on loopback refuses at once: live calls fail fast, without retries, and the fallbacks serve.
  env.HARBORMASTER_NWS_URL = 'http://127.0.0.1:9'
  env.HARBORMASTER_OPEN_METEO_URL = 'http://127.0.0.1:9'
  env.HARBORMASTER_HTTP_RETRIES = '0'
  // Derived data (built piracy zones) is keyed by what it is built from, so every test run can share it.
  env.HARBORMASTER_CACHE_DIR = join(tmpdir(), 'harbormaster-test-cache')
  return env
}

/** Processes started since the running test began and not yet ended (a file's servers start before it). */
let startedByTest = new Set<ChildProcess>()

/** test/setup.ts: a test begins. */
export function testBegins(): void {
  startedByTest = new Set()
}

/** test/setup.ts: a test has ended; the processes it started and left running (a failure, its timeout) are killed. */
export function testEnded(): void {
  for (const child of startedByTest) child.kill('SIGKILL')
  startedByTest.clear()
}

/** Kills `child` when the test that started it ends, should it still run then. */
export function tracked<T extends ChildProcess>(child: T): T {
  const set = startedByTest
  set.add(child)
  child.on('exit', () => set.delete(child))
  return child
}

export function startCli(args: string[], options: CliOptions = {}): ChildProcess {
  const env = options.cleanEnv ? {...options.env} : {...baseEnv(), ...options.env}
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]
  return tracked(
    spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : {uid: options.uid, gid: options.gid ?? options.uid}),
    }),
  )
}

/** What the process writes, once it has ended. No time limit of its own: the test's timeout is the limit. */
export function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolvePromise({code, signal, stdout, stderr}))
  })
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return collect(startCli(args, options))
}

export interface WatchedCli {
  child: ChildProcess
  done: Promise<CliResult>
  /** Resolves with the output so far once stderr matches `pattern`; rejects when the process ends first. */
  stderrMatching(pattern: RegExp): Promise<RegExpExecArray>
  /** What the process has written on stderr so far. */
  stderr(): string
}

/** A CLI process whose log lines a test can wait for (events, not timing). */
export function watchCli(args: string[], options: CliOptions = {}): WatchedCli {
  const child = startCli(args, options)
  const done = collect(child)
  let stderr = ''
  const waiting = new Set<() => void>()
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
    for (const check of waiting) check()
  })
  return {
    child,
    done,
    stderr: () => stderr,
    stderrMatching: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stderr)
          if (!match) return
          waiting.delete(check)
          resolve(match)
        }
        waiting.add(check)
        check()
        done.then(
          (r) => {
            if (!waiting.has(check)) return
            waiting.delete(check)
            reject(new Error(`the CLI ended (code ${r.code}) before its stderr matched ${pattern}:\n${r.stderr.slice(-3000)}`))
          },
          reject,
        )
      }),
  }
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'harbormaster-test-'): {dir: string; cleanup(): void} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/**
 * Runs `fn` against the test's database directly (for arranging data and asserting on rows): a SQLite file,
 * or a PostgreSQL URL (see test/helpers/test-db.ts; booleans are true/false there, 1/0 on SQLite).
 */
export function withDb<T>(location: string, fn: (db: Database.Database) => T): T {
  const db = openDirectSync(location, Database)
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

export function count(location: string, sql: string, ...params: unknown[]): number {
  return withDb(location, (db) => Number(Object.values(db.prepare(sql).get(...params) as object)[0]))
}
