import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'

export default class AisDecode extends BaseCommand<typeof AisDecode> {
  static override summary = 'Decode NMEA 0183 AIVDM/AIVDO sentences from a file or standard input.'
  static override description = `Reads sentences with or without NMEA 4.0 tag blocks or a leading timestamp, verifies checksums,
reassembles multi-part messages, and decodes message types 1, 2, 3, 4, 5, 9, 18, 19, 21, 24 and 27 (other
types are reported with their type number). With --json, prints one JSON object per message per line
(JSON Lines); "not available" values become null. Rejected input goes to stderr with its reason, and a
summary line ends the run; a rejected line is shown cut to about 120 characters, control characters and
escape sequences written as escapes. Without a FILE (or with -) standard input is read. Exit 0 unless nothing
at all could be decoded; 2 when FILE cannot be read.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> capture.nmea',
    '<%= config.bin %> <%= command.id %> capture.nmea --json > decoded.jsonl',
    'nc 127.0.0.1 10110 | <%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --json < capture.nmea',
  ]

  static override args = {
    // ignoreStdin: oclif would otherwise read piped input as the FILE argument itself.
    file: Args.string({description: 'NMEA file to read; standard input when left out or -.', ignoreStdin: true}),
  }

  async run(): Promise<void> {
    const {createReadStream, statSync} = await import('node:fs')
    const {decodeStream} = await import('../../services/ais/decode-stream.js')
    const {usageError} = await import('../../services/errors.js')
    const {formatMessage, messageJson, rejectedLine, summaryLine} = await import('../../render/ais.js')

    const path = this.args.file ?? '-'
    if (path === '-' && process.stdin.isTTY) {
      throw usageError('no NMEA input: standard input is a terminal', 'pass a capture file, or pipe sentences in (`nc 127.0.0.1 10110 | harbormaster ais decode`)')
    }
    if (path !== '-') {
      const stat = statSync(path, {throwIfNoEntry: false})
      if (!stat) throw usageError(`NMEA file ${path} does not exist`, 'pass a file path, or pipe the sentences to standard input')
      if (stat.isDirectory()) throw usageError(`NMEA file ${path} is a directory`, 'pass the path of a capture file inside it')
    }
    const input = path === '-' ? process.stdin : createReadStream(path, {highWaterMark: 1 << 20})
    const json = this.jsonEnabled()
    const quiet = this.flags.quiet

    // Output is gathered into large writes: one write per message would cost more than the decoding.
    let buffer = ''
    const flush = async () => {
      if (!buffer) return
      const ok = process.stdout.write(buffer)
      buffer = ''
      if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve))
    }
    const stats = await decodeStream(
      input,
      (message) => {
        buffer += json ? `${messageJson(message)}\n` : `${formatMessage(message)}\n`
        if (buffer.length > 1 << 16) return flush()
      },
      quiet ? undefined : (reason, line) => process.stderr.write(`${rejectedLine(reason, line)}\n`),
    )
    await flush()
    if (!quiet || stats.messages === 0) process.stderr.write(`${summaryLine(stats, path === '-' ? 'standard input' : path)}\n`)
    if (stats.messages === 0) process.exitCode = 1
  }
}
