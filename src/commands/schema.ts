import {Args} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'

export default class Schema extends BaseCommand<typeof Schema> {
  static override summary = "Print the JSON Schema of a command's --json output."
  static override description = `The schema (JSON Schema, draft 2020-12) is what the command's --json prints, field by field: snake_case
keys, times in ISO 8601 UTC. Commands whose output depends on a flag (--format geojson, --dry-run) list each
shape; \`ais decode\` prints one document per line, each of its schema. The schemas/ folder of the
installation holds the same documents, one file per command. Without a command, lists the commands.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> run-background-jobs',
    '<%= config.bin %> <%= command.id %> alerts list > alerts-list.schema.json',
    '<%= config.bin %> <%= command.id %>                   # every command and what its --json prints',
  ]

  static override quietHidesReport = false
  // A command id has several words (`alerts list`): they arrive as several arguments.
  static override strict = false
  static override args = {command: Args.string({description: 'The command, as typed: `health`, `alerts list`.', ignoreStdin: true})}

  async run(): Promise<ResultOf<'schema'>> {
    const [{argv}, {COMMAND_IDS, COMMAND_RESULTS, commandJsonSchema, isCommandId}, {usageError}] = await Promise.all([
      this.parse({args: this.ctor.args, strict: false, flags: this.ctor.flags, baseFlags: BaseCommand.baseFlags, enableJsonFlag: true}),
      import('../schemas/commands.js'),
      import('../services/errors.js'),
    ])
    const id = (argv as string[]).join(' ').replaceAll(':', ' ').trim()
    if (id === '') {
      const commands = COMMAND_IDS.map((command) => ({
        command,
        description: this.config.findCommand(command.replaceAll(' ', ':'))?.summary ?? '',
        json_lines: 'jsonLines' in COMMAND_RESULTS[command],
      }))
      if (!this.jsonEnabled()) {
        const {table} = await import('../render/terminal.js')
        const p = this.painter(process.stdout)
        this.log(table(['command', '--json prints', 'summary'], commands.map((c) => [c.command, c.json_lines ? 'JSON lines' : 'one document', c.description]), p))
      }
      return {commands}
    }
    if (!isCommandId(id)) throw usageError(`no command ${JSON.stringify(id)}`, `run \`${this.config.bin} schema\` for the list`)
    const document = commandJsonSchema(id)
    // The schema is the data asked for: printed as JSON with or without --json.
    if (!this.jsonEnabled()) this.logJson(document)
    return document
  }
}
