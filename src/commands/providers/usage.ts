import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class ProvidersUsage extends BaseCommand<typeof ProvidersUsage> {
  static override summary = "Each provider's calls per month: the closed months as quota-reset recorded them, and this month so far."
  static override quietHidesReport = false
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --months 3',
    '<%= config.bin %> <%= command.id %> --months 24 --json',
  ]

  static override flags = {
    months: Flags.integer({description: 'months to show, this one included', default: 12, min: 1, max: 240}),
  }

  async run(): Promise<ResultOf<'providers usage'>> {
    const ctx = await this.context({readonly: true})
    const {providerUsageMonths} = await import('../../services/providers/quota-reset.js')
    const usage = await providerUsageMonths(ctx, this.flags.months)
    if (!this.jsonEnabled()) {
      const {table} = await import('../../render/terminal.js')
      const p = this.painter(process.stdout)
      if (usage.totals.length === 0) this.log(`no provider calls counted since ${usage.first_month}`)
      else {
        const rows = usage.totals.map((t) => [t.month, t.provider, String(t.requests), String(t.windows), String(t.peak_window_requests), t.quota ?? '-', t.closed ? 'closed' : p.dim('so far')])
        this.log(table(['month', 'provider', 'requests', 'windows', 'busiest window', 'quota', ''], rows, p))
      }
    }
    return usage
  }
}
