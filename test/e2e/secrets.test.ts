// Credentials never leave the process: a scripted sequence of commands, as an operator and cron would run
// them, with every credential setting set, providers that fail (one of them echoing the credential back in
// its error), --verbose and --json, a log file and the HTTP API's access log; each secret is then looked
// for in every output, every HTTP answer and the log file, and found 0 times.
import {existsSync, readFileSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {WebSocketServer} from 'ws'

import {runCli, tempDir, type CliResult, watchCli} from '../helpers/cli.js'
import {startFaultServer, type FaultServer} from '../helpers/fault-server.js'
import {startJsonServer, type JsonServer} from '../helpers/feeds.js'
import {firstUseDb} from '../helpers/template.js'

const SECRETS = {
  AISSTREAM_API_KEY: 'aisstream-key-3f9c2b7e1d55',
  AISHUB_USERNAME: 'hubuser-7Qx2mZ',
  HARBORMASTER_ADMIN_TOKEN: 'admin-token-8c1e4b0f9a2d7c65',
}
/** The token of the dead-man's-switch URL (the URL's path carries it, as healthchecks.io's do). */
const PING_TOKEN = 'pingtoken-5e2a91c4b7'
const NOW = '2026-11-24T12:00:00Z'

const tmp = tempDir()
const db = firstUseDb(join(tmp.dir, 'secrets', 'harbormaster.db'))
const logFile = join(tmp.dir, 'secrets', 'harbormaster.log')
let faults: FaultServer
let aishub: JsonServer
let aisstream: {url: string; subscriptions: string[]; close(): Promise<void>}
let env: Record<string, string>

/** Everything the sequence showed anyone: stdout and stderr of each command, each HTTP answer. */
const seen: Array<{what: string; text: string}> = []
async function run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const result = await runCli([...args, '--db', db], {env: {...env, ...extraEnv}})
  seen.push({what: `${args.join(' ')} (stdout)`, text: result.stdout}, {what: `${args.join(' ')} (stderr)`, text: result.stderr})
  return result
}

