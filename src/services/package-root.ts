// Where harbormaster's package is on disk (the folder with its package.json, beside data/, drizzle/, web/),
// found by walking up from this module: the same answer from src/ (tests, bin/dev.js), from dist/ and from
// the bundled commands' chunks, which sit at another depth.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as {name?: string}).name === 'harbormaster') return dir
    if (dirname(dir) === dir) throw new Error(`harbormaster's package.json was not found above ${from}`)
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
