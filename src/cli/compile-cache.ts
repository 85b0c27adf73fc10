// V8's compiled code for harbormaster's bundled commands, kept between runs. Starting a command compiles
// some 800 KB of JavaScript (drizzle-orm, zod, harbormaster's services) before it does anything; cron starts
// one every few minutes. Node 22 keeps such a cache itself (module.enableCompileCache); Node 20 has no cache
// for ES modules, so the build writes the bundles as CommonJS (scripts/bundle-commands.js) and this module
// compiles them through vm.Script with the code V8 produced last time.
//
// Only files under the bundle's folder go through it: oclif, the other packages and Node's own modules load
// as Node loads them. A cache entry is named by CRC-32s of the file's path and text and the text's length (as
// Node 22's own cache does), so an edited or rebuilt file never runs old code; V8 itself refuses data from
// another V8 or other flags, and the file is then compiled as usual. Entries are written when the process
// exits, only for files that had none (so they hold what the run compiled, not just the top level), each to a
// temporary name then renamed (concurrent runs never read half an entry). The folder is the user's own (made
// 0700, owned by the user and writable by no one else, in a folder of theirs not writable by all) or it is not
// used: another user able to write there could make harbormaster run their code.
//
// It lives beside the derived data, in HARBORMASTER_CACHE_DIR (by default $XDG_CACHE_HOME/harbormaster or
// ~/.cache/harbormaster), in a folder per V8 version and architecture; HARBORMASTER_COMPILE_CACHE=off turns it
// off. Both are read from the environment, before the configuration is (loading it is part of what is cached).
// Entries untouched for 30 days are removed when new ones are written.
import {mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {dirname, join, sep} from 'node:path'
import {Script} from 'node:vm'
import {crc32} from 'node:zlib'

import {defaultCacheDir} from '../services/cache/derived-cache.js'

/** What Module.prototype._compile sees: the module being loaded (Node's own type does not declare it). */
interface LoadingModule {
  exports: unknown
  _compile(content: string, filename: string, format?: string): unknown
}

interface NodeModuleInternals {
  prototype: LoadingModule
  wrap(content: string): string
}

const STALE_MS = 30 * 24 * 3600 * 1000

/** The cache's folder for this V8 and architecture, or undefined when HARBORMASTER_COMPILE_CACHE is `off`. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HARBORMASTER_COMPILE_CACHE?.trim() === 'off') return undefined
  return join(env.HARBORMASTER_CACHE_DIR || defaultCacheDir(env), `compiled-v8-${process.versions.v8}-${process.arch}`)
}

/**
 * Whether `dir` is this user's and writable by no one else, and the folder holding it this user's and not
 * writable by all (a group-writable home folder is usual where each user has a group of their own); a
 * missing `dir` is made so.
 */
function privateFolder(dir: string, create: boolean): boolean {
  try {
    if (create) mkdirSync(dir, {recursive: true, mode: 0o700})
    const owned = (folder: string, notWritableBy: number) => {
      const st = statSync(folder, {throwIfNoEntry: false})
      if (!st?.isDirectory()) return false
      if (process.getuid && st.uid !== process.getuid()) return false
      return (st.mode & notWritableBy) === 0
    }
    return owned(dir, 0o022) && owned(dirname(dir), 0o002)
  } catch {
    return false
  }
}

/**
 * Compiles the CommonJS files under `bundleDir` with V8's cached code from `dir` and saves what is missing
 * when the process exits. Does nothing when `dir` is undefined or not a private folder, nor under
 * --enable-source-maps: Node maps stack traces to the TypeScript sources only for the files it compiles itself.
 */
export function installCompileCache(bundleDir: string, dir: string | undefined = compileCacheDir()): boolean {
  if (dir === undefined || process.sourceMapsEnabled) return false
  // An existing folder must be private now; a missing one is made private when the first entries are written.
  if (statSync(dir, {throwIfNoEntry: false}) !== undefined && !privateFolder(dir, false)) return false
  const prefix = bundleDir.endsWith(sep) ? bundleDir : bundleDir + sep
  const NodeModule = Module as unknown as NodeModuleInternals
  const compile = NodeModule.prototype._compile
  const toWrite: Array<[string, Script]> = []

  NodeModule.prototype._compile = function (this: LoadingModule, content: string, filename: string, format?: string) {
    // An ES module required from CommonJS (`format` 'module') is Node's to compile.
    if (!filename.startsWith(prefix) || format === 'module') return compile.call(this, content, filename, format)
    const entry = join(dir, `${crc32(filename).toString(16)}-${crc32(content).toString(16)}-${content.length.toString(16)}`)
    let cachedData: Buffer | undefined
    try {
      cachedData = readFileSync(entry)
    } catch {
      // No entry yet.
    }
    const script = new Script(NodeModule.wrap(content), {filename, cachedData})
    if (cachedData === undefined || script.cachedDataRejected) toWrite.push([entry, script])
    const run = script.runInThisContext({displayErrors: true}) as (...args: unknown[]) => unknown
    return run.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename))
  }

  process.once('exit', () => {
    if (toWrite.length === 0 || !privateFolder(dir, true)) return
    try {
      for (const [entry, script] of toWrite) {
        const temporary = `${entry}.${process.pid}.tmp`
        writeFileSync(temporary, script.createCachedData())
        renameSync(temporary, entry)
      }
      const now = Date.now()
      for (const name of readdirSync(dir)) {
        const file = join(dir, name)
        const st = statSync(file, {throwIfNoEntry: false})
        if (st && now - st.mtimeMs > STALE_MS) unlinkSync(file)
      }
    } catch {
      // A full disk or a read-only home: the next run compiles from source, as without a cache.
    }
  })
  return true
}
