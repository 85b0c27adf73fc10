import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class WatchAdd extends BaseCommand<typeof WatchAdd> {
  static override summary = "Add to a user's watchlist: a vessel, a port or an area."
  static override description = 'The user is notified of each new event about what they watch (events from live or cached data only).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --user alice --vessel 240205400',
    '<%= config.bin %> <%= command.id %> --user alice --port GRPIR',
    '<%= config.bin %> <%= command.id %> --user alice --area 103.5,1.0,104.5,1.5',
  ]

  static override flags = {
    user: Flags.string({description: 'User name or id.', required: true}),
    vessel: Flags.string({description: 'MMSI (9 digits).', exactlyOne: ['vessel', 'port', 'area']}),
    port: Flags.string({description: 'UN/LOCODE (GRPIR) or World Port Index number.', exactlyOne: ['vessel', 'port', 'area']}),
    area: Flags.string({description: 'minLon,minLat,maxLon,maxLat (minLon > maxLon spans the antimeridian).', exactlyOne: ['vessel', 'port', 'area']}),
  }

  async run(): Promise<ResultOf<'watch add'>> {
    const ctx = await this.context()
    const {addWatch} = await import('../../services/users/watchlists.js')
    const watch = await addWatch(ctx, {user: this.flags.user, vessel: this.flags.vessel, port: this.flags.port, area: this.flags.area})
    this.log(`watch ${watch.id}: ${watch.user} watches ${watch.kind} ${watch.target}`)
    return watch
  }
}
