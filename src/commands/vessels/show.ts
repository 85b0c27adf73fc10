import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class VesselsShow extends BaseCommand<typeof VesselsShow> {
  static override summary = 'Show one vessel: identity, latest accepted position, recent events.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %> 240205400', '<%= config.bin %> <%= command.id %> 970123456 --json']

  static override args = {
    mmsi: Args.string({ignoreStdin: true, description: 'The vessel\'s MMSI (9 digits).', required: true}),
  }

  async run(): Promise<ResultOf<'vessels show'>> {
    if (!/^\d{9}$/.test(this.args.mmsi)) {
      const {usageError} = await import('../../services/errors.js')
      throw usageError(`MMSI ${JSON.stringify(this.args.mmsi)} is not 9 digits`)
    }
    const ctx = await this.context({readonly: true})
    const {vesselDetails} = await import('../../services/vessels/details.js')
    const details = await vesselDetails(ctx, Number(this.args.mmsi))
    if (!this.jsonEnabled()) {
      const {renderVessel} = await import('../../render/safety.js')
      this.log(renderVessel(details, this.painter(process.stdout)))
    }
    return details
  }
}
