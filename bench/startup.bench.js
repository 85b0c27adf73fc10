// Startup: `harbormaster --version` and `harbormaster health` against the smallest oclif 4 CLI, each spawned
// many times in alternation so both see the same machine state. Target: --version within 1.3x.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const harbormaster = join(root, 'bin', 'run.js')
const minimal = join(root, 'bench', 'minimal-cli', 'run.js')

function time(args) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {encoding: 'utf8', env: {...process.env, HARBORMASTER_NWS_URL: 'http://127.0.0.1:9'}})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0 && !(args.includes('health') && r.status === 1)) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export default async function startup() {
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 30)
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-bench-'))
  const db = join(dir, 'bench.db')
  try {
    // A database with the fallback data loaded, so health has something to count.
    time([harbormaster, 'run-background-jobs', '--quiet', '--db', db])
    const runs = {hmVersion: [], minVersion: [], hmHealth: [], minHello: []}
    for (let i = 0; i < 3; i++) time([minimal, '--version']), time([harbormaster, '--version'])
    for (let i = 0; i < iterations; i++) {
      runs.minVersion.push(time([minimal, '--version']))
      runs.hmVersion.push(time([harbormaster, '--version']))
      runs.minHello.push(time([minimal, 'hello']))
      runs.hmHealth.push(time([harbormaster, 'health', '--db', db]))
    }
    const row = (label, ours, base) => {
      const ratio = median(ours) / median(base)
      console.log(`${label.padEnd(44)} ${median(ours).toFixed(1).padStart(7)} ms vs ${median(base).toFixed(1).padStart(7)} ms  ratio ${ratio.toFixed(2)}x`)
      return ratio
    }
    console.log(`median of ${iterations} spawns each (node ${process.version})`)
    const version = row('harbormaster --version / minimal --version', runs.hmVersion, runs.minVersion)
    row('harbormaster health / minimal hello', runs.hmHealth, runs.minHello)
    console.log(`target --version <= 1.30x: ${version <= 1.3 ? 'met' : 'NOT met'}`)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
