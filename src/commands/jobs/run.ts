import {Args, Flags} from '@oclif/core'

import {JobCommand} from '../../cli/job-command.js'
import {JOB_NAMES, type JobName} from '../../services/jobs/names.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class JobsRun extends JobCommand<typeof JobsRun> {
  static override summary = 'Run one job now, through the runner (lease, history, retries, timeout).'
  static override examples = ['<%= config.bin %> <%= command.id %> vessels', '<%= config.bin %> <%= command.id %> ports --force', '<%= config.bin %> <%= command.id %> backup --json']
  static override args = {name: Args.string({ignoreStdin: true, description: 'Job name (see jobs list).', required: true, options: [...JOB_NAMES]})}
  static override flags = {force: Flags.boolean({description: 'Run even if the jobs it depends on have not succeeded recently.'})}

  async run(): Promise<ResultOf<'jobs run'>> {
    // The parser let through only the registry's names.
    return this.runRegistryJob(this.args.name as JobName, {ignoreDependencies: this.flags.force})
  }
}
