import {JobCommand} from '../../cli/job-command.js'

export default class DbMaintain extends JobCommand<typeof DbMaintain> {
  static override summary = 'Integrity check, ANALYZE, PRAGMA optimize and VACUUM; prints the space reclaimed.'
  static override description = 'Runs as the registry job "maintain" (lease, history, retries, timeout); see `harbormaster schedule list` for its schedule.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run() {
    return this.runRegistryJob('maintain')
  }
}
