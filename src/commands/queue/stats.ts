import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class QueueStats extends BaseCommand<typeof QueueStats> {
  static override summary = 'Depth of each queue by state, its oldest pending job, pauses, and jobs processed and failed per minute.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --minutes 60 --json']
  static override flags = {minutes: Flags.integer({description: 'Window of the per minute figures.', default: 15, min: 1, max: 1440})}

  async run(): Promise<ResultOf<'queue stats'>> {
    const ctx = await this.context()
    const {queueStats} = await import('../../services/queue/admin.js')
    const stats = await queueStats(ctx, this.flags.minutes)
    if (!this.jsonEnabled()) {
      const {renderStats} = await import('../../render/queue.js')
      this.log(renderStats(stats, this.painter(process.stdout)))
    }
    return stats
  }
}
