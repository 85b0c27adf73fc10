// The logger on its own: text and JSON lines, levels per destination, child bindings, credentials redacted
// by field name and configured secrets masked wherever they appear, in stderr's lines and the log file.
import {mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {createLogger, textLine} from '../../src/services/log/logger.js'
import {tempDir} from '../helpers/cli.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

/** Resolves once `done()` holds (checked each turn of the event loop). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve))
}

/** Lines the logger would write to stderr, kept in memory. */
function capture() {
  const lines: string[] = []
  return {lines, destination: {write: (line: string) => void lines.push(line)}}
}

describe('text lines', () => {
  it('LEVEL message (fields), the time first when asked, bindings before the call\'s fields', () => {
    const out = capture()
    const log = createLogger({level: 'info', format: 'text', timestamps: true, destination: out.destination})
    log.child({job: 'vessels'}).warn('AIS data is the shipped sample capture', {since: '2026-11-24T12:00:00.000Z', count: 3, detail: {a: 1}})
    log.info('plain 100 % sure, %s stays')
    log.debug('not shown at info')
    expect(out.lines).toHaveLength(2)
    expect(out.lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARNING AIS data is the shipped sample capture \(job=vessels, since=2026-11-24T12:00:00.000Z, count=3, detail=\{"a":1\}\)\n$/)
    expect(out.lines[1]).toMatch(/Z INFO plain 100 % sure, %s stays\n$/)
  })

  it('goes through process.stderr.write while a caller that runs commands in-process has replaced it', () => {
    const written: string[] = []
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write
    try {
      const log = createLogger({level: 'info', format: 'text'})
      log.warn('AIS data is the shipped sample capture', {job: 'vessels'})
      log.print('Error: something to fix\n')
    } finally {
      // The replacement is an own property; removing it brings back the stream's own write.
      delete (process.stderr as {write?: unknown}).write
    }
    expect(written).toEqual(['WARNING AIS data is the shipped sample capture (job=vessels)\n', 'Error: something to fix\n'])
  })

  it('a terminal gets no time and a painted level word', () => {
    const line = textLine({level: 'error', time: '2026-11-24T12:00:00.000Z', msg: 'lost the lease', pid: 1, hostname: 'h'}, {paint: (level, text) => `<${level}>${text}</>`})
    expect(line).toBe('<error>ERROR</> lost the lease\n')
  })
})

describe('JSON lines', () => {
  it('one object per line: level word, ISO time, msg, pid, hostname, bindings and fields', () => {
    const out = capture()
    const log = createLogger({level: 'debug', format: 'json', destination: out.destination})
    log.child({job: 'ports'}).child({run: 7}).debug('started', {attempt: 1})
    const record = JSON.parse(out.lines[0])
    expect(record).toMatchObject({level: 'debug', msg: 'started', job: 'ports', run: 7, attempt: 1, pid: process.pid})
    expect(new Date(record.time).toISOString()).toBe(record.time)
  })

  it('--quiet on stderr, everything from DEBUG in the log file', async () => {
    const out = capture()
    const file = join(tmp.dir, 'levels', 'deep', 'harbormaster.jsonl')
    const log = createLogger({level: 'warn', destination: out.destination, file})
    log.debug('d')
    log.info('i')
    log.warn('w')
    expect(out.lines).toEqual(['WARNING w\n'])
    // The file is written asynchronously, in order.
    await until(() => readFileSync(file, 'utf8').split('\n').length > 3)
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).msg)).toEqual(['d', 'i', 'w'])
  })

  it('a log file path that is a directory fails when the logger is made, with the path', () => {
    const dir = join(tmp.dir, 'a-directory')
    mkdirSync(dir)
    expect(() => createLogger({level: 'info', destination: capture().destination, file: dir})).toThrow(expect.objectContaining({code: 'EISDIR'}))
  })
})

describe('credentials', () => {
  it('fields named as credentials are redacted by pino; configured secrets are masked in messages and any field', async () => {
    const out = capture()
    const json = capture()
    const file = join(tmp.dir, 'secrets', 'harbormaster.jsonl')
    const secrets = ['hubuser-7Qx2mZ', 'https://hc.example.org/ping/5f1c3a9e-token-77/{job}']
    const text = createLogger({level: 'debug', format: 'text', destination: out.destination, secrets, file})
    const shipped = createLogger({level: 'debug', format: 'json', destination: json.destination, secrets})
    for (const log of [text, shipped]) {
      log.child({token: 'bound-token-123456'}).warn('AISHub refused the request: Too frequent requests from user hubuser-7Qx2mZ', {
        url: 'https://hc.example.org/ping/5f1c3a9e-token-77/vessels/fail',
        headers: {authorization: 'Bearer hm_abcdefghijklmnop'},
        config: {aishubUsername: 'someone-else-42', adminToken: 'admin-token-8c1e4b0f'},
        api_key: 'key-9f8e7d6c',
      })
    }
    await until(() => readFileSync(file, 'utf8').split('\n').length > 1)
    const written = [out.lines.join(''), json.lines.join(''), readFileSync(file, 'utf8')]
    for (const what of written) {
      for (const secret of ['hubuser-7Qx2mZ', '5f1c3a9e-token-77', 'bound-token-123456', 'hm_abcdefghijklmnop', 'someone-else-42', 'admin-token-8c1e4b0f', 'key-9f8e7d6c']) {
        expect(what).not.toContain(secret)
      }
      expect(what).toContain('AISHub refused the request: Too frequent requests from user ********')
    }
    expect(JSON.parse(json.lines[0])).toMatchObject({token: '********', headers: {authorization: '********'}, config: {aishubUsername: '********'}, api_key: '********'})
  })
})
