// bin/run.js keeps V8's compiled code for the bundled commands between runs (src/cli/compile-cache.ts): a
// run writes what was missing, later runs use it without writing, an entry V8 refuses (damaged, another
// build) is compiled from source and replaced, stale entries go, and a folder others could write to is
// never used. Each case runs the real CLI and looks at the cache folder.
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {runCli, tempDir} from '../helpers/cli.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = join(tmp.dir, 'harbormaster.db')
const cacheDir = join(tmp.dir, 'cache')

/** `config check --json`: loads the configuration, zod and the command's chunks; its answer is the same each run. */
async function configCheck(env: Record<string, string> = {}) {
  const result = await runCli(['config', 'check', '--json', '--db', db], {env: {HARBORMASTER_CACHE_DIR: cacheDir, ...env}})
  expect(result.stderr).not.toMatch(/Error|at .*\.js:\d+/)
  return result
}

/** The one folder of compiled code the runs have made, and its entries by name with their inode and bytes. */
function entries(): {folder: string; files: Map<string, {ino: number; bytes: Buffer}>} {
  const folders = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.startsWith('compiled-v8-')) : []
  expect(folders).toHaveLength(1)
  const folder = join(cacheDir, folders[0])
  const files = new Map(readdirSync(folder).map((name) => [name, {ino: statSync(join(folder, name)).ino, bytes: readFileSync(join(folder, name))}]))
  return {folder, files}
}

beforeEach(() => rmSync(cacheDir, {recursive: true, force: true}))

describe('the compile cache', () => {
  it('is written by the first run, in a folder only its user can enter, and used as it is by the next', async () => {
    const first = await configCheck()
    const written = entries()
    expect(written.files.size).toBeGreaterThan(5)
    expect(statSync(written.folder).mode & 0o777).toBe(0o700)

    const second = await configCheck()
    expect(second.stdout).toBe(first.stdout)
    expect(second.code).toBe(first.code)
    const after = entries()
    // Nothing rewritten: a refused entry would have been replaced (a new inode, from the rename).
    expect([...after.files.keys()].sort()).toEqual([...written.files.keys()].sort())
    for (const [name, entry] of after.files) expect(entry.ino).toBe(written.files.get(name)?.ino)
  })

  it('replaces entries V8 refuses, and the command still runs', async () => {
    const first = await configCheck()
    const {folder, files} = entries()
    const garbage = Buffer.alloc(4096, 0x5a)
    for (const name of files.keys()) writeFileSync(join(folder, name), garbage)

    const second = await configCheck()
    expect(second.stdout).toBe(first.stdout)
    const after = entries()
    expect([...after.files.keys()].sort()).toEqual([...files.keys()].sort())
    for (const [name, entry] of after.files) expect(entry.bytes.equals(garbage), `${name} was not replaced`).toBe(false)
  })

  it('removes entries untouched for 30 days when it writes new ones', async () => {
    await configCheck()
    const {folder, files} = entries()
    const stale = join(folder, 'an-entry-from-an-old-build')
    writeFileSync(stale, 'old')
    const longAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000)
    utimesSync(stale, longAgo, longAgo)
    const recent = join(folder, 'an-entry-from-last-week')
    writeFileSync(recent, 'recent')
    const lastWeek = new Date(Date.now() - 7 * 24 * 3600 * 1000)
    utimesSync(recent, lastWeek, lastWeek)
    // One entry missing, so this run writes.
    const missing = [...files.keys()][0]
    rmSync(join(folder, missing))

    await configCheck()
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(recent)).toBe(true)
    expect(existsSync(join(folder, missing))).toBe(true)
  })

  it('is neither read nor written when turned off, nor under --enable-source-maps', async () => {
    const compiled = () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.startsWith('compiled-')) : [])
    const off = await configCheck({HARBORMASTER_COMPILE_CACHE: 'off'})
    expect(compiled()).toEqual([])
    // Node maps stack traces to the TypeScript sources only for the files it compiles itself.
    const mapped = await configCheck({NODE_OPTIONS: '--enable-source-maps'})
    expect(mapped.stdout).toBe(off.stdout)
    expect(compiled()).toEqual([])
    const on = await configCheck()
    expect(on.stdout).toBe(off.stdout)
    expect(compiled()).toHaveLength(1)
  })

  it('is not used in a folder other users can write to', async () => {
    await configCheck()
    const {folder, files} = entries()
    for (const name of files.keys()) rmSync(join(folder, name))
    chmodSync(folder, 0o777)
    await configCheck()
    expect(readdirSync(folder)).toEqual([])

    // Nor when the folder holding it is open to all.
    chmodSync(folder, 0o700)
    chmodSync(cacheDir, 0o777)
    await configCheck()
    expect(readdirSync(folder)).toEqual([])
    // A folder holding it that only its group may write to (a user's own group) is fine.
    chmodSync(cacheDir, 0o775)
    await configCheck()
    expect(readdirSync(folder).length).toBeGreaterThan(5)
    for (const name of readdirSync(folder)) rmSync(join(folder, name))
    chmodSync(cacheDir, 0o700)
    mkdirSync(folder, {recursive: true})
    await configCheck()
    expect(readdirSync(folder).length).toBeGreaterThan(5)
  })
})
