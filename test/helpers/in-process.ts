// Running a command in the test's own process through oclif, as bin/run.js runs it (the built commands in
// dist/, NODE_ENV production), reading what it writes: no process start for tests about a command's output
// and the database. Cron's environment, signals, exit codes of the process, stdin, crashes and serve spawn
// bin/run.js (test/helpers/cli.ts).
import {Config, run} from '@oclif/core'
import {captureOutput} from '@oclif/test'

import {baseEnv, type CliResult, ROOT} from './cli.js'

let config: Promise<Config> | undefined

export interface InProcessOptions {
  /** Settings for this run on top of the tests' base environment (`undefined` removes one). */
  env?: Record<string, string | undefined>
}

/**
 * Runs `args` in-process with the tests' environment (see `baseEnv`) plus `env`, restoring process.env after,
 * since commands read their settings from it. The result has the exit code bin/run.js would exit with.
 */
export async function runInProcess(args: string[], options: InProcessOptions = {}): Promise<CliResult> {
  config ??= Config.load({root: ROOT})
  const loaded = await config
  const saved = {...process.env}
  for (const key of Object.keys(process.env)) if (/^(HARBORMASTER_|AISSTREAM|AISHUB)/.test(key)) delete process.env[key]
  const base = baseEnv()
  for (const [key, value] of Object.entries({...base, ...options.env})) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  process.exitCode = undefined
  try {
    // @oclif/test's runCommand, less its joining and re-splitting of the arguments on spaces (an argument
    // such as --reason 'migrating the database' stays one).
    const output = await captureOutput(() => run(args, loaded), {testNodeEnv: 'production'})
    // Commands report failures through process.exitCode (their catch() renders the error); an error that
    // escapes them (an unknown command) carries oclif's exit code.
    const escaped = output.error as (Error & {oclif?: {exit?: number}}) | undefined
    const code = escaped ? (escaped.oclif?.exit ?? 1) : Number(process.exitCode ?? 0)
    if (escaped && escaped.oclif?.exit === undefined) throw escaped
    return {code, signal: null, stdout: output.stdout, stderr: output.stderr + (escaped ? `${escaped.message}\n` : '')}
  } finally {
    process.exitCode = undefined
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
}
