import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'
import {EVENT_TYPES} from '../../services/db/schema.js'

export default class EventsList extends BaseCommand<typeof EventsList> {
  static override summary = 'List safety events, newest first.'
  static override quietHidesReport = false
  static override description =
    'Storm, piracy, congestion and distress events, and the vessel behaviour events (AIS gaps, loitering, encounters, identity, geofence entries), with their severity, status (open or resolved), source, vessel and times. `--format geojson` prints them as points.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --open',
    '<%= config.bin %> <%= command.id %> --type distress --type storm --since 24h',
    '<%= config.bin %> <%= command.id %> --since 7d --format geojson > events.geojson',
    '<%= config.bin %> <%= command.id %> --type ais_gap --type loitering --mmsi 240205400',
  ]

  static override flags = {
    type: Flags.option({description: 'Only events of this type (repeatable).', options: EVENT_TYPES, multiple: true})(),
    open: Flags.boolean({description: 'Only events not yet resolved.'}),
    mmsi: Flags.string({description: 'Only events about this vessel (MMSI, 9 digits).', helpValue: '<mmsi>'}),
    since: Flags.string({description: 'Only events created within this long before now: 90m, 24h, 7d.', helpValue: '<duration>'}),
    limit: Flags.integer({description: 'At most this many events.', default: 200, min: 1}),
    format: Flags.option({description: 'Output format.', options: ['table', 'geojson'] as const, default: 'table' as const})(),
  }

  async run(): Promise<ResultOf<'events list'>> {
    if (this.flags.mmsi !== undefined && !/^\d{9}$/.test(this.flags.mmsi)) {
      const {usageError} = await import('../../services/errors.js')
      throw usageError(`--mmsi ${JSON.stringify(this.flags.mmsi)} is not 9 digits`)
    }
    const ctx = await this.context({readonly: true})
    const [{eventListing, eventsGeoJson}, {parseDuration}] = await Promise.all([
      import('../../services/safety/catalog.js'),
      import('../../services/duration.js'),
    ])
    const events = await eventListing(ctx, {
      types: this.flags.type,
      open: this.flags.open,
      mmsi: this.flags.mmsi === undefined ? undefined : Number(this.flags.mmsi),
      sinceMs: this.flags.since === undefined ? undefined : parseDuration(this.flags.since, '--since'),
      limit: this.flags.limit,
    })
    if (this.flags.format === 'geojson') {
      const collection = eventsGeoJson(events)
      if (!this.jsonEnabled()) this.logJson(collection)
      return collection
    }
    if (!this.jsonEnabled()) {
      const {renderEvents} = await import('../../render/safety.js')
      this.log(renderEvents(events, this.painter(process.stdout)))
    }
    return {events}
  }
}
