// The health-check job (every 5 minutes): each configured provider's lightest call (NWS one alert,
// Open-Meteo one point, AISHub a small box, aisstream a connect and subscribe, an NMEA TCP feed a connect),
// plus a database round trip and free disk, each timed and stored; a provider going down or coming back is
// an alert event for ADMINs. Probes count against quotas, are not made when the quota is at 95 %, and are
// turned off per provider by HARBORMASTER_PROBES_DISABLED.
import type {HealthCheckJobSummary} from '../../schemas/job-summaries.js'
import {raiseAvailabilityAlerts} from '../alerts/availability.js'
import {isCancelled, throwIfCancelled} from '../cancel.js'
import type {Context} from '../context.js'
import {databaseRoundTrip, insertProbes, type NewProbeRow} from '../db/provider-probes.js'
import {write} from '../db/transaction.js'
import {errorMessage} from '../errors.js'
import {deliverWebhooks} from '../safety/webhooks.js'
import {parseAisSource} from './ais/source-spec.js'
import {disabledProbes, PROVIDERS} from './registry.js'
import {checkQuota} from './usage.js'

export type {HealthCheckJobSummary} from '../../schemas/job-summaries.js'

type Probe = (ctx: Context) => Promise<string>

/** The providers that can be probed, each with its probe when the configuration lets it be called. */
function providerProbes(ctx: Context): Array<{provider: string; probe: Probe | null}> {
  const c = ctx.config
  const source = parseAisSource(c.aisSource)
  return [
    {provider: 'nws', probe: async (x) => (await import('./nws.js')).probeNws(x)},
    {provider: 'open-meteo', probe: async (x) => (await import('./open-meteo.js')).probeOpenMeteo(x)},
    {provider: 'aishub', probe: c.aishubUsername ? async (x) => (await import('./ais/aishub.js')).probeAishub(x, c.aishubUsername as string) : null},
    {
      provider: 'aisstream',
      probe: c.aisstreamApiKey ? async (x) => (await import('./ais/aisstream.js')).probeAisstream(x, {url: c.aisstreamUrl, apiKey: c.aisstreamApiKey as string}) : null,
    },
    {provider: 'nmea-tcp', probe: source.kind === 'nmea-tcp' ? async (x) => (await import('./ais/nmea-feed.js')).probeNmeaTcp(x, source.host, source.port) : null},
  ]
}

type Outcome = HealthCheckJobSummary['probes'][number]

/** Runs `probe`, timed with the wall clock (the job's clock may be fixed); a failure is a `down` outcome. */
async function timed(target: string, probe: () => Promise<string | null>): Promise<Outcome> {
  const started = performance.now()
  try {
    const detail = await probe()
    return {target, status: 'up', response_ms: Math.round((performance.now() - started) * 10) / 10, detail, error: null}
  } catch (error) {
    if (isCancelled(error)) throw error
    return {target, status: 'down', response_ms: Math.round((performance.now() - started) * 10) / 10, detail: null, error: errorMessage(error)}
  }
}

export async function runHealthCheck(ctx: Context): Promise<HealthCheckJobSummary> {
  const now = ctx.clock.now()
  const disabled = disabledProbes(ctx.config)
  for (const name of disabled) if (!PROVIDERS[name]) ctx.logger.warn(`HARBORMASTER_PROBES_DISABLED names ${name}, which is no provider`)
  const outcomes: Outcome[] = []
  const notConfigured: string[] = []
  const disabledShown: string[] = []
  // One at a time: each response time is its provider's alone.
  for (const {provider, probe} of providerProbes(ctx)) {
    throwIfCancelled(ctx.signal)
    if (disabled.has(provider)) {
      disabledShown.push(provider)
      continue
    }
    if (!probe) {
      notConfigured.push(provider)
      continue
    }
    const quota = await checkQuota(ctx, provider)
    if (quota.state === 'blocked' || quota.state === 'switch') {
      outcomes.push({target: provider, status: 'skipped', response_ms: null, detail: `quota at ${quota.used}/${quota.limit}`, error: null})
      continue
    }
    outcomes.push(await timed(provider, () => probe(ctx)))
  }
  outcomes.push(await timed('database', async () => (await databaseRoundTrip(ctx.db), null)))
  if (ctx.db.dialect === 'sqlite') {
    const {diskCheck} = await import('../health.js')
    const disk = diskCheck(ctx.db.path)
    outcomes.push({
      target: 'disk',
      status: disk.status === 'unhealthy' ? 'down' : 'up',
      response_ms: null,
      detail: disk.free_disk_percent === null ? null : `${disk.free_disk_percent} % free`,
      error: disk.status === 'unhealthy' || disk.free_disk_percent === null ? (disk.reason ?? null) : null,
    })
  }

  const rows: NewProbeRow[] = outcomes.map((o) => ({target: o.target, probedAt: now, status: o.status, responseMs: o.response_ms, error: o.error, detail: o.detail}))
  const providerOutcomes = outcomes
    .filter((o) => PROVIDERS[o.target] && o.status !== 'skipped')
    .map((o) => ({provider: o.target, up: o.status === 'up', at: now, error: o.error}))
  // The probes and the alerts they raise are stored together: a transition is never seen twice, nor lost.
  const {transitions, notifications} = await write(ctx.db, async () => {
    await insertProbes(ctx.db, rows)
    return raiseAvailabilityAlerts(ctx, providerOutcomes)
  })
  for (const t of transitions) {
    const message = `${t.provider} is ${t.transition === 'down' ? 'down' : 'back up'}${t.error ? `: ${t.error}` : ''}`
    if (t.transition === 'down') ctx.logger.warn(message)
    else ctx.logger.info(message)
  }
  const webhooks = notifications > 0 ? await deliverWebhooks(ctx) : {attempted: 0, sent: 0, failed: 0, pending: 0, queued: 0}
  const count = (status: Outcome['status']) => outcomes.filter((o) => o.status === status).length
  return {
    success: true,
    probes: outcomes,
    up: count('up'),
    down: count('down'),
    skipped: count('skipped'),
    disabled: disabledShown,
    not_configured: notConfigured,
    transitions,
    notifications,
    webhooks,
  }
}
