// A throwaway PostgreSQL server for the tests and the benchmarks, started from Debian's `postgresql`
// package: initdb in a temp dir and pg_ctl on a free loopback port, as the `postgres` system user when run
// as root (initdb refuses root). Plain JavaScript so that the benchmarks (which run built code) share it;
// its types are in throwaway-postgres.d.ts.
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

/** The newest installed server's binaries (Debian keeps them out of PATH). */
export function postgresBinDir() {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0], 'bin') : null
}

export async function freePort() {
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

function ownerId(name) {
  const result = spawnSync('id', ['-u', name], {encoding: 'utf8'})
  if (result.status !== 0) return null
  const gid = spawnSync('id', ['-g', name], {encoding: 'utf8'})
  return {uid: Number(result.stdout.trim()), gid: Number(gid.stdout.trim())}
}

/** Starts a throwaway cluster; null when the server binaries are not installed. */
export async function startTestPostgres() {
  const binDir = postgresBinDir()
  if (!binDir) return null
  const asRoot = userInfo().uid === 0
  const owner = asRoot ? ownerId('postgres') : null
  if (asRoot && !owner) throw new Error('PostgreSQL tests run as root need the `postgres` system user (Debian\'s postgresql package creates it)')
  const base = mkdtempSync(join(tmpdir(), 'harbormaster-pg-'))
  chmodSync(base, 0o755)
  if (owner) chownSync(base, owner.uid, owner.gid)
  const dataDir = join(base, 'data')
  const run = (bin, args) => {
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
  const ctl = (args) => run('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(base, 'server.log'), '-w', '-t', '120', ...args])
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
export function databaseUrl(serverUrl, database) {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

