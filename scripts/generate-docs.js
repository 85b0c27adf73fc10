#!/usr/bin/env node
// Writes what is generated from the code (run after `npm run build`): the schemas/ folder (each command's
// --json result as JSON Schema) and the README's configuration table. Tests fail when either is out of step.
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {schemaFiles} from '../dist/schemas/commands.js'
import {readmeWithSettingsTable} from '../dist/render/settings-table.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const folder = join(root, 'schemas')
mkdirSync(folder, {recursive: true})
const files = schemaFiles()
for (const name of readdirSync(folder)) if (!files.has(name)) rmSync(join(folder, name))
for (const [name, text] of files) writeFileSync(join(folder, name), text)
const readme = join(root, 'README.md')
writeFileSync(readme, readmeWithSettingsTable(readFileSync(readme, 'utf8')))
console.log(`wrote ${files.size} schemas to schemas/ and the configuration table of README.md`)
