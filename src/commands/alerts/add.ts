import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'

export default class AlertsAdd extends BaseCommand<typeof AlertsAdd> {
  static override summary = 'Add a threshold alert rule for the alert worker.'
  static override description = `Metrics: port.vessels_waiting, port.congestion_level (0-3), vessel.speed, vessel.ais_gap_minutes,
zone.vessels_inside, job.consecutive_failures, job.last_duration_seconds, provider.quota_used_percent.
Targets: all, or port:<UN/LOCODE or WPI number>, vessel:<MMSI>, zone:<id>, job:<name>, provider:<name>,
matching the metric's kind.`

  static override examples = [
    `<%= config.bin %> <%= command.id %> --metric port.vessels_waiting --target port:GRPIR --operator '>' --threshold 10 --severity high`,
    `<%= config.bin %> <%= command.id %> --metric vessel.ais_gap_minutes --target all --operator '>=' --threshold 60 --freshness 600`,
    `<%= config.bin %> <%= command.id %> --metric job.consecutive_failures --target job:vessels --operator '>=' --threshold 3 --severity critical`,
  ]

  static override flags = {
    metric: Flags.string({description: 'What to watch (see above).', required: true}),
    target: Flags.string({description: 'all, or kind:id.', required: true}),
    operator: Flags.string({description: 'One of > < == >= <= != (quote it).', required: true}),
    threshold: Flags.string({description: 'A number.', required: true}),
    severity: Flags.string({description: 'low, medium, high or critical.', default: 'medium'}),
    name: Flags.string({description: 'A name for people.'}),
    freshness: Flags.integer({description: "Skip readings older than this many seconds (default: the metric's)."}),
    disabled: Flags.boolean({description: 'Add it disabled.'}),
  }

  async run() {
    const ctx = await this.context()
    const {addRule} = await import('../../services/alerts/rules.js')
    const {describeRule} = await import('../../render/alerts.js')
    const rule = addRule(ctx, {
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
