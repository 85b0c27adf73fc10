import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class ScheduleList extends BaseCommand<typeof ScheduleList> {
  static override summary = 'Each scheduled job, its schedule in words and its next runs (UTC).'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --count 5 --json']
  static override flags = {count: Flags.integer({description: 'How many next runs to show.', default: 3, min: 1, max: 50})}

  async run(): Promise<ResultOf<'schedule list'>> {
    const {scheduleList} = await import('../../services/jobs/status.js')
    const entries = scheduleList(Date.now(), this.flags.count)
    if (!this.jsonEnabled()) {
      const {table} = await import('../../render/terminal.js')
      const rows = entries.map((e) => [e.name, e.schedule, e.in_words, e.depends_on.join(', ') || '-', e.next_runs.join(', ')])
      this.log(table(['job', 'schedule', 'in words', 'after', 'next runs (UTC)'], rows, this.painter(process.stdout)))
    }
    return {schedules: entries}
  }
}
