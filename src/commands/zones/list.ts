import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {ZONE_KINDS} from '../../services/db/schema.js'

export default class ZonesList extends BaseCommand<typeof ZonesList> {
  static override summary = 'List safety zones: storms, piracy risk areas, congested ports.'
  static override quietHidesReport = false
  static override description =
    'Each zone with its external id (the NWS alert id for storm zones), kind, severity, status (upcoming, in_force, ended), source, and when it was observed and is valid. `--format geojson` prints the zones with their outlines as a GeoJSON FeatureCollection.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --type storm --active',
    '<%= config.bin %> <%= command.id %> --type piracy --format geojson > piracy.geojson',
  ]

  static override flags = {
    type: Flags.option({description: 'Only zones of this kind.', options: ZONE_KINDS})(),
    active: Flags.boolean({description: 'Only zones in force now.'}),
    format: Flags.option({description: 'Output format.', options: ['table', 'geojson'] as const, default: 'table' as const})(),
  }

  async run(): Promise<ResultOf<'zones list'>> {
    const ctx = await this.context({readonly: true})
    const {zoneListing, zonesGeoJson} = await import('../../services/safety/catalog.js')
    const listing = await zoneListing(ctx, {kind: this.flags.type, active: this.flags.active})
    if (this.flags.format === 'geojson') {
      const collection = zonesGeoJson(listing)
      if (!this.jsonEnabled()) this.logJson(collection)
      return collection
    }
    if (!this.jsonEnabled()) {
      const {renderZones} = await import('../../render/safety.js')
      this.log(renderZones(listing.zones, this.painter(process.stdout)))
    }
    return {zones: listing.zones}
  }
}
