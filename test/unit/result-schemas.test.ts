// Every command has a result schema; the schemas/ folder is what they generate; the lists that flags take
// their options from are the ones the services use.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect, it} from 'vitest'

import {COMMAND_IDS, schemaFiles} from '../../src/schemas/commands.js'
import {METRIC_NAMES} from '../../src/services/alerts/metric-names.js'
import {METRICS} from '../../src/services/alerts/metrics.js'
import {JOB_NAMES} from '../../src/services/jobs/names.js'
import {JOBS} from '../../src/services/jobs/registry.js'
import {ROOT} from '../helpers/cli.js'

it('gives every command a result schema, and no schema to a command that does not exist', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
  expect([...COMMAND_IDS].sort()).toEqual(Object.keys(manifest.commands).map((id) => id.replaceAll(':', ' ')).sort())
})

it('keeps schemas/ equal to what the schemas generate', () => {
  const folder = join(ROOT, 'schemas')
  const files = schemaFiles()
  expect(readdirSync(folder).sort()).toEqual([...files.keys()].sort())
  for (const [name, text] of files) expect(readFileSync(join(folder, name), 'utf8'), `schemas/${name} is out of step: run \`npm run build && npm run docs\``).toBe(text)
})

it('offers --metric the metrics the alert worker reads', () => {
  expect([...METRIC_NAMES]).toEqual(Object.keys(METRICS))
})

it('names the jobs as the registry holds them', () => {
  expect(JOBS.map((j) => j.name)).toEqual([...JOB_NAMES])
})
