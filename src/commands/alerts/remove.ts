import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class AlertsRemove extends BaseCommand<typeof AlertsRemove> {
  static override summary = 'Remove an alert rule and its events.'
  static override examples = ['<%= config.bin %> <%= command.id %> 3']
  static override args = {id: Args.integer({ignoreStdin: true, description: 'Rule id (see alerts list).', required: true})}

  async run(): Promise<ResultOf<'alerts remove'>> {
    const ctx = await this.context()
    const {removeRule} = await import('../../services/alerts/rules.js')
    const result = await removeRule(ctx, this.args.id)
    this.log(`alert rule ${result.removed} removed`)
    return result
  }
}
