// Every command's id, flags, arguments and the values of fixed-choice flags, snapshotted: a renamed flag or
// a dropped value breaks crontab lines and scripts, so a change here must be deliberate (update
// test/command-snapshot.json in the same commit).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

it('commands, their flags and the values their fixed-choice flags take are as recorded in test/command-snapshot.json', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, {flags: Record<string, {options?: string[]}>; args?: Record<string, {options?: string[]}>}>
  }
  const actual = Object.fromEntries(
    Object.entries(manifest.commands)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, c]) => {
        // A value dropped from --job or --role breaks a crontab line as surely as a renamed flag.
        const options = Object.fromEntries(
          [...Object.entries(c.flags), ...Object.entries(c.args ?? {})]
            .filter(([, f]) => f.options)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, f]) => [name, f.options]),
        )
        return [id.replaceAll(':', ' '), {flags: Object.keys(c.flags).sort(), args: Object.keys(c.args ?? {}), ...(Object.keys(options).length > 0 ? {options} : {})}]
      }),
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
