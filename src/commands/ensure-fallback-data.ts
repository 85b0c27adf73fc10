import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class EnsureFallbackData extends BaseCommand<typeof EnsureFallbackData> {
  static override summary = 'Create the minimum viable dataset from shipped data where it is missing.'
  static override description = `Loads every World Port Index port, the vessels of the shipped AIS sample capture, piracy risk
areas from the shipped NGA ASAM incidents and the storm zones of the shipped NWS alerts capture, where
they are missing. Safe to run again: prints what it created and what it kept. --force rewrites the
fallback rows (and only those) to their shipped values in one transaction; rows made by people or by
live ingest are never touched.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --force --json',
  ]

  static override flags = {
    force: Flags.boolean({description: 'Recreate the fallback rows from the shipped data (one transaction).'}),
  }

  async run(): Promise<ResultOf<'ensure-fallback-data'>> {
    const ctx = await this.context()
    const {ensureFallbackData} = await import('../services/fallback/ensure.js')
    const report = await ensureFallbackData(ctx, {force: this.flags.force})
    if (!this.jsonEnabled()) {
      const {renderFallbackReport} = await import('../render/summaries.js')
      this.log(renderFallbackReport(report, this.painter(process.stdout)))
    }
    return report
  }
}
