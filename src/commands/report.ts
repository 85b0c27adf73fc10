import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'
import {REPORT_FORMATS} from '../schemas/report.js'

export default class Report extends BaseCommand<typeof Report> {
  static override summary = 'Write a report: world map (SVG and PNG), congested ports, new events, job health, data sources.'
  static override description = `The HTML page is one self-contained file (styles and the map inline, no external URL): a world map of
every port coloured by its latest congestion level, the safety zones in force and the period's events, then
tables of the most congested ports with their median wait at anchorage, new events by type, job health and
where each dataset came from (live, cached, fallback, emergency). It is written with map.svg and map.png to
--out, by default to var/reports/<end of the period, e.g. 2026-11-24T1200Z>/ under the working directory.
--format md writes the same tables as Markdown for chat and mail: to stdout, or with --out as report.md
beside map.png and map.svg, which it links to. The map is drawn offline (Natural Earth land from the
world-atlas package) and rendered to PNG without a browser.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 7d --out /srv/www/harbormaster/weekly',
    '<%= config.bin %> <%= command.id %> --format md | mail -s "harbormaster daily" ops@example.org',
    '<%= config.bin %> <%= command.id %> --format md --out ./var/reports/today --json',
  ]

  static override flags = {
    since: Flags.string({description: 'The period the report covers, back from now: 12h, 24h, 7d.', default: '24h', helpValue: '<duration>'}),
    out: Flags.string({description: 'Folder to write to (created if missing). Default for html: ./var/reports/<time>/; md without it prints to stdout.', helpValue: '<dir>'}),
    format: Flags.option({description: 'html (page, map.svg, map.png) or md (Markdown).', options: REPORT_FORMATS, default: 'html' as const})(),
  }

  async run(): Promise<ResultOf<'report'>> {
    // Read-only unless the file can be written: `jobs list`'s service records crashed runs it finds.
    const ctx = await this.context({readonly: 'unless-writable'})
    const [{writeReport}, {parseDuration}] = await Promise.all([import('../services/report/report.js'), import('../services/duration.js')])
    const {result, markdown} = await writeReport(ctx, {
      sinceMs: parseDuration(this.flags.since, '--since'),
      format: this.flags.format,
      outDir: this.flags.out,
      cwd: process.cwd(),
    })
    if (this.jsonEnabled()) return markdown === undefined ? result : {...result, markdown}
    if (markdown !== undefined) this.logAlways(markdown)
    else for (const file of result.files) this.log(`wrote ${file.path} (${file.bytes.toLocaleString('en-US')} bytes)`)
    return result
  }
}
