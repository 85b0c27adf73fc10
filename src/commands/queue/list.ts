import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {JOB_TYPES, QUEUE_NAMES, QUEUED_JOB_STATES} from '../../services/queue/types.js'

export default class QueueList extends BaseCommand<typeof QueueList> {
  static override summary = 'Queued jobs, newest first: state, attempts, when due, last error.'
  static override description = `States: scheduled (waits for its time), pending (due, waiting for a worker), active (a worker has it),
retry (failed, waiting for its backoff), dead (out of retries: the dead letter), completed.`

  static override quietHidesReport = false
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --state dead',
    '<%= config.bin %> <%= command.id %> --queue analysis --type vessel:analyze --limit 200 --json',
  ]

  static override flags = {
    state: Flags.option({description: 'Only jobs in this state.', options: QUEUED_JOB_STATES})(),
    queue: Flags.option({description: 'Only this queue.', options: QUEUE_NAMES})(),
    type: Flags.option({description: 'Only this job type.', options: JOB_TYPES})(),
    limit: Flags.integer({description: 'How many jobs.', default: 50, min: 1, max: 1000}),
  }

  async run(): Promise<ResultOf<'queue list'>> {
    const ctx = await this.context()
    const {listQueuedJobs} = await import('../../services/queue/admin.js')
    const jobs = await listQueuedJobs(ctx, {state: this.flags.state, queue: this.flags.queue, type: this.flags.type, limit: this.flags.limit})
    if (!this.jsonEnabled()) {
      const {renderJobList} = await import('../../render/queue.js')
      this.log(renderJobList(jobs, this.painter(process.stdout)))
    }
    return {jobs}
  }
}
