// harbormaster's own name and version (from package.json), for User-Agent headers and --version.
import {PACKAGE_JSON} from './package-root.js'

export const VERSION = PACKAGE_JSON.version
export const USER_AGENT = `harbormaster/${VERSION} (maritime analytics jobs; https://github.com/harbormaster)`
