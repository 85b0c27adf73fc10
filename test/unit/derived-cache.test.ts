// The cache of data derived from shipped data: keyed by content, written atomically, and a file that
// cannot be read is a miss (the data is rebuilt), never an error.
import {readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {cacheKey, defaultCacheDir, readDerived, writeDerived} from '../../src/services/cache/derived-cache.js'
import {tempDir} from '../helpers/cli.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

describe('derived data cache', () => {
  it('keys by every part, in order, so no two builds share a key', () => {
    expect(cacheKey(['a', 'bc'])).not.toBe(cacheKey(['ab', 'c']))
    expect(cacheKey(['x', Buffer.from('y')])).toBe(cacheKey(['x', 'y']))
    expect(cacheKey(['x'])).toMatch(/^[0-9a-f]{64}$/)
  })

  it('reads back what it wrote, leaving no temporary file', () => {
    const key = cacheKey(['zones', '1'])
    writeDerived(tmp.dir, 'zones', key, {zones: [1, 2, 3]})
    expect(readDerived(tmp.dir, 'zones', key)).toEqual({zones: [1, 2, 3]})
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('treats a truncated file, or one written for another key, as a miss', () => {
    const key = cacheKey(['zones', '2'])
    writeDerived(tmp.dir, 'zones', key, {zones: []})
    const file = readdirSync(tmp.dir).find((f) => f.startsWith(`zones-${key.slice(0, 32)}`)) as string
    writeFileSync(join(tmp.dir, file), '{"key": "')
    expect(readDerived(tmp.dir, 'zones', key)).toBeUndefined()
    writeFileSync(join(tmp.dir, file), JSON.stringify({key: cacheKey(['other']), value: {zones: [9]}}))
    expect(readDerived(tmp.dir, 'zones', key)).toBeUndefined()
    expect(readDerived(join(tmp.dir, 'missing'), 'zones', key)).toBeUndefined()
  })

  it('lives in the user cache directory unless told otherwise', () => {
    expect(defaultCacheDir({XDG_CACHE_HOME: '/var/cache/x'})).toBe('/var/cache/x/harbormaster')
    expect(defaultCacheDir({HOME: '/home/op'})).toBe('/home/op/.cache/harbormaster')
  })
})
