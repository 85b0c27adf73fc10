import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {SHIP_TYPE_CLASSES} from '../../services/ais/ship-types.js'

export default class VesselsList extends BaseCommand<typeof VesselsList> {
  static override summary = 'List vessels with their latest position, newest first.'
  static override quietHidesReport = false
  static override description =
    'Each vessel with its latest accepted position, time, speed, source, flag and AIS ship type class. `--bbox` keeps those inside a box (minLon > maxLon spans the antimeridian), `--in-port` those inside a port\'s area (its berths and anchorage cells), `--type` those of a ship type class.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --bbox 103.5,1.0,104.5,1.5 --since 24h',
    '<%= config.bin %> <%= command.id %> --in-port NLRTM --type cargo --type tanker',
    '<%= config.bin %> <%= command.id %> --bbox 170,-20,-170,-10 --json',
  ]

  static override flags = {
    bbox: Flags.string({description: 'Only vessels inside minLon,minLat,maxLon,maxLat (minLon > maxLon: across the antimeridian).', helpValue: '<box>'}),
    'in-port': Flags.string({description: "Only vessels inside this port's area: a UN/LOCODE or World Port Index number.", helpValue: '<LOCODE>'}),
    type: Flags.option({description: 'Only vessels of this AIS ship type class (repeatable).', options: SHIP_TYPE_CLASSES, multiple: true})(),
    since: Flags.string({description: 'Only vessels whose latest position is this recent: 90m, 24h, 7d.', helpValue: '<duration>'}),
    limit: Flags.integer({description: 'At most this many vessels.', default: 200, min: 1}),
  }

  async run(): Promise<ResultOf<'vessels list'>> {
    const ctx = await this.context({readonly: true})
    const [{vesselListing}, {parseDuration}] = await Promise.all([import('../../services/vessels/listing.js'), import('../../services/duration.js')])
    const list = await vesselListing(ctx, {
      bbox: this.flags.bbox,
      inPort: this.flags['in-port'],
      types: this.flags.type,
      sinceMs: this.flags.since === undefined ? undefined : parseDuration(this.flags.since, '--since'),
      limit: this.flags.limit,
    })
    if (!this.jsonEnabled()) {
      const {renderVesselList} = await import('../../render/vessels.js')
      this.log(renderVesselList(list, this.painter(process.stdout)))
    }
    return list
  }
}
