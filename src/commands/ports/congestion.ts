import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {CONGESTION_LEVELS} from '../../services/db/schema.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class PortsCongestion extends BaseCommand<typeof PortsCongestion> {
  static override quietHidesReport = false
  static override summary = 'Show port congestion: level, baseline, ships waiting and at berth, median wait.'
  static override description = `Each port's latest snapshot from the ports job. waiting counts merchant ships (AIS types 60-89)
stopped in one of the port's anchorage cells for an hour or more, at_berth those stopped at its berths;
vessels of unknown type are counted apart, tugs, pilots, fishing and pleasure craft not at all. The level
compares waiting with the port's baseline (the median of its daily medians over the 28 days before the
current episode): elevated at 1.5x (+2), high at 2x (+3), severe at 3x (+5); insufficient_history until
3 days of history exist. median_wait_hours is the median time ships waited at anchorage over 7 days.
Without --port and --level, the ports with data are listed, the most congested first.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port NLRTM --json',
    '<%= config.bin %> <%= command.id %> --port singapore',
    '<%= config.bin %> <%= command.id %> --level high',
    '<%= config.bin %> <%= command.id %> --level elevated --format geojson > congestion.geojson',
  ]

  static override flags = {
    port: Flags.string({description: 'UN/LOCODE (NLRTM), World Port Index number, or port name (whole or part).'}),
    level: Flags.option({
      description: 'Only ports at this level; elevated, high and severe include the levels above them.',
      options: CONGESTION_LEVELS,
    })(),
    format: Flags.option({description: 'Output format.', options: ['table', 'geojson'] as const, default: 'table' as const})(),
  }

  async run(): Promise<ResultOf<'ports congestion'>> {
    const ctx = await this.context({readonly: true})
    const {congestionGeoJson, congestionReport} = await import('../../services/ports/congestion-report.js')
    const report = await congestionReport(ctx, {port: this.flags.port, level: this.flags.level})
    if (this.flags.format === 'geojson') {
      const collection = congestionGeoJson(report)
      if (!this.jsonEnabled()) this.logJson(collection)
      return collection
    }
    if (!this.jsonEnabled()) {
      const {renderCongestion} = await import('../../render/ports.js')
      this.log(renderCongestion(report, this.painter(process.stdout)))
    }
    return report
  }
}
