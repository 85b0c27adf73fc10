// Startup: `harbormaster --version` and `harbormaster health --json` against the smallest oclif 4 CLI, which
// this run builds in a temp directory (the same @oclif/core and Node, one command, its own manifest, as
// harbormaster has one). Each is spawned many times in alternation so both see the same machine state, and
// the medians are compared. Targets: --version within 1.3x, health --json within 1.5x of the minimal command.
// BENCH_HARBORMASTER=path/to/bin/run.js measures another build (one with more oclif plugins, say).
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {machineLine, median} from './harness.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const harbormaster = process.env.BENCH_HARBORMASTER ?? join(root, 'bin', 'run.js')

/** The baseline: an oclif 4 CLI with one command that prints a line, built (manifest included) in `dir`. */
function buildMinimalCli(dir) {
  mkdirSync(join(dir, 'bin'), {recursive: true})
  mkdirSync(join(dir, 'commands'))
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({name: 'minimal-oclif-cli', version: '1.0.0', private: true, type: 'module', files: ['bin', 'commands'], oclif: {bin: 'minimal', commands: './commands'}}),
  )
  writeFileSync(join(dir, 'bin', 'run.js'), `#!/usr/bin/env node\nimport {execute} from '@oclif/core'\n\nawait execute({dir: import.meta.url})\n`)
  writeFileSync(
    join(dir, 'commands', 'hello.js'),
    `import {Command} from '@oclif/core'\n\nexport default class Hello extends Command {\n  static description = 'Print a line.'\n\n  async run() {\n    this.log('hello')\n  }\n}\n`,
  )
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'oclif', 'bin', 'run.js'), 'manifest'], {cwd: dir, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`oclif manifest for the minimal CLI failed: ${r.stderr}`)
  return join(dir, 'bin', 'run.js')
}

function time(args) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {encoding: 'utf8', env: {...process.env, HARBORMASTER_NWS_URL: 'http://127.0.0.1:9'}})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  // health exits 1 when degraded (the bench database has no live AIS): still a full run.
  if (r.status !== 0 && !(args.includes('health') && r.status === 1)) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

export default async function startup() {
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 30)
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-bench-'))
  const db = join(dir, 'bench.db')
  try {
    const minimal = buildMinimalCli(join(dir, 'minimal'))
    // A database with the fallback data loaded, so health has something to count.
    time([harbormaster, 'run-background-jobs', '--quiet', '--db', db])
    const runs = {hmVersion: [], minVersion: [], hmHealth: [], minHello: []}
    for (let i = 0; i < 3; i++) {
      time([minimal, '--version'])
      time([harbormaster, '--version'])
      time([minimal, 'hello'])
      time([harbormaster, 'health', '--json', '--db', db])
    }
    for (let i = 0; i < iterations; i++) {
      runs.minVersion.push(time([minimal, '--version']))
      runs.hmVersion.push(time([harbormaster, '--version']))
      runs.minHello.push(time([minimal, 'hello']))
      runs.hmHealth.push(time([harbormaster, 'health', '--json', '--db', db]))
    }
    const row = (label, ours, base) => {
      const ratio = median(ours) / median(base)
      console.log(`  ${label.padEnd(46)} ${median(ours).toFixed(1).padStart(7)} ms vs ${median(base).toFixed(1).padStart(7)} ms  ratio ${ratio.toFixed(2)}x`)
      return ratio
    }
    console.log(`median of ${iterations} spawns each, in alternation; ${machineLine()}`)
    const version = row('harbormaster --version / minimal --version', runs.hmVersion, runs.minVersion)
    const health = row('harbormaster health --json / minimal hello', runs.hmHealth, runs.minHello)
    console.log(`  targets --version <= 1.30x: ${version <= 1.3 ? 'met' : 'NOT met'}; health --json <= 1.50x: ${health <= 1.5 ? 'met' : 'NOT met'}`)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
