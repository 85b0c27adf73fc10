// harbormaster's own name and version (from package.json), for User-Agent headers and --version.
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const packageJson = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as {
  version: string
}

export const VERSION = packageJson.version
export const USER_AGENT = `harbormaster/${VERSION} (maritime analytics jobs; https://github.com/harbormaster)`
