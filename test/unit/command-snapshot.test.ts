// Every command's id, flags and arguments, snapshotted: a renamed flag breaks crontab lines and scripts,
// so a change here must be deliberate (update test/command-snapshot.json in the same commit).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

it('commands and their flags are as recorded in test/command-snapshot.json', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, {flags: Record<string, unknown>; args?: Record<string, unknown>}>
  }
  const actual = Object.fromEntries(
    Object.entries(manifest.commands)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, c]) => [id.replaceAll(':', ' '), {flags: Object.keys(c.flags).sort(), args: Object.keys(c.args ?? {})}]),
  )
  const recorded = JSON.parse(readFileSync(join(ROOT, 'test', 'command-snapshot.json'), 'utf8'))
  expect(actual).toEqual(recorded)
})

it('every command shows examples in its help', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {examples?: unknown[]}>}
  const without = Object.entries(manifest.commands)
    .filter(([, c]) => !c.examples || c.examples.length === 0)
    .map(([id]) => id)
  expect(without).toEqual([])
})
