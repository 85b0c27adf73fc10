import {JobCommand} from '../../cli/job-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class ProvidersQuotaReset extends JobCommand<typeof ProvidersQuotaReset> {
  static override summary = "Close the months that are over: record each provider's calls per month, lift monthly quota failovers."
  static override description = `The quota-reset job (the 1st of each month at 00:00 UTC). Every month before the current one not closed yet
gets each provider's total recorded (calls, windows, busiest window, the quota that applied), kept after
cleanup removes the per-window counts; \`providers usage\` shows them. Then the quota monitor runs, so a
provider blocked by a monthly quota is called again at once.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'providers quota-reset'>> {
    return this.runRegistryJob('quota-reset')
  }
}
