import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class CheckEvents extends BaseCommand<typeof CheckEvents> {
  static override summary = 'Detect safety events against the stored zones, positions and congestion.'
  static override description = `Opens an event for each vessel inside a storm or piracy zone and each port at high or severe
congestion (one open event per type, zone or port, and vessel), resolves events whose condition has
ended, and notifies watchers of new events made from live or cached data. --dry-run prints what would
be created and resolved and writes nothing at all (not even a job_runs row).`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override flags = {
    'dry-run': Flags.boolean({description: 'Show what would be created and resolved; write nothing.'}),
  }

  async run(): Promise<ResultOf<'check-events'>> {
    const ctx = await this.context({readonly: this.flags['dry-run']})
    const {checkEvents} = await import('../services/safety/check.js')
    const result = await checkEvents(ctx, {dryRun: this.flags['dry-run']})
    const {isFailure} = await import('../services/jobs/runs.js')
    if (isFailure(result.status)) process.exitCode = 1
    if (!this.jsonEnabled()) {
      const {renderEventCheck} = await import('../render/summaries.js')
      this.log(renderEventCheck(result, this.painter(process.stdout)))
    }
    return result
  }
}
