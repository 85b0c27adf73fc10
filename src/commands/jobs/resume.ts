import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {RECORDED_JOB_NAMES} from '../../services/jobs/names.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class JobsResume extends BaseCommand<typeof JobsResume> {
  static override summary = 'Lift a pause: one job, or every pause with --all.'
  static override examples = ['<%= config.bin %> <%= command.id %> vessels', '<%= config.bin %> <%= command.id %> --all']
  static override args = {name: Args.string({ignoreStdin: true, description: 'Job name.', options: [...RECORDED_JOB_NAMES]})}
  static override flags = {all: Flags.boolean({description: 'Lift every pause.'})}

  async run(): Promise<ResultOf<'jobs resume'>> {
    const {usageError} = await import('../../services/errors.js')
    if (!this.args.name && !this.flags.all) throw usageError('name a job or pass --all')
    // oclif's `exclusive` relates flags only, so a job name given with --all is refused here.
    if (this.args.name && this.flags.all) throw usageError(`${this.args.name} and --all exclude each other`, `name one job, or pass --all to lift every pause`)
    const ctx = await this.context()
    const {resumeJobs} = await import('../../services/jobs/control.js')
    const result = await resumeJobs(ctx, this.flags.all ? undefined : this.args.name)
    this.log(`resumed: ${result.resumed.map((j) => (j === '*' ? 'all jobs' : j)).join(', ')}`)
    return result
  }
}
