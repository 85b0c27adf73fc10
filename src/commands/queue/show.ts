import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class QueueShow extends BaseCommand<typeof QueueShow> {
  static override summary = 'One queued job: payload, attempts, every error with its stack, and its timeline.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %> 42', '<%= config.bin %> <%= command.id %> 42 --json']
  static override args = {id: Args.string({ignoreStdin: true, description: 'Queued job id (see queue list).', required: true})}

  async run(): Promise<ResultOf<'queue show'>> {
    const ctx = await this.context()
    const {showQueuedJob} = await import('../../services/queue/admin.js')
    const job = await showQueuedJob(ctx, this.args.id)
    if (!this.jsonEnabled()) {
      const {renderJob} = await import('../../render/queue.js')
      this.log(renderJob(job, this.painter(process.stdout)))
    }
    return job
  }
}
