import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class UsersRemove extends BaseCommand<typeof UsersRemove> {
  static override summary = 'Remove a user with their watchlists and notifications.'
  static override examples = ['<%= config.bin %> <%= command.id %> alice']
  static override args = {name: Args.string({ignoreStdin: true, description: 'User name or id.', required: true})}

  async run(): Promise<ResultOf<'users remove'>> {
    const ctx = await this.context()
    const {removeUser} = await import('../../services/users/users.js')
    const result = await removeUser(ctx, this.args.name)
    this.log(`removed ${result.removed}`)
    return result
  }
}
