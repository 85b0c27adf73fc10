import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {JOB_TYPES, QUEUE_NAMES} from '../../services/queue/types.js'

export default class QueueEnqueue extends BaseCommand<typeof QueueEnqueue> {
  static override summary = 'Enqueue a job: now, after a delay or at a time; a held unique key answers with the job that holds it.'
  static override description = `The job runs on the next worker free for its queue (see \`worker\`). Each type has its queue, retries and
timeout (\`queue enqueue --help\` lists them); --queue and --max-retries override them. With --unique-key, a
key held by a job not yet finished answers "duplicate of <id>" and enqueues nothing (exit 0); the key frees when
that job completes, goes dead or is deleted, or when --unique-for has passed since it was enqueued.

Job types: notify:deliver (critical), vessel:analyze (analysis), vessel:identity-check (compliance),
provider:refresh, system:cleanup, system:canary, registry:run (default).`

  static override examples = [
    `<%= config.bin %> <%= command.id %> system:canary --payload '{"fail_until_attempt": "always"}' --max-retries 2`,
    `<%= config.bin %> <%= command.id %> vessel:analyze --payload '{"mmsi": 244000001}' --in 30s --unique-key vessel:244000001 --unique-for 1h`,
    `<%= config.bin %> <%= command.id %> system:cleanup --at 2026-11-24T03:00:00Z --queue default --max-retries 1`,
  ]

  static override args = {type: Args.string({ignoreStdin: true, description: 'Job type.', required: true, options: [...JOB_TYPES]})}
  static override flags = {
    payload: Flags.string({description: "The job's payload, a JSON object.", helpValue: '<json>'}),
    in: Flags.string({description: 'Due after this delay: 30s, 15m, 2h, 1d.', helpValue: '<duration>', exclusive: ['at']}),
    at: Flags.string({description: 'Due at this time, ISO 8601 with its offset.', helpValue: '<time>', exclusive: ['in']}),
    queue: Flags.option({description: "Queue to put it on (default: the type's).", options: QUEUE_NAMES})(),
    'max-retries': Flags.integer({description: "Retries after the first attempt before the dead letter (default: the type's).", min: 0, max: 100}),
    'unique-key': Flags.string({description: 'Enqueue only if no unfinished job holds this key.', helpValue: '<key>'}),
    'unique-for': Flags.string({description: 'Longest the key is held: 1h, 1d (default: until the job finishes).', helpValue: '<duration>', dependsOn: ['unique-key']}),
  }

  async run(): Promise<ResultOf<'queue enqueue'>> {
    const ctx = await this.context()
    const {enqueueTyped} = await import('../../services/queue/admin.js')
    const result = await enqueueTyped(ctx, {
      type: this.args.type,
      payload: this.flags.payload,
      in: this.flags.in,
      at: this.flags.at,
      queue: this.flags.queue,
      maxRetries: this.flags['max-retries'],
      uniqueKey: this.flags['unique-key'],
      uniqueFor: this.flags['unique-for'],
    })
    const {renderEnqueued} = await import('../../render/queue.js')
    this.log(renderEnqueued(result))
    return result
  }
}
