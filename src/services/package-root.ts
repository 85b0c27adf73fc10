// Where harbormaster's package is on disk (the folder with its package.json, beside data/, drizzle/, web/),
// found by walking up from this module: the same answer from src/ (tests, bin/dev.js), from dist/ and from
// the bundled commands' chunks, which sit at another depth.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

interface PackageJson {
  name: string
  version: string
}

function findPackage(from: string): {root: string; json: PackageJson} {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as PackageJson
      if (json.name === 'harbormaster') return {root: dir, json}
    }
    if (dirname(dir) === dir) throw new Error(`harbormaster's package.json was not found above ${from}`)
  }
}

const found = findPackage(dirname(fileURLToPath(import.meta.url)))
export const PACKAGE_ROOT = found.root
/** harbormaster's package.json, read once while finding the folder. */
export const PACKAGE_JSON: PackageJson = found.json
