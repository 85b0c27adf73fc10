// Part of `npm run build`: bundles the compiled commands (dist/commands, from tsc) in place with esbuild, with the
// code they share split into dist/chunks. A command then loads a few dozen files instead of some three hundred
// (harbormaster's modules, drizzle-orm's and zod's ESM files), which is most of what starting a command costs
// beyond oclif itself. Other packages stay outside the bundle and load from node_modules as before: CommonJS
// ones and oclif's. dist/services stays as tsc wrote it (the benchmarks import it).
//
// The bundles are then rewritten as CommonJS (esbuild splits code only into ES modules, so it is a second
// step), with a package.json saying so in each folder. Node 20 keeps no compiled code for ES modules, but it
// can for CommonJS: bin/run.js installs harbormaster's compile cache (src/cli/compile-cache.ts) for these
// files, so a command after the first reuses V8's compiled code instead of compiling ~800 KB of JavaScript.
import {mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {basename, dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import * as acorn from 'acorn'
import * as esbuild from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
/**
 * Packages of many small files, worth bundling: drizzle-orm's and zod's ES modules, and better-sqlite3's
 * JavaScript (its addon stays where npm built it; services/db/sqlite-connection.ts tells it where). Every
 * other package is imported from node_modules.
 */
const BUNDLED_PACKAGES = /^(drizzle-orm|zod|better-sqlite3)(\/|$)/

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
  // Kept in memory: each file is rewritten as CommonJS below before it is written.
  write: false,
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
// BUNDLE_METAFILE=path writes esbuild's account of what went into each chunk (to see what a command loads).
if (process.env.BUNDLE_METAFILE) writeFileSync(process.env.BUNDLE_METAFILE, JSON.stringify(result.metafile))
/**
 * V8 keeps the source of a file with any character beyond ASCII at two bytes per character (zod's core, 300 KB,
 * has one em dash, in a comment). esbuild writes strings and names as ASCII escapes but keeps comments, regular
 * expressions and template literals as they are: in comments only (found by acorn), each such character becomes
 * '-' (as many as it takes UTF-16 units, so the source map's columns still match). Files with one elsewhere keep it.
 */
function asciiComments(code) {
  if (!/[^\0-\x7f]/.test(code)) return code
  const comments = []
  acorn.parse(code, {ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, allowReturnOutsideFunction: true, onComment: (_block, _text, start, end) => comments.push([start, end])})
  let out = ''
  let at = 0
  for (const [start, end] of comments) {
    out += code.slice(at, start) + code.slice(start, end).replace(/[^\0-\x7f]/g, '-')
    at = end
  }
  return out + code.slice(at)
}

const outputs = result.outputFiles.filter((f) => f.path.endsWith('.js'))
const maps = new Map(result.outputFiles.filter((f) => f.path.endsWith('.js.map')).map((f) => [f.path, f.text]))
for (const file of outputs) {
  // The bundle's source map goes in inline, so the CommonJS file's map still points at the TypeScript sources.
  const map = maps.get(`${file.path}.map`)
  const input = file.text.replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n') + (map ? `//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}\n` : '')
  const cjs = await esbuild.transform(input, {
    format: 'cjs',
    loader: 'js',
    platform: 'node',
    target: 'node20',
    sourcefile: basename(file.path),
    sourcemap: 'external',
    // `import()` of a chunk becomes a require in a promise: the code cache compiles with vm.Script, which has
    // no loader for import().
    supported: {'dynamic-import': false},
    define: {'import.meta.url': '__harbormasterModuleUrl'},
    banner: 'var __harbormasterModuleUrl = require("node:url").pathToFileURL(__filename).href;',
    logLevel: 'warning',
  })
  mkdirSync(dirname(file.path), {recursive: true})
  writeFileSync(file.path, `${asciiComments(cjs.code)}//# sourceMappingURL=${basename(file.path)}.map\n`)
  writeFileSync(`${file.path}.map`, cjs.map)
}
for (const folder of new Set(outputs.map((f) => join(dist, relative(dist, f.path).split(/[\\/]/)[0])))) {
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({type: 'commonjs'})}\n`)
}
if (process.argv.includes('--verbose')) console.log(`bundled ${entryPoints.length} commands into ${outputs.length} CommonJS files`)
