// Part of `npm run build`: bundles the compiled commands (dist/commands, from tsc) in place with esbuild, with the
// code they share split into dist/chunks. A command then loads a few dozen files instead of some three hundred
// (harbormaster's modules, drizzle-orm's and zod's ESM files), which is most of what starting a command costs
// beyond oclif itself. Other packages stay outside the bundle and load from node_modules as before: native
// ones (better-sqlite3), CommonJS ones and oclif's. dist/services stays as tsc wrote it (the benchmarks import it).
import {readdirSync, rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import * as esbuild from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
/** ESM packages of many small files, worth bundling; every other package is imported from node_modules. */
const BUNDLED_PACKAGES = /^(drizzle-orm|zod)(\/|$)/

const entryPoints = readdirSync(join(dist, 'commands'), {recursive: true, withFileTypes: true})
  .filter((e) => e.isFile() && e.name.endsWith('.js'))
  .map((e) => join(e.parentPath, e.name))

rmSync(join(dist, 'chunks'), {recursive: true, force: true})
const result = await esbuild.build({
  entryPoints,
  outbase: dist,
  outdir: dist,
  // The bundles replace tsc's command files, so oclif's manifest and bin/run.js find them where they were.
  allowOverwrite: true,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
  plugins: [
    {
      name: 'packages-outside',
      setup(build) {
        build.onResolve({filter: /^[^./]/}, (args) => (BUNDLED_PACKAGES.test(args.path) || args.path.startsWith('node:') ? undefined : {path: args.path, external: true}))
      },
    },
    {
      // zod re-exports its sixty-odd locales from its core; split into chunks, that puts every one of them in
      // the chunk every command loads. harbormaster speaks English only: the English locale is the one kept.
      name: 'zod-english-only',
      setup(build) {
        build.onLoad({filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/}, () => ({contents: `export {default as en} from './en.js'\n`, loader: 'js'}))
      },
    },
  ],
})
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))
if (process.argv.includes('--verbose')) console.log(`bundled ${entryPoints.length} commands into ${outputs.length} files`)
