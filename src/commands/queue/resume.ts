import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {QUEUE_NAMES} from '../../services/queue/types.js'

export default class QueueResume extends BaseCommand<typeof QueueResume> {
  static override summary = 'Lift the pause of a queue: workers take its jobs again.'
  static override examples = ['<%= config.bin %> <%= command.id %> analysis']
  static override args = {queue: Args.string({ignoreStdin: true, description: 'Queue.', required: true, options: [...QUEUE_NAMES]})}

  async run(): Promise<ResultOf<'queue resume'>> {
    const ctx = await this.context()
    const {resumeQueue} = await import('../../services/queue/pauses.js')
    const result = await resumeQueue(ctx, this.args.queue)
    this.log(`resumed: ${result.resumed.map((q) => `queue ${q}`).join(', ')}`)
    return result
  }
}
