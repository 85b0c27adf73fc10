// The health-check job through the CLI against local provider servers: NWS goes down and comes back between
// runs (a fake clock steps 5 minutes a run), which gives exactly two alert events, notified to the ADMIN
// only (database and webhook copies), and the uptime `providers status` shows; a disabled provider is not
// called; probes count against the quota; the job is in `schedule list` and `jobs list`.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {count, ROOT, runCli, tempDir, withDb} from '../helpers/cli.js'
import {contractProblems} from '../helpers/contract.js'
import {type FaultServer, startFaultServer} from '../helpers/fault-server.js'
import {type JsonServer, startAisstreamServer, startJsonServer, startNmeaTcpServer} from '../helpers/feeds.js'
import {runInProcess} from '../helpers/in-process.js'
import {withTimesAround} from '../helpers/nws-server.js'
import {backend, firstUseDb} from '../helpers/template.js'

const T0 = Date.parse('2026-11-24T12:00:00Z')
const at = (run: number) => new Date(T0 + run * 5 * 60_000).toISOString()
const capture = withTimesAround(readFileSync(join(ROOT, 'data', 'weather', 'nws-alerts-active-1.json'), 'utf8'), T0)
const ALERTS = '/alerts/active'
const MARINE = '/v1/marine'

const tmp = tempDir()
let nws: FaultServer
let hooks: JsonServer

beforeAll(async () => {
  nws = await startFaultServer()
  hooks = await startJsonServer({status: 204, body: ''})
})
afterAll(async () => {
  await nws.close()
  await hooks.close()
  tmp.cleanup()
})

