// oclif as operators know it, through the real CLI: a mistyped command suggests the right one, a flag with
// a fixed set of values refuses any other and lists them, `help` and shell completion.
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {baseEnv, BIN, ROOT, runCli, tempDir, tracked} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = join(tmp.dir, 'harbormaster.db')

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), as an operator at a terminal does; `answer` is
 * typed once `prompt` appears. Resolves with what the terminal showed and the exit code.
 */
function onTerminal(args: string[], prompt: RegExp, answer: string): Promise<{screen: string; code: number | null}> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  const child = tracked(spawn('script', ['-qfec', quoted, '/dev/null'], {cwd: ROOT, env: {...baseEnv(), TERM: 'dumb'}, stdio: ['pipe', 'pipe', 'pipe']}))
  let screen = ''
  let answered = false
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString()
      if (!answered && prompt.test(screen)) {
        answered = true
        child.stdin.write(answer)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({screen, code}))
  })
}

const plain = (text: string) => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replaceAll('\r', '')

describe('a mistyped command', () => {
  it('on a terminal: asks whether the closest command was meant, and runs it on yes', async () => {
    expect((await runInProcess(['db', 'migrate', '--db', db])).code).toBe(0)
    const {screen, code} = await onTerminal(['alrts', 'list', '--db', db], /Did you mean/, 'y\r')
    const shown = plain(screen)
    expect(shown).toMatch(/alrts list is not a harbormaster command/)
    expect(shown).toMatch(/Did you mean alerts list\?/)
    expect(shown).toMatch(/no alert rules/)
    expect(code).toBe(0)
  })

  it('in a script: says it is not a command and where the list is, without asking', async () => {
    const result = await runCli(['jbos', 'list', '--db', db])
    expect(result.code).toBe(127)
    // oclif's own warning is coloured when CI is set, terminal or not: the words are what a script reads.
    const said = result.stderr.replace(/\u001B\[[0-9;]*m/g, '')
    expect(said).toMatch(/jbos list is not a harbormaster command/)
    expect(said).toMatch(/Run harbormaster help for a list of available commands/)
    expect(result.stdout).toBe('')
  })
})

describe('flags with a fixed set of values', () => {
  it.each([
    [['users', 'add', 'bob', '--role', 'CAPTAIN'], 'Expected --role=CAPTAIN to be one of: ADMIN, OPERATOR, VIEWER'],
    [['alerts', 'add', '--metric', 'vessel.colour', '--target', 'all', '--operator', '>', '--threshold', '1'], 'Expected --metric=vessel.colour to be one of: port.vessels_waiting, port.congestion_level, vessel.speed'],
    [['alerts', 'add', '--metric', 'vessel.speed', '--target', 'all', '--operator', '=>', '--threshold', '1'], 'Expected --operator==> to be one of: >, <, ==, >=, <=, !='],
    [['alerts', 'add', '--metric', 'vessel.speed', '--target', 'all', '--operator', '>', '--threshold', '1', '--severity', 'dire'], 'Expected --severity=dire to be one of: low, medium, high, critical'],
    [['run-background-jobs', '--job', 'laundry'], 'Expected --job=laundry to be one of: vessels, ports, safety, behaviour, all'],
    [['jobs', 'history', '--job', 'laundry'], 'Expected --job=laundry to be one of: vessels, ports, safety, behaviour, backup, maintain, cleanup, usage-report, health-check, profile-refresh, quota-monitor, quota-reset, archive, weekly-summary, check-events'],
    [['jobs', 'run', 'laundry'], 'Expected laundry to be one of: vessels, ports, safety, behaviour, backup, maintain, cleanup, usage-report, health-check, profile-refresh, quota-monitor, quota-reset, archive, weekly-summary'],
    [['jobs', 'pause', 'laundry', '--reason', 'x'], 'Expected laundry to be one of: vessels, ports, safety, behaviour, backup, maintain, cleanup, usage-report, health-check, profile-refresh, quota-monitor, quota-reset, archive, weekly-summary, check-events'],
    [['ports', 'congestion', '--level', 'awful'], 'Expected --level=awful to be one of: normal, elevated, high, severe, no_data, insufficient_history'],
    [['zones', 'list', '--type', 'reef'], 'Expected --type=reef to be one of: storm, piracy, congestion'],
    [['events', 'list', '--format', 'kml'], 'Expected --format=kml to be one of: table, geojson'],
  ])('%j is refused before anything runs, with the values it takes (exit 2)', async (args, message) => {
    const result = await runInProcess([...args, '--db', db])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('is refused as one JSON error under --json', async () => {
    const result = await runInProcess(['users', 'add', 'bob', '--role', 'captain', '--json', '--db', db])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({error: {message: 'Expected --role=captain to be one of: ADMIN, OPERATOR, VIEWER', exit_code: 2}})
  })
})

describe('help and completion', () => {
  it('help <command> shows the values a flag takes', async () => {
    const result = await runInProcess(['help', 'alerts', 'add'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/--severity=<option>\s.*\n\s+<options: low\|medium\|high\|critical>/)
    expect(result.stdout).toMatch(/\$ harbormaster alerts add --metric port\.vessels_waiting/)
  })

  it('autocomplete prints the setup for a shell and builds completions that know flag values', async () => {
    // oclif keeps completions in the CLI's cache directory: HARBORMASTER_CACHE_DIR when set, as harbormaster does.
    const env = {HARBORMASTER_CACHE_DIR: join(tmp.dir, 'cache'), HOME: tmp.dir}
    const setup = await runCli(['autocomplete', 'zsh'], {env})
    expect(setup.code, setup.stderr).toBe(0)
    expect(setup.stdout).toMatch(/harbormaster autocomplete script zsh/)
    const zsh = readFileSync(join(tmp.dir, 'cache', 'autocomplete', 'functions', 'zsh', '_harbormaster'), 'utf8')
    expect(zsh).toMatch(/--role"\[What the user may do\.\]:role options:\(ADMIN OPERATOR VIEWER\)"/)
    const script = await runCli(['autocomplete', 'script', 'bash'], {env})
    expect(script.stdout).toMatch(/HARBORMASTER_AC_BASH_SETUP_PATH=.*bash_setup/)
  })
})
