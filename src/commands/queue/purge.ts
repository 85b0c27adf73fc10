import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class QueuePurge extends BaseCommand<typeof QueuePurge> {
  static override summary = 'Delete completed (or dead) jobs that finished longer ago than --older-than.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --state completed --older-than 7d',
    '<%= config.bin %> <%= command.id %> --state dead --older-than 30d',
    '30 3 * * * cd /opt/harbormaster && ./bin/run.js <%= command.id %> --state completed --older-than 7d --quiet',
  ]

  static override flags = {
    state: Flags.option({description: 'Which finished jobs.', options: ['completed', 'dead'] as const, required: true})(),
    'older-than': Flags.string({description: 'Finished longer ago than this: 24h, 7d, 2w.', helpValue: '<duration>', required: true}),
  }

  async run(): Promise<ResultOf<'queue purge'>> {
    const ctx = await this.context()
    const {purgeQueuedJobs} = await import('../../services/queue/admin.js')
    const result = await purgeQueuedJobs(ctx, this.flags.state, this.flags['older-than'])
    this.log(`purged ${result.purged} ${result.state} job(s) that finished before ${result.finished_before}`)
    return result
  }
}
