#!/usr/bin/env node
// `npm run bench -- <name>...`: runs the named benchmarks (all when none is named). Each prints its own
// measurements and the ratio against a baseline measured in the same run.
import {readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
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
    const mod = await import(join(here, `${name}.bench.js`))
    await mod.default()
  }
}
