import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class AlertsDisable extends BaseCommand<typeof AlertsDisable> {
  static override summary = 'Disable an alert rule.'
  static override examples = ['<%= config.bin %> <%= command.id %> 3']
  static override args = {id: Args.integer({ignoreStdin: true, description: 'Rule id (see alerts list).', required: true})}

  async run(): Promise<ResultOf<'alerts disable'>> {
    const ctx = await this.context()
    const {setRuleEnabled} = await import('../../services/alerts/rules.js')
    const result = await setRuleEnabled(ctx, this.args.id, false)
    this.log(`alert rule ${result.id} disabled`)
    return result
  }
}
