import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class WatchRemove extends BaseCommand<typeof WatchRemove> {
  static override summary = 'Remove a watch by its id (see watch list).'
  static override examples = ['<%= config.bin %> <%= command.id %> 3', '<%= config.bin %> <%= command.id %> 3 --user alice']
  static override args = {id: Args.integer({ignoreStdin: true, description: 'Watch id.', required: true})}
  static override flags = {user: Flags.string({description: "Only if it is this user's watch."})}

  async run(): Promise<ResultOf<'watch remove'>> {
    const ctx = await this.context()
    const {removeWatch} = await import('../../services/users/watchlists.js')
    const result = await removeWatch(ctx, this.args.id, this.flags.user)
    this.log(`removed watch ${result.removed}`)
    return result
  }
}
