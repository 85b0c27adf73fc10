#!/usr/bin/env node
// `npm run bench -- <name>...`: runs the named benchmarks (all when none is named), each in its own Node
// process, one after the other, so none inherits another's heap or page cache. Each prints its own
// measurements and the ratio against a baseline measured in the same run.
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

if (process.argv[2] === '--one') {
  const mod = await import(pathToFileURL(join(here, `${process.argv[3]}.bench.js`)).href)
  await mod.default()
} else {
  const available = readdirSync(here)
    .filter((f) => f.endsWith('.bench.js'))
    .map((f) => f.replace('.bench.js', ''))
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((w) => !available.includes(w))
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')} (available: ${available.join(', ')})`)
    process.exitCode = 2
  } else {
    for (const name of wanted.length > 0 ? wanted : available) {
      console.log(`\n== ${name} ==`)
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', name], {stdio: 'inherit'})
      if (r.status !== 0) process.exitCode = r.status ?? 1
    }
  }
}
