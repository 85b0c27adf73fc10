import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class QueueRetry extends BaseCommand<typeof QueueRetry> {
  static override summary = 'Put a dead (or retrying) job back to pending now, or every job in the dead letter with --all-dead.'
  static override description = 'Its attempts and errors are kept; it runs again on the next free worker with the retries it had.'
  static override examples = ['<%= config.bin %> <%= command.id %> 42', '<%= config.bin %> <%= command.id %> --all-dead']
  static override args = {id: Args.string({ignoreStdin: true, description: 'Queued job id (see queue list --state dead).'})}
  static override flags = {'all-dead': Flags.boolean({description: 'Every job in the dead letter.'})}

  async run(): Promise<ResultOf<'queue retry'>> {
    const {usageError} = await import('../../services/errors.js')
    if (!this.args.id && !this.flags['all-dead']) throw usageError('name a job or pass --all-dead', 'see `harbormaster queue list --state dead`')
    if (this.args.id && this.flags['all-dead']) throw usageError(`${this.args.id} and --all-dead exclude each other`, 'name one job, or pass --all-dead to retry the whole dead letter')
    const ctx = await this.context()
    const {retryAllDead, retryQueuedJob} = await import('../../services/queue/admin.js')
    const result = this.args.id ? await retryQueuedJob(ctx, this.args.id) : await retryAllDead(ctx)
    this.log(this.args.id ? `${this.args.id} is pending again` : result.retried.length === 0 ? 'the dead letter is empty: nothing to retry' : `${result.retried.length} dead job(s) pending again: ${result.retried.join(', ')}`)
    return result
  }
}
