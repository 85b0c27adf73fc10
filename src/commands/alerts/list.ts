import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class AlertsList extends BaseCommand<typeof AlertsList> {
  static override summary = 'List alert rules.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'alerts list'>> {
    const ctx = await this.context({readonly: true})
    const {listRules} = await import('../../services/alerts/rules.js')
    const rules = await listRules(ctx)
    if (!this.jsonEnabled()) {
      const {renderRules} = await import('../../render/alerts.js')
      this.log(renderRules(rules, this.painter(process.stdout)))
    }
    return {rules}
  }
}
