import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {QUEUE_NAMES} from '../../services/queue/types.js'

export default class QueuePause extends BaseCommand<typeof QueuePause> {
  static override summary = 'Pause a queue: workers take none of its jobs until it is resumed; enqueueing goes on.'
  static override description = 'Jobs already running finish. Pausing a paused queue replaces its reason. Undo with queue resume.'
  static override examples = [`<%= config.bin %> <%= command.id %> analysis --reason "detection services being upgraded, ticket OPS-51"`]
  static override args = {queue: Args.string({ignoreStdin: true, description: 'Queue.', required: true, options: [...QUEUE_NAMES]})}
  static override flags = {reason: Flags.string({description: 'Why (shown in queue stats).', required: true})}

  async run(): Promise<ResultOf<'queue pause'>> {
    const ctx = await this.context()
    const {pauseQueue} = await import('../../services/queue/pauses.js')
    const pauses = await pauseQueue(ctx, this.args.queue, this.flags.reason)
    this.log(pauses.map((p) => `queue ${p.queue} paused by ${p.by} since ${p.since}: ${p.reason}`).join('\n'))
    return {pauses}
  }
}
