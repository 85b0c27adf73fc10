import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class UsersList extends BaseCommand<typeof UsersList> {
  static override summary = 'List users and their roles (tokens are never shown again).'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'users list'>> {
    const ctx = await this.context({readonly: true})
    const {listUsers} = await import('../../services/users/users.js')
    const list = await listUsers(ctx)
    if (!this.jsonEnabled()) {
      const {table} = await import('../../render/terminal.js')
      this.log(list.length === 0 ? 'no users' : table(['name', 'role', 'webhook', 'created'], list.map((u) => [u.name, u.role, u.webhook_url ?? '-', u.created_at]), this.painter(process.stdout)))
    }
    return {users: list}
  }
}
