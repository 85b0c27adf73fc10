import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class VesselsTrack extends BaseCommand<typeof VesselsTrack> {
  static override summary = "One vessel's reports over a window, oldest first."
  static override quietHidesReport = false
  static override description =
    'Its stored reports and those the track rule held back, with time, position, speed, course and source. `--format geojson` prints a FeatureCollection: the track as a LineString through the accepted reports (a MultiLineString where it crosses the antimeridian) and a point per report.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 240205400',
    '<%= config.bin %> <%= command.id %> 240205400 --since 7d --format geojson > track.geojson',
    '<%= config.bin %> <%= command.id %> 240205400 --since 2026-11-20T00:00:00Z --until 2026-11-21T00:00:00Z --json',
  ]

  static override args = {
    mmsi: Args.string({ignoreStdin: true, description: "The vessel's MMSI (9 digits).", required: true}),
  }

  static override flags = {
    since: Flags.string({description: 'Start: a duration back from --until (24h, 7d) or an ISO 8601 time. Default 24h.', helpValue: '<duration|time>'}),
    until: Flags.string({description: 'End: an ISO 8601 time or a duration back from now. Default now.', helpValue: '<time|duration>'}),
    limit: Flags.integer({description: 'At most this many reports (the newest kept).', default: 20_000, min: 1}),
    format: Flags.option({description: 'Output format.', options: ['table', 'geojson'] as const, default: 'table' as const})(),
  }

  async run(): Promise<ResultOf<'vessels track'>> {
    if (!/^\d{9}$/.test(this.args.mmsi)) {
      const {usageError} = await import('../../services/errors.js')
      throw usageError(`MMSI ${JSON.stringify(this.args.mmsi)} is not 9 digits`)
    }
    const ctx = await this.context({readonly: true})
    const {trackGeoJson, vesselTrack} = await import('../../services/vessels/history.js')
    const track = await vesselTrack(ctx, Number(this.args.mmsi), {since: this.flags.since, until: this.flags.until, limit: this.flags.limit})
    if (this.flags.format === 'geojson') {
      const collection = trackGeoJson(track)
      if (!this.jsonEnabled()) this.logJson(collection)
      return collection
    }
    if (!this.jsonEnabled()) {
      const {renderTrack} = await import('../../render/vessels.js')
      this.log(renderTrack(track, this.painter(process.stdout)))
    }
    return track
  }
}
