import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class ConfigCheck extends BaseCommand<typeof ConfigCheck> {
  static override summary = 'Show the resolved configuration (secrets masked) and check the database.'
  static override description = `Runs the checks every command relies on: the configuration is valid, the database opens, every
migration is applied and every table is present. Prints each setting with the environment variable that
sets it. Exit 0 when everything is in order, 2 otherwise.`

  static override examples = ['<%= config.bin %> <%= command.id %>', 'HARBORMASTER_AIS_SOURCE=nmea-udp:10110 <%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'config check'>> {
    return this.reportSystemCheck()
  }
}
