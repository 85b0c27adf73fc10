import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class PortsCalls extends BaseCommand<typeof PortsCalls> {
  static override quietHidesReport = false
  static override summary = 'List port calls: arrival, departure, wait at anchorage and time at berth.'
  static override description =
    "Port visits as the behaviour job finds them by Global Fishing Watch's method: a visit begins at the first report within 3 km of one of a port's anchorage cells and ends at the first beyond 4 km; a visit of 3 h or more is a call, a shorter one a port stop. waiting is the time stopped at anchorage (under 0.2 kn to start, over 0.5 kn to end, or at anchor) before the ship first stopped at a berth; at berth is the time stopped at the berths (moored, or stopped where the port's berths are). gaps are silences over 4 h inside the port, which a visit goes on through. Calls go on being listed while the ship is still in port; --all adds port stops and visits under 3 h so far."

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> NLRTM --since 30d',
    '<%= config.bin %> <%= command.id %> SGKEP --all --json',
    '<%= config.bin %> <%= command.id %> --since 24h --limit 20',
  ]

  static override args = {
    locode: Args.string({ignoreStdin: true, description: 'UN/LOCODE of the port (NLRTM), or its World Port Index number; every port when left out.'}),
  }

  static override flags = {
    since: Flags.string({description: 'Visits in port within this long before now: 90m, 24h, 7d.', default: '7d', helpValue: '<duration>'}),
    'calls-only': Flags.boolean({description: 'Only calls (3 h or more in port): the default.', exclusive: ['all']}),
    all: Flags.boolean({description: 'Port stops and visits under 3 h so far too.', exclusive: ['calls-only']}),
    limit: Flags.integer({description: 'At most this many, newest arrival first.', default: 200, min: 1}),
  }

  async run(): Promise<ResultOf<'ports calls'>> {
    const ctx = await this.context({readonly: true})
    const [{portCallsReport}, {parseDuration}] = await Promise.all([import('../../services/ports/port-calls-report.js'), import('../../services/duration.js')])
    const report = await portCallsReport(ctx, {
      port: this.args.locode,
      sinceMs: parseDuration(this.flags.since, '--since'),
      callsOnly: !this.flags.all,
      limit: this.flags.limit,
    })
    if (!this.jsonEnabled()) {
      const {renderPortCalls} = await import('../../render/ports.js')
      this.log(renderPortCalls(report, this.painter(process.stdout)))
    }
    return report
  }
}
