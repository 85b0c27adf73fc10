import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {RECORDED_JOB_NAMES} from '../../services/jobs/names.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class JobsPause extends BaseCommand<typeof JobsPause> {
  static override summary = 'The emergency stop: pause one job or all of them, with a reason.'
  static override description = `Cron runs of a paused job exit 0 saying it is paused, by whom and why; a running job stops at its next
batch boundary. Undo with jobs resume.`

  static override examples = [`<%= config.bin %> <%= command.id %> vessels --reason "AIS feed sends garbage, ticket OPS-42"`, `<%= config.bin %> <%= command.id %> --all --reason "database migration"`]
  static override args = {name: Args.string({ignoreStdin: true, description: 'Job name (see jobs list).', options: [...RECORDED_JOB_NAMES]})}
  static override flags = {
    all: Flags.boolean({description: 'Pause every job.'}),
    reason: Flags.string({description: 'Why (shown to everyone whose run is skipped).', required: true}),
  }

  async run(): Promise<ResultOf<'jobs pause'>> {
    const {usageError} = await import('../../services/errors.js')
    if (!this.args.name && !this.flags.all) throw usageError('name a job or pass --all')
    // oclif's `exclusive` relates flags only, so a job name given with --all is refused here.
    if (this.args.name && this.flags.all) throw usageError(`${this.args.name} and --all exclude each other`, `name one job, or pass --all to pause every job`)
    const ctx = await this.context()
    const {pauseJobs} = await import('../../services/jobs/control.js')
    const pauses = await pauseJobs(ctx, this.flags.all ? undefined : this.args.name, this.flags.reason)
    this.log(pauses.map((p) => `${p.job === '*' ? 'all jobs' : p.job} paused by ${p.by} since ${p.since}: ${p.reason}`).join('\n'))
    return {pauses}
  }
}
