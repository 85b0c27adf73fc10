// The web page's assets, all from the package (no CDN): htmx and uPlot from their npm packages, harbormaster's
// own app.css and app.js from its web/ folder. Read once, gzipped once, served under /assets/ with long cache
// headers; each page links them with their content hash, so a new release is fetched at once.
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import type {FastifyPluginAsync} from 'fastify'

import {PACKAGE_ROOT} from '../package-root.js'

const require = createRequire(import.meta.url)
/** The package's web/ folder. */
const WEB_DIR = join(PACKAGE_ROOT, 'web')

/** Every asset the page may load, by the name it is served under. */
export const WEB_ASSETS = {
  'htmx.min.js': {file: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8'},
  'uPlot.iife.min.js': {file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8'},
  'uPlot.min.css': {file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8'},
  'app.js': {file: () => join(WEB_DIR, 'app.js'), type: 'text/javascript; charset=utf-8'},
  'app.css': {file: () => join(WEB_DIR, 'app.css'), type: 'text/css; charset=utf-8'},
} as const
export type WebAssetName = keyof typeof WEB_ASSETS

export interface LoadedAsset {
  name: WebAssetName
  type: string
  body: Buffer
  gzipped: Buffer
  /** The first 12 hex digits of the content's sha256. */
  hash: string
}

let loaded: Map<WebAssetName, LoadedAsset> | undefined

/** The assets, read and compressed on first use. */
export function webAssets(): Map<WebAssetName, LoadedAsset> {
  if (!loaded) {
    loaded = new Map()
    for (const [name, spec] of Object.entries(WEB_ASSETS) as Array<[WebAssetName, (typeof WEB_ASSETS)[WebAssetName]]>) {
      const body = readFileSync(spec.file())
      loaded.set(name, {name, type: spec.type, body, gzipped: gzipSync(body, {level: 9}), hash: createHash('sha256').update(body).digest('hex').slice(0, 12)})
    }
  }
  return loaded
}

/** Where a page links an asset: its path with its content hash, so it can be cached for a year. */
export function assetUrl(name: WebAssetName): string {
  const asset = webAssets().get(name)
  return `/assets/${asset?.hash}/${name}`
}

const YEAR_SECONDS = 365 * 24 * 3600

/** GET /assets/<hash>/<name>: an asset, gzipped when the browser takes it; outside the rate limit (a page load asks for five). */
export const assetRoutes: FastifyPluginAsync = async (app) => {
  const assets = webAssets()
  app.get<{Params: {hash: string; name: string}}>('/assets/:hash/:name', {config: {rateLimit: false}}, async (req, reply) => {
    const asset = assets.get(req.params.name as WebAssetName)
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such asset')
    // An old hash is answered with today's content, but not kept for a year.
    const current = req.params.hash === asset.hash
    reply
      .header('content-type', asset.type)
      .header('cache-control', current ? `public, max-age=${YEAR_SECONDS}, immutable` : 'no-cache')
      .header('etag', `"${asset.hash}"`)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff')
    if (req.headers['if-none-match'] === `"${asset.hash}"`) return reply.code(304).send()
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzipped)
    return reply.send(asset.body)
  })
}
