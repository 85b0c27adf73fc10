import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class WatchList extends BaseCommand<typeof WatchList> {
  static override summary = 'List watchlists (all users, or one).'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --user alice --json']
  static override flags = {user: Flags.string({description: 'Only this user (name or id).'})}

  async run(): Promise<ResultOf<'watch list'>> {
    const ctx = await this.context({readonly: true})
    const {listWatches} = await import('../../services/users/watchlists.js')
    const watches = await listWatches(ctx, this.flags.user)
    if (!this.jsonEnabled()) {
      const {table} = await import('../../render/terminal.js')
      this.log(watches.length === 0 ? 'no watches' : table(['id', 'user', 'kind', 'target'], watches.map((w) => [String(w.id), w.user, w.kind, w.target]), this.painter(process.stdout)))
    }
    return {watches}
  }
}
