import {Flags} from '@oclif/core'

import {JobCommand} from '../../../cli/job-command.js'
import type {ResultOf} from '../../../schemas/commands.js'

export default class VesselsProfilesRefresh extends JobCommand<typeof VesselsProfilesRefresh> {
  static override summary = 'Recompute every vessel\'s profile: identity history, usual ports, last port call, activity and events over 30 days.'
  static override description = `Runs as the registry job "profile-refresh" (lease, history, retries, timeout), daily after the backup:
it is skipped while the backup has not succeeded within its period, unless --force. \`vessels show\` reads the
stored profiles and says how old they are; a vessel not profiled yet is computed live there.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --force    # run even though the backup has not succeeded today',
  ]

  static override flags = {
    force: Flags.boolean({description: 'Run even when the job it depends on (backup) has not succeeded within its period.', default: false}),
  }

  async run(): Promise<ResultOf<'vessels profiles refresh'>> {
    return this.runRegistryJob('profile-refresh', {ignoreDependencies: this.flags.force})
  }
}
