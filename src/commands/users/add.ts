import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ROLES} from '../../services/db/schema.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class UsersAdd extends BaseCommand<typeof UsersAdd> {
  static override summary = 'Add a user and print their API token (shown once, stored only as a hash).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice --role OPERATOR',
    '<%= config.bin %> <%= command.id %> ops-bot --role VIEWER --webhook https://hooks.example.org/harbormaster',
  ]

  static override args = {name: Args.string({ignoreStdin: true, description: 'User name (letters, digits, . _ @ -).', required: true})}
  static override flags = {
    role: Flags.option({description: 'What the user may do.', options: ROLES, required: true})(),
    webhook: Flags.string({description: 'URL that receives a POST for each notification.', helpValue: '<url>'}),
  }

  async run(): Promise<ResultOf<'users add'>> {
    const ctx = await this.context()
    const {addUser} = await import('../../services/users/users.js')
    const user = await addUser(ctx, {name: this.args.name, role: this.flags.role, webhookUrl: this.flags.webhook})
    this.log(`added ${user.name} (${user.role})${user.webhook_url ? `, webhook ${user.webhook_url}` : ''}`)
    this.logAlways(`API token (shown once, store it now): ${user.token}`)
    return user
  }
}
