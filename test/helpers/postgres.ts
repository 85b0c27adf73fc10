// A real PostgreSQL server for the tests, started from Debian's `postgresql` package: initdb in a temp dir
// and pg_ctl on a free loopback port, as the `postgres` system user when the tests run as root (initdb
// refuses root). One cluster per test run (vitest's global setup); each test file makes its own databases.
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

export interface TestPostgres {
  /** A superuser URL on 127.0.0.1 (trust authentication), database `postgres`. */
  url: string
  port: number
  binDir: string
  dataDir: string
  /** Runs a pg_ctl action (restart, stop) as the cluster's owner. */
  ctl(args: string[]): void
  stop(): void
}

/** The newest installed server's binaries (Debian keeps them out of PATH). */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0], 'bin') : null
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function ownerId(name: string): {uid: number; gid: number} | null {
  const result = spawnSync('id', ['-u', name], {encoding: 'utf8'})
  if (result.status !== 0) return null
  const gid = spawnSync('id', ['-g', name], {encoding: 'utf8'})
  return {uid: Number(result.stdout.trim()), gid: Number(gid.stdout.trim())}
}

/** Starts a throwaway cluster; null when the server binaries are not installed. */
export async function startTestPostgres(): Promise<TestPostgres | null> {
  const binDir = postgresBinDir()
  if (!binDir) return null
  const asRoot = userInfo().uid === 0
  const owner = asRoot ? ownerId('postgres') : null
  if (asRoot && !owner) throw new Error('PostgreSQL tests run as root need the `postgres` system user (Debian\'s postgresql package creates it)')
  const base = mkdtempSync(join(tmpdir(), 'harbormaster-pg-'))
  chmodSync(base, 0o755)
  if (owner) chownSync(base, owner.uid, owner.gid)
  const dataDir = join(base, 'data')
  const run = (bin: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(binDir, bin)
    const argv = asRoot ? ['-u', 'postgres', '--', join(binDir, bin), ...args] : args
    execFileSync(command, argv, {stdio: ['ignore', 'pipe', 'pipe']})
  }
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
  const port = await freePort()
  // Durability is the server's business, not the tests': fsync off makes the suite several times faster.
  const options = [
    `-p ${port}`,
    `-k ${base}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
  ].join(' ')
  run('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(base, 'server.log'), '-w', '-t', '120', 'start'])
  const ctl = (args: string[]) => run('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(base, 'server.log'), '-w', '-t', '120', ...args])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    binDir,
    dataDir,
    ctl,
    stop() {
      try {
        ctl(['-m', 'immediate', 'stop'])
      } finally {
        rmSync(base, {recursive: true, force: true})
      }
    },
  }
}

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/**
 * A throwaway server for a test file, or null when this machine has no PostgreSQL: then the file's tests
 * skip with one loud line. In CI (CI=true) a missing server fails instead: CI never skips these suites.
 */
export async function postgresForTests(): Promise<TestPostgres | null> {
  const server = await startTestPostgres()
  if (server) return server
  if (process.env.CI) throw new Error('PostgreSQL server binaries are missing: run scripts/install-test-deps.sh (CI never skips the PostgreSQL tests)')
  console.warn('!!! PostgreSQL is not installed here: the PostgreSQL tests are SKIPPED (scripts/install-test-deps.sh installs it)')
  return null
}
