import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class AlertWorker extends BaseCommand<typeof AlertWorker> {
  static override summary = 'Evaluate the alert rules on an interval: open alert events when thresholds are crossed, resolve them after.'
  static override description = `Runs until SIGINT or SIGTERM (the current cycle finishes first, then the statistics are printed and
the worker exits 0). A cycle that fails (a locked or broken database) is logged and the next runs after a
backoff. Readings older than a rule's freshness window are skipped and counted. New alert events notify the
users watching their vessel, port or area (job and provider alerts: every ADMIN).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --interval 30',
    '<%= config.bin %> <%= command.id %> --once            # one real cycle, for cron',
    '<%= config.bin %> <%= command.id %> --dry-run         # what one cycle would open and resolve; writes nothing',
    '<%= config.bin %> <%= command.id %> --config-check',
  ]

  static override runsUntilStopped = true

  static override flags = {
    interval: Flags.integer({char: 'i', description: 'Seconds between cycles.', default: 30, min: 1, exclusive: ['once', 'dry-run', 'config-check']}),
    once: Flags.boolean({description: 'Run one cycle and exit.', exclusive: ['dry-run', 'config-check']}),
    'dry-run': Flags.boolean({description: 'Show what one cycle would open and resolve; write nothing.', exclusive: ['config-check']}),
    'config-check': Flags.boolean({description: 'Check configuration, database, tables and migrations; exit 0 or 2.'}),
  }

  async run(): Promise<ResultOf<'alert-worker'>> {
    if (this.flags['config-check']) return this.reportSystemCheck()
    const ctx = await this.context({readonly: this.flags['dry-run']})
    if (this.flags['dry-run']) {
      const {dryRunCycle} = await import('../services/alerts/views.js')
      const plan = await dryRunCycle(ctx)
      if (!this.jsonEnabled()) {
        const {renderAlertPlan} = await import('../render/alerts.js')
        this.log(renderAlertPlan(plan, this.painter(process.stdout)))
      }
      return plan
    }
    const {runWorker} = await import('../services/alerts/worker.js')
    const stats = await runWorker(ctx, {intervalSeconds: this.flags.interval, once: this.flags.once})
    if (!this.jsonEnabled()) {
      const {renderWorkerStats} = await import('../render/summaries.js')
      this.log(renderWorkerStats(stats, this.painter(process.stdout)))
    }
    return stats
  }
}
