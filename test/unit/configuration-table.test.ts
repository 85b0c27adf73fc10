// The configuration is one table of settings: each has its variable, type, default and description; the
// README's table is made from it; harbormaster.config.json takes the same names.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {readmeWithSettingsTable} from '../../src/render/settings-table.js'
import {environmentSecrets, inspectConfig, loadConfig, SECRET_KEYS, SETTINGS, type SettingKey, settingName, type SettingSpec} from '../../src/services/config.js'
import {ROOT} from '../helpers/cli.js'

const keys = Object.keys(SETTINGS) as SettingKey[]
const spec = (key: SettingKey): SettingSpec => SETTINGS[key]

describe('the settings table', () => {
  it('gives every setting a variable of its own, a description, and a default (or says it stays unset)', () => {
    const envs = keys.map((key) => spec(key).env)
    expect(new Set(envs).size).toBe(envs.length)
    for (const key of keys) {
      const {env, description, type} = spec(key)
      expect(env, key).toMatch(/^(HARBORMASTER|AISSTREAM|AISHUB)_[A-Z0-9_]+$/)
      expect(description.length, key).toBeGreaterThan(10)
      const unsetAllowed = type.safeParse(undefined).success
      expect(spec(key).default !== undefined || unsetAllowed, `${key} has no default and cannot be unset`).toBe(true)
    }
  })

  it('holds defaults that its own types accept', () => {
    for (const key of keys) {
      const {default: value, type} = spec(key)
      if (value === undefined) continue
      const resolved = typeof value === 'function' ? value({HOME: '/home/operator'}) : value
      expect(type.safeParse(resolved).success, `${key}: default ${JSON.stringify(resolved)}`).toBe(true)
    }
  })

  it('marks the credentials, and masks them when it reports the settings', () => {
    expect([...SECRET_KEYS].sort()).toEqual(['adminToken', 'aishubUsername', 'aisstreamApiKey', 'pingUrl'])
    const env = {AISSTREAM_API_KEY: 'key-0123456789', HARBORMASTER_ADMIN_TOKEN: 'token-0123456789abcdef'}
    expect(environmentSecrets(env).sort()).toEqual(['key-0123456789', 'token-0123456789abcdef'])
    const report = inspectConfig({env, dbPath: join(tmpdir(), 'x.db')})
    expect(report.settings.aisstream_api_key).toMatchObject({value: '********', secret: true, from: 'environment'})
    expect(JSON.stringify(report.settings)).not.toContain('key-0123456789')
  })

  it('is what the README lists: its configuration table is made from it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    expect(readmeWithSettingsTable(readme), 'README.md is out of step: run `npm run build && npm run docs`').toBe(readme)
    for (const key of keys) expect(readme).toContain(`| \`${spec(key).env}\` | \`${settingName(key)}\` |`)
  })
})

describe('the settings\' types', () => {
  const bad = (key: SettingKey, raw: unknown) => {
    const result = spec(key).type.safeParse(raw)
    return result.success ? `took ${JSON.stringify(result.data)}` : result.error.issues[0]?.message
  }

  it('take what is valid, as the value the configuration holds', () => {
    const config = loadConfig({
      env: {HARBORMASTER_HTTP_RETRIES: '7', HARBORMASTER_PIRACY_BUFFER_QUANTILE: '0.5', HARBORMASTER_NOW: '2026-11-24T12:00:00.5+01:00', HARBORMASTER_LOG_FORMAT: 'json', HARBORMASTER_NWS_URL: 'http://127.0.0.1:8080/nws'},
      dbPath: '/tmp/h.db',
    })
    expect(config).toMatchObject({httpRetries: 7, piracyBufferQuantile: 0.5, now: '2026-11-24T12:00:00.5+01:00', logFormat: 'json', nwsUrl: 'http://127.0.0.1:8080/nws'})
  })

  it('refuse what is not, saying why', () => {
    expect(bad('httpRetries', '3.5')).toBe('Invalid input: expected int, received number')
    expect(bad('httpRetries', 'three')).toBe('Invalid input: expected number, received NaN')
    expect(bad('httpRetries', '11')).toBe('Too big: expected number to be <=10')
    expect(bad('httpRetries', '-1')).toBe('Too small: expected number to be >=0')
    expect(bad('httpTimeoutMs', '0')).toBe('Too small: expected number to be >0')
    expect(bad('piracyBufferQuantile', '1')).toBe('Too big: expected number to be <1')
    expect(bad('nwsUrl', 'api.weather.gov')).toBe('Invalid URL')
    expect(bad('logFormat', 'xml')).toBe('Invalid option: expected one of "text"|"json"')
    expect(bad('now', '24/11/2026')).toBe('Invalid ISO datetime')
    expect(bad('now', '2026-11-24T12:00:00')).toBe('Invalid ISO datetime')
    expect(bad('adminToken', 'short')).toBe('must be at least 16 characters')
    expect(bad('aisSource', 'carrier-pigeon')).toMatch(/^expected sample, nmea-file:PATH/)
    expect(bad('aisSource', 42)).toBe('Invalid input: expected string, received number')
    expect(bad('nwsUrl', undefined)).toBe('Invalid input: expected string, received undefined')
    expect(bad('adminToken', undefined)).toBe('took undefined')
  })
})

describe('harbormaster.config.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-config-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  const dbPath = join(dir, 'h.db')

  it('takes settings by the names config check shows; the environment wins over it', () => {
    writeFileSync(join(dir, 'harbormaster.config.json'), JSON.stringify({ais_source: 'nmea-udp:10110', http_retries: 5, quotas: 'nws=10/day'}))
    const config = loadConfig({env: {HARBORMASTER_QUOTAS: 'nws=20/day'}, dbPath})
    expect(config).toMatchObject({aisSource: 'nmea-udp:10110', httpRetries: 5, quotas: 'nws=20/day'})
    expect(inspectConfig({env: {}, dbPath}).settings.http_retries).toEqual({env: 'HARBORMASTER_HTTP_RETRIES', value: 5, from: 'file'})
  })

  it('refuses a key that names no setting, naming it', () => {
    writeFileSync(join(dir, 'harbormaster.config.json'), JSON.stringify({aisSource: 'sample'}))
    expect(() => loadConfig({env: {}, dbPath})).toThrow(/no setting aisSource \(the names are those `harbormaster config check` lists, e\.g\. ais_source\)/)
  })
})
