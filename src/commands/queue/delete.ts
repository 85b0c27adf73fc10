import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class QueueDelete extends BaseCommand<typeof QueueDelete> {
  static override summary = 'Delete one queued job, whatever its state (its unique key frees).'
  static override description = 'A job a worker is running finishes that attempt, but nothing is recorded for it afterwards.'
  static override examples = ['<%= config.bin %> <%= command.id %> 42']
  static override args = {id: Args.string({ignoreStdin: true, description: 'Queued job id (see queue list).', required: true})}

  async run(): Promise<ResultOf<'queue delete'>> {
    const ctx = await this.context()
    const {deleteQueuedJob} = await import('../../services/queue/admin.js')
    const result = await deleteQueuedJob(ctx, this.args.id)
    this.log(`deleted ${result.deleted}`)
    return result
  }
}