describe('health-check', () => {
  it('a provider down for one run of four: two alert events to the ADMIN only, 75 % uptime, counted against its quota; a disabled provider is not probed', async () => {
    const db = firstUseDb(join(tmp.dir, 'probes', 'harbormaster.db'))
    const env = {
      HARBORMASTER_NWS_URL: nws.url,
      HARBORMASTER_OPEN_METEO_URL: `${nws.url}${MARINE}`,
      HARBORMASTER_PROBES_DISABLED: 'open-meteo',
      HARBORMASTER_QUOTAS: 'nws=100/day',
      // Retries are the probe's own business (none): the configured ones must not make it call twice.
      HARBORMASTER_HTTP_RETRIES: '3',
    }
    for (const [name, role] of [
      ['harbour-admin', 'ADMIN'],
      ['duty-operator', 'OPERATOR'],
    ]) {
      const added = await runInProcess(['users', 'add', name, '--role', role, '--webhook', `${hooks.url}?user=${name}`, '--db', db], {env: {HARBORMASTER_NOW: at(0)}})
      expect(added.code, added.stderr).toBe(0)
    }
    // Up, down, up, up: the script's last answer repeats.
    nws.script(ALERTS, [{ok: capture}, {status: 503}, {ok: capture}])
    nws.script(MARINE, [{json: {latitude: 53.5, longitude: 4.5, current: {time: T0 / 1000, wave_height: 1.2}}}])

    const runs = []
    for (let run = 0; run < 4; run++) {
      const args = ['providers', 'probe', '--json', '--db', db]
      const options = {env: {...env, HARBORMASTER_NOW: at(run)}}
      // The last run is the real process, as cron starts it.
      const result = run === 3 ? await runCli(args, options) : await runInProcess(args, options)
      expect(result.code, result.stderr).toBe(0)
      const document = JSON.parse(result.stdout)
      expect(contractProblems('providers probe', document)).toEqual([])
      runs.push(document.summary)
    }
    expect(nws.hits.get(ALERTS)).toHaveLength(4)
    expect(nws.hits.get(MARINE) ?? []).toHaveLength(0)
    expect(runs.map((s) => s.probes.find((p: {target: string}) => p.target === 'nws').status)).toEqual(['up', 'down', 'up', 'up'])
    expect(runs[0].disabled).toEqual(['open-meteo'])
    expect(runs[0].not_configured).toEqual(['aishub', 'aisstream', 'nmea-tcp'])
    // Free disk is the SQLite file's; a PostgreSQL server's disk is its own host's business.
    expect(runs[0].probes.map((p: {target: string}) => p.target)).toEqual(backend() === 'sqlite' ? ['nws', 'database', 'disk'] : ['nws', 'database'])
    expect(runs.map((s) => s.transitions.map((t: {provider: string; transition: string}) => `${t.provider} ${t.transition}`))).toEqual([[], ['nws down'], ['nws up'], []])
    expect(runs[1].transitions[0].error).toMatch(/HTTP 503/)

    // Exactly two events, down then up: the return resolves the down event, and is resolved as it is opened.
    const events = withDb(db, (d) =>
      d.prepare(`SELECT id, target, metric, current_value, is_resolved, triggered_at, resolved_at, metadata FROM alert_events ORDER BY id`).all(),
    ) as Array<{id: number; target: string; metric: string; current_value: number; is_resolved: number | boolean; triggered_at: number; resolved_at: number; metadata: string | {transition: string}}>
    const transition = (m: string | {transition: string}) => (typeof m === 'string' ? (JSON.parse(m) as {transition: string}) : m).transition
    expect(events.map((e) => [e.target, e.metric, Number(e.current_value), transition(e.metadata)])).toEqual([
      ['nws', 'provider.up', 0, 'down'],
      ['nws', 'provider.up', 1, 'up'],
    ])
    expect(events.map((e) => [new Date(Number(e.triggered_at)).toISOString(), Boolean(e.is_resolved), new Date(Number(e.resolved_at)).toISOString()])).toEqual([
      [at(1), true, at(2)],
      [at(2), true, at(2)],
    ])
    // Notified to the ADMIN alone, once per event: a database copy and a webhook delivered.
    const notified = withDb(db, (d) =>
      d.prepare(`SELECT u.name, n.channel, n.status, n.alert_event_id FROM notifications n JOIN users u ON u.id = n.user_id ORDER BY n.id`).all(),
    )
    expect(notified).toEqual([
      {name: 'harbour-admin', channel: 'database', status: 'stored', alert_event_id: events[0].id},
      {name: 'harbour-admin', channel: 'webhook', status: 'sent', alert_event_id: events[0].id},
      {name: 'harbour-admin', channel: 'database', status: 'stored', alert_event_id: events[1].id},
      {name: 'harbour-admin', channel: 'webhook', status: 'sent', alert_event_id: events[1].id},
    ])
    expect(hooks.requests).toEqual(['/ws.php?user=harbour-admin', '/ws.php?user=harbour-admin'])
    expect(count(db, `SELECT count(*) FROM provider_probes WHERE target = 'nws'`)).toBe(4)

    const status = await runInProcess(['providers', 'status', '--json', '--db', db], {env: {...env, HARBORMASTER_NOW: at(3)}})
    expect(status.code, status.stderr).toBe(0)
    const document = JSON.parse(status.stdout)
    expect(contractProblems('providers status', document)).toEqual([])
    const byName = new Map(document.providers.map((p: {provider: string}) => [p.provider, p]))
    expect(byName.get('nws')).toMatchObject({
      // Four probes, one call each: the quota counts them.
      usage: {used: 4, limit: 100, state: 'ok'},
      probes: {enabled: true, last_probed_at: at(3), last_status: 'up', probes_24h: 4, uptime_24h_percent: 75, probes_7d: 4, uptime_7d_percent: 75},
    })
    const nwsProbes = (byName.get('nws') as {probes: {response_ms_p50: number; response_ms_p95: number}}).probes
    expect(nwsProbes.response_ms_p95).toBeGreaterThanOrEqual(nwsProbes.response_ms_p50)
    expect(byName.get('open-meteo')).toMatchObject({usage: {used: 0}, probes: {enabled: false, probes_7d: 0, uptime_24h_percent: null}})

    // The availability rule the events belong to is an ordinary alert rule.
    const rules = JSON.parse((await runInProcess(['alerts', 'list', '--json', '--db', db])).stdout)
    expect(rules.rules).toEqual([expect.objectContaining({name: 'provider availability', metric: 'provider.up', target_kind: 'provider', operator: '==', threshold: 0})])

    // The job is in the schedule and the job list, with its last run.
    const schedules = JSON.parse((await runInProcess(['schedule', 'list', '--json', '--db', db], {env: {HARBORMASTER_NOW: at(3)}})).stdout)
    expect(schedules.schedules.find((s: {name: string}) => s.name === 'health-check')).toMatchObject({in_words: 'every 5 minutes'})
    const jobs = JSON.parse((await runInProcess(['jobs', 'list', '--json', '--db', db], {env: {HARBORMASTER_NOW: at(3)}})).stdout)
    expect(jobs.jobs.find((j: {job: string}) => j.job === 'health-check')).toMatchObject({schedule: '*/5 * * * *', last_status: 'success', last_run_at: at(3)})
  })

  it('AIS sources: AISHub asked for a small box, aisstream subscribed (a refused key is down), the NMEA feed connected', async () => {
    const db = firstUseDb(join(tmp.dir, 'ais', 'harbormaster.db'))
    const aishub = await startJsonServer({status: 200, body: JSON.stringify([{ERROR: false, USERNAME: 'AH_TEST', FORMAT: 'HUMAN', RECORDS: 0}, []])})
    const aisstream = await startAisstreamServer({apiKey: 'the-right-key', frames: []})
    const feed = await startNmeaTcpServer([])
    try {
      const result = await runInProcess(['providers', 'probe', '--json', '--db', db], {
        env: {
          HARBORMASTER_NOW: at(0),
          HARBORMASTER_PROBES_DISABLED: 'nws,open-meteo',
          AISHUB_USERNAME: 'AH_TEST',
          HARBORMASTER_AISHUB_URL: aishub.url,
          AISSTREAM_API_KEY: 'a-wrong-key',
          HARBORMASTER_AISSTREAM_URL: aisstream.url,
          HARBORMASTER_AIS_SOURCE: `nmea-tcp:127.0.0.1:${feed.port}`,
        },
      })
      expect(result.code, result.stderr).toBe(0)
      const summary = JSON.parse(result.stdout).summary
      const byTarget = Object.fromEntries(summary.probes.map((p: {target: string}) => [p.target, p]))
      expect(byTarget.aishub).toMatchObject({status: 'up', detail: '0 records in the box'})
      expect(new URL(aishub.requests[0], 'http://x').searchParams.get('latmin')).toBe('51')
      expect(byTarget.aisstream).toMatchObject({status: 'down', error: expect.stringMatching(/refused the subscription: Api Key Is Not Valid/)})
      expect(aisstream.subscriptions).toEqual([expect.objectContaining({APIKey: 'a-wrong-key', BoundingBoxes: [[[51, 1.4], [51.1, 1.5]]]})])
      expect(byTarget['nmea-tcp']).toMatchObject({status: 'up'})
      expect(feed.connections).toBe(1)
      expect(summary.transitions.map((t: {provider: string; transition: string}) => `${t.provider} ${t.transition}`)).toEqual(['aisstream down'])
      // The key and the user name appear nowhere in what is printed or stored.
      expect(result.stdout + result.stderr).not.toMatch(/a-wrong-key|AH_TEST/)
    } finally {
      await Promise.all([aishub.close(), aisstream.close(), feed.close()])
    }
  })

  it('cleanup deletes probes past their retention', async () => {
    const db = firstUseDb(join(tmp.dir, 'cleanup', 'harbormaster.db'))
    const old = T0 - 31 * 86_400_000
    withDb(db, (d) => {
      const insert = d.prepare(`INSERT INTO provider_probes (target, probed_at, status, response_ms) VALUES (?, ?, ?, ?)`)
      insert.run('nws', old, 'up', 120)
      insert.run('nws', T0 - 86_400_000, 'down', 5)
    })
    const result = await runInProcess(['cleanup', '--json', '--db', db], {env: {HARBORMASTER_NOW: new Date(T0).toISOString()}})
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).summary.deleted.provider_probes).toBe(1)
    expect(count(db, `SELECT count(*) FROM provider_probes`)).toBe(1)
  })
})
