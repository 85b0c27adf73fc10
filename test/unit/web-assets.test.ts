// The web page's JavaScript budget: every script a page loads, as served (gzip), is under 150 KB in total; and
// every asset a page links is one the server has, linked by its content hash.
import {gunzipSync} from 'node:zlib'

import {describe, expect, it} from 'vitest'

import type {Context} from '../../src/services/context.js'
import {webAssets} from '../../src/services/web/assets.js'
import {html} from '../../src/services/web/html.js'
import {pageDocument} from '../../src/services/web/layout.js'

const JS_BUDGET_BYTES = 150 * 1024

describe('web page assets', () => {
  const page = pageDocument({ctx: {} as Context, user: {name: 'vera', role: 'VIEWER'}, csrf: 'token', url: '/'}, {key: 'overview', title: 'Overview', body: html`<p>x</p>`}).text
  const linked = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])
  const assets = webAssets()

  it('links only assets the server has, each by its content hash', () => {
    expect(linked.length).toBe(5)
    for (const url of linked) {
      const [, , hash, name] = url.split('/')
      const asset = assets.get(name as never)
      expect(asset, url).toBeDefined()
      expect(hash).toBe(asset?.hash)
      expect(gunzipSync(asset!.gzipped).equals(asset!.body)).toBe(true)
    }
  })

  it('keeps the JavaScript a page loads under 150 KB gzip-compressed in total', () => {
    const scripts = linked.filter((url) => url.endsWith('.js')).map((url) => assets.get(url.split('/')[3] as never)!)
    expect(scripts.map((s) => s.name).sort()).toEqual(['app.js', 'htmx.min.js', 'uPlot.iife.min.js'])
    const total = scripts.reduce((sum, s) => sum + s.gzipped.length, 0)
    console.log(`web page JavaScript: ${(total / 1024).toFixed(1)} KB gzip-compressed (${scripts.map((s) => `${s.name} ${(s.gzipped.length / 1024).toFixed(1)} KB`).join(', ')})`)
    expect(total).toBeLessThan(JS_BUDGET_BYTES)
  })
})
