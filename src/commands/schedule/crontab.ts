import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class ScheduleCrontab extends BaseCommand<typeof ScheduleCrontab> {
  static override summary = 'Print crontab lines for every scheduled job (crontab.example is this output).'
  static override quietHidesReport = false
  static override examples = [
    '<%= config.bin %> <%= command.id %> > crontab.example',
    '<%= config.bin %> <%= command.id %> --install-dir /srv/harbormaster --db /srv/data/harbormaster.db | crontab -',
  ]

  static override flags = {
    'install-dir': Flags.string({description: 'Where harbormaster is installed.', default: '/opt/harbormaster'}),
    'log-dir': Flags.string({description: 'Where the jobs append their output.', default: '/var/log/harbormaster'}),
  }

  async run(): Promise<ResultOf<'schedule crontab'>> {
    const {crontab, crontabDatabase} = await import('../../services/jobs/crontab.js')
    const text = crontab({installDir: this.flags['install-dir'], logDir: this.flags['log-dir'], dbPath: crontabDatabase(this.flags.db || undefined)})
    if (!this.jsonEnabled()) process.stdout.write(text)
    return {crontab: text}
  }
}
