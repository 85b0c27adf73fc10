// Files of data derived from shipped data (built piracy zones), keyed by a hash of everything they are
// built from, so a build is done once per machine, not once per run or per database.
import {createHash, randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'

/** Where derived files live when HARBORMASTER_CACHE_DIR is unset: the user's cache directory (XDG). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'harbormaster')
  const home = env.HOME || homedir()
  return home ? join(home, '.cache', 'harbormaster') : join(tmpdir(), 'harbormaster-cache')
}

/** A stable key from the parts a build depends on (file contents, settings, code). */
export function cacheKey(parts: Array<string | Buffer>): string {
  const hash = createHash('sha256')
  for (const part of parts) {
    hash.update(String(part.length))
    hash.update(':')
    hash.update(part)
  }
  return hash.digest('hex')
}

function fileFor(dir: string, name: string, key: string): string {
  return join(dir, `${name}-${key.slice(0, 32)}.json`)
}

/** The cached value, or undefined when there is none or it cannot be read (it is then rebuilt). */
export function readDerived<T>(dir: string, name: string, key: string): T | undefined {
  try {
    const stored = JSON.parse(readFileSync(fileFor(dir, name, key), 'utf8')) as {key?: string; value?: T}
    return stored.key === key ? stored.value : undefined
  } catch {
    return undefined
  }
}

/** Writes atomically (a temporary file renamed into place), so a reader never sees half a file. */
export function writeDerived(dir: string, name: string, key: string, value: unknown): void {
  mkdirSync(dir, {recursive: true})
  const target = fileFor(dir, name, key)
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(temporary, JSON.stringify({key, value}))
    renameSync(temporary, target)
  } finally {
    rmSync(temporary, {force: true})
  }
}
