import {JobCommand} from '../../cli/job-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class ProvidersQuotaMonitor extends JobCommand<typeof ProvidersQuotaMonitor> {
  static override summary = "Judge each provider's use against its quota: fallback at 95 %, blocked at 100 %, lifted when the window resets."
  static override description = `The quota-monitor job (every minute). Quotas come from HARBORMASTER_QUOTAS. Its verdict is stored in the
provider's state and the next call obeys it: at 95 % the dataset is served from its fallback without calling
the provider, at 100 % the provider is not called; when the window resets the failover is lifted. Each
threshold (80, 95, 100 %) crossed raises one alert event per window (rules "provider quota N %"), notified
to ADMINs; \`alerts disable <id>\` silences one.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    'HARBORMASTER_QUOTAS=nws=1000/day,aishub=100000/month <%= config.bin %> <%= command.id %>',
  ]

  async run(): Promise<ResultOf<'providers quota-monitor'>> {
    return this.runRegistryJob('quota-monitor')
  }
}