/** aisstream.io's protocol, answering every subscription with an error that quotes the key it was sent. */
async function startEchoingAisstream(): Promise<typeof aisstream> {
  const wss = new WebSocketServer({port: 0, host: '127.0.0.1'})
  await new Promise<void>((resolve) => wss.on('listening', () => resolve()))
  const subscriptions: string[] = []
  wss.on('connection', (ws) => {
    ws.once('message', (data) => {
      subscriptions.push(data.toString())
      const {APIKey} = JSON.parse(data.toString()) as {APIKey: string}
      ws.send(JSON.stringify({error: `Api Key ${APIKey} Is Not Valid`}))
      ws.close()
    })
  })
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v0/stream`,
    subscriptions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => resolve())
      }),
  }
}

beforeAll(async () => {
  faults = await startFaultServer()
  faults.script('/alerts/active', [{status: 500, body: '{"title":"Internal Server Error"}'}])
  faults.script('/marine', [{status: 503, body: '{"reason":"maintenance"}'}])
  // AISHub's own error reply, quoting the username it was sent.
  aishub = await startJsonServer({
    status: 200,
    body: JSON.stringify([{ERROR: true, USERNAME: SECRETS.AISHUB_USERNAME, FORMAT: 'HUMAN', RECORDS: 0, ERROR_MESSAGE: `Too frequent requests from user ${SECRETS.AISHUB_USERNAME}`}]),
  })
  aisstream = await startEchoingAisstream()
  env = {
    ...SECRETS,
    HARBORMASTER_PING_URL: `${faults.url}/ping/${PING_TOKEN}/{job}`,
    HARBORMASTER_LOG_FILE: logFile,
    HARBORMASTER_NWS_URL: faults.url,
    HARBORMASTER_OPEN_METEO_URL: `${faults.url}/marine`,
    HARBORMASTER_AISHUB_URL: aishub.url,
    HARBORMASTER_AISSTREAM_URL: aisstream.url,
    HARBORMASTER_AIS_SOURCE: 'aishub',
    HARBORMASTER_HTTP_RETRIES: '1',
    HARBORMASTER_JOB_RETRY_BASE_MS: '0',
    HARBORMASTER_NOW: NOW,
  }
})

afterAll(async () => {
  await faults.close()
  await aishub.close()
  await aisstream.close()
  tmp.cleanup()
})

describe('secrets in a scripted sequence of commands', () => {
  it('configuration reports mask every credential, in text, --json and --verbose', async () => {
    const text = await run(['config', 'check'])
    expect(text.stdout).toMatch(/aishub_username\s+AISHUB_USERNAME\s+\*{8}/)
    expect(text.stdout).toMatch(/admin_token\s+HARBORMASTER_ADMIN_TOKEN\s+\*{8}/)
    const json = await run(['config', 'check', '--json'])
    const report = JSON.parse(json.stdout)
    for (const key of ['aisstream_api_key', 'aishub_username', 'admin_token', 'ping_url']) expect(report.settings[key].value).toBe('********')
    await run(['config', 'check', '--verbose'])
    const worker = await run(['alert-worker', '--config-check', '--json'])
    expect(JSON.parse(worker.stdout).settings.aishub_username.value).toBe('********')
    // A broken setting beside them: every value listed, the bad one marked, the secrets still masked.
    const broken = await run(['config', 'check', '--json'], {HARBORMASTER_QUOTAS: 'nws=lots'})
    expect(broken.code).toBe(2)
    expect(JSON.parse(broken.stdout).settings.quotas.problem).toMatch(/provider=N/)
  })

  it('jobs whose providers fail (and echo the credential back) keep it out of stdout, stderr, --json and the log file', async () => {
    const all = await run(['run-background-jobs', '--verbose'])
    expect(all.code).toBe(0)
    expect(all.stderr).toMatch(/AISHub refused the request: Too frequent requests from user \*{8}/)
    const vesselsJson = await run(['run-background-jobs', '--job', 'vessels', '--json', '--verbose', '--duration', '2'], {HARBORMASTER_AIS_SOURCE: 'aisstream'})
    expect(JSON.parse(vesselsJson.stdout).jobs.vessel_positions.fallback_reason).toBeDefined()
    await run(['jobs', 'run', 'vessels', '--json'])
    await run(['providers', 'status'])
    await run(['providers', 'status', '--json', '--verbose'])
    await run(['jobs', 'history', '--json'])
    await run(['health', '--json', '--verbose'])
    await run(['check-events', '--verbose'])
    // The credentials were in play: sent to the providers, which answered with them.
    expect(aishub.requests.some((r) => r.includes(`username=${SECRETS.AISHUB_USERNAME}`))).toBe(true)
    expect(aisstream.subscriptions.some((s) => s.includes(SECRETS.AISSTREAM_API_KEY))).toBe(true)
    expect([...faults.hits.keys()].some((path) => path.includes(PING_TOKEN))).toBe(true)
  })

  it("the HTTP API's answers and its access log (with a token put in a query string) hold no credential", async () => {
    const serve = watchCli(['serve', '--port', '0', '--verbose', '--db', db], {env})
    const [, base] = await serve.stderrMatching(/listening on (http:\/\/[\d.:]+)/)
    const call = async (method: string, path: string, token?: string) => {
      const response = await fetch(`${base}${path}`, {method, headers: token ? {authorization: `Bearer ${token}`} : {}})
      const text = await response.text()
      seen.push({what: `${method} ${path}`, text})
      return {status: response.status, body: text ? JSON.parse(text) : null}
    }
    const admin = SECRETS.HARBORMASTER_ADMIN_TOKEN
    expect((await call('GET', '/api/system/health/')).status).toBe(200)
    expect((await call('GET', `/api/ports/congestion/?page_size=1&token=${admin}`, admin)).status).toBe(400)
    expect((await call('GET', `/api/system/health/?access_token=${SECRETS.AISSTREAM_API_KEY}`)).status).toBe(200)
    expect((await call('GET', '/api/ports/congestion/?page_size=1', admin)).status).toBe(200)
    const live = await call('GET', '/api/live-vessels/?bbox=23.0,37.5,24.0,38.2', admin)
    expect(live.body.metadata.reason).toMatch(/AISHub refused the request/)
    expect((await call('GET', '/api/cache/aishub/', admin)).status).toBe(200)
    const refresh = await call('POST', '/api/tasks/aishub/refresh/', admin)
    expect(refresh.status).toBe(202)
    // A worker runs the queued refresh (AISHub refuses it, echoing the user name).
    const worked = await run(['worker', '--drain', '--json', '--verbose'])
    expect(worked.code, worked.stderr).toBe(0)
    expect(JSON.parse(worked.stdout).per_type['provider:refresh']).toMatchObject({completed: 1, failed: 0})
    serve.child.kill('SIGTERM')
    const result = await serve.done
    expect(result.code).toBe(0)
    seen.push({what: 'serve (stdout)', text: result.stdout}, {what: 'serve (stderr)', text: result.stderr})
    // The access log did record the requests, with the query values masked.
    expect(result.stderr).toMatch(/"url":"\/api\/ports\/congestion\/\?page_size=1&token=\*{8}"/)
    expect(result.stderr).toMatch(/"url":"\/api\/system\/health\/\?access_token=\*{8}"/)
  })

  it('finds each secret 0 times in every output, every HTTP answer and the log file', () => {
    expect(existsSync(logFile)).toBe(true)
    const log = readFileSync(logFile, 'utf8')
    expect(log).toMatch(/AISHub refused the request/)
    const everything = [...seen, {what: 'log file', text: log}]
    expect(everything.length).toBeGreaterThan(30)
    const found: string[] = []
    for (const secret of [...Object.values(SECRETS), PING_TOKEN]) {
      for (const {what, text} of everything) if (text.includes(secret)) found.push(`${secret} in ${what}`)
    }
    expect(found).toEqual([])
  })
})
