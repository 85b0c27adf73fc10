import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {METRIC_NAMES} from '../../services/alerts/metric-names.js'
import {ALERT_OPERATORS, SEVERITIES} from '../../services/db/schema.js'

export default class AlertsAdd extends BaseCommand<typeof AlertsAdd> {
  static override summary = 'Add a threshold alert rule for the alert worker.'
  static override description = `port.congestion_level reads 0-3 (normal, elevated, high, severe). Targets: all, or
port:<UN/LOCODE or WPI number>, vessel:<MMSI>, zone:<id>, job:<name>, provider:<name>, matching the metric's kind.`

  static override examples = [
    `<%= config.bin %> <%= command.id %> --metric port.vessels_waiting --target port:GRPIR --operator '>' --threshold 10 --severity high`,
    `<%= config.bin %> <%= command.id %> --metric vessel.ais_gap_minutes --target all --operator '>=' --threshold 60 --freshness 600`,
    `<%= config.bin %> <%= command.id %> --metric job.consecutive_failures --target job:vessels --operator '>=' --threshold 3 --severity critical`,
  ]

  static override flags = {
    metric: Flags.option({description: 'What to watch.', options: METRIC_NAMES, required: true})(),
    target: Flags.string({description: 'all, or kind:id.', required: true}),
    operator: Flags.option({description: 'How the value compares with the threshold (quote > and < in the shell).', options: ALERT_OPERATORS, required: true})(),
    threshold: Flags.string({description: 'A number.', required: true}),
    severity: Flags.option({description: 'How serious a crossing is.', options: SEVERITIES, default: 'medium' as const})(),
    name: Flags.string({description: 'A name for people.'}),
    freshness: Flags.integer({description: "Skip readings older than this many seconds (default: the metric's)."}),
    disabled: Flags.boolean({description: 'Add it disabled.'}),
  }

  async run(): Promise<ResultOf<'alerts add'>> {
    const ctx = await this.context()
    const {addRule} = await import('../../services/alerts/rules.js')
    const {describeRule} = await import('../../render/alerts.js')
    const rule = await addRule(ctx, {
      metric: this.flags.metric,
      target: this.flags.target,
      operator: this.flags.operator,
      threshold: this.flags.threshold,
      severity: this.flags.severity,
      name: this.flags.name,
      freshnessSeconds: this.flags.freshness,
      enabled: !this.flags.disabled,
    })
    this.log(`alert rule ${rule.id}: ${describeRule(rule)} (${rule.severity}${rule.enabled ? '' : ', disabled'})`)
    return rule
  }
}
