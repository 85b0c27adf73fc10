// harbormaster's own name and version (from package.json), for User-Agent headers and --version.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {PACKAGE_ROOT} from './package-root.js'

const packageJson = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  version: string
}

export const VERSION = packageJson.version
export const USER_AGENT = `harbormaster/${VERSION} (maritime analytics jobs; https://github.com/harbormaster)`
