import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
export default class ProvidersStatus extends BaseCommand<typeof ProvidersStatus> {
  static override summary = 'Show each outside provider: last success and error, cache age, usage, failover, probe uptime and response times.'
  static override quietHidesReport = false
  static override description = `A provider is failed over when its last answer was not live (it served the cache, the database or
shipped data); after HARBORMASTER_PROVIDER_FALLBACK_GRACE_MINUTES of that, health reports it degraded.
Usage is counted per quota window (HARBORMASTER_QUOTAS): at 80 % a warning, at 95 % the dataset switches to
its fallback, at 100 % the provider is not called until the window resets. Uptime (over 24 h and 7 d) and
p50/p95 response times come from the health-check job's probes (\`providers probe\`).`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'providers status'>> {
    const ctx = await this.context({readonly: true})
    const {providerCondition, providerStatuses} = await import('../../services/providers/status.js')
    const statuses = await providerStatuses(ctx)
    if (!this.jsonEnabled()) {
      const [{table}, {probeColumn}] = await Promise.all([import('../../render/terminal.js'), import('../../render/providers.js')])
      const p = this.painter(process.stdout)
      const paint = {degraded: p.bad, failed_over: p.warn, partly_failing: p.warn, ok: p.good, unused: p.dim} as const
      const rows = statuses.map((s) => [
        s.provider,
        ((condition) => paint[condition](condition.replace('_', ' ')))(providerCondition(s)),
        s.last_success_at ?? '-',
        s.last_error ? `${s.last_error_at} ${s.last_error.slice(0, 60)}` : '-',
        s.cache_age_seconds === null ? '-' : `${s.cache_age_seconds} s (${s.cache_entries})`,
        s.usage.limit === null ? `${s.usage.used}` : `${s.usage.used}/${s.usage.limit} ${s.usage.state}`,
        probeColumn(s.probes),
      ])
      this.log(table(['provider', 'status', 'last success', 'last error', 'cache age', 'usage', 'uptime 24 h / 7 d, p50/p95 ms'], rows, p))
      const zones = statuses.find((s) => s.provider === 'nws-zones')?.details
      if (zones && zones.alerts_waiting + zones.alerts_unplaceable > 0) {
        this.log(`nws-zones: ${zones.alerts_waiting} marine alerts wait for zone outlines, ${zones.alerts_unplaceable} name no zone that can be asked for`)
        for (const w of zones.warnings_without_outline) this.log(p.warn(`  ${w.event} (${w.alert_id}): ${w.reason}`))
      }
    }
    return {providers: statuses}
  }
}
