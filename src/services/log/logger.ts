// Levelled logging for every service: human lines on stderr, JSON lines to HARBORMASTER_LOG_FILE,
// with configured secrets scrubbed from both.
import {appendFileSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import {redactor, secretFragments} from './redact.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** A logger whose records carry `fields` too (e.g. the job name). */
  child(fields: LogFields): Logger
}

const rank: Record<LogLevel, number> = {debug: 10, info: 20, warn: 30, error: 40}
const label: Record<LogLevel, string> = {debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR'}

export interface LoggerOptions {
  /** Lowest level written to stderr. */
  level: LogLevel
  /** Writes one finished line to stderr; none means stderr stays silent. */
  write?: (line: string) => void
  /** Colours a level label for a terminal; identity when colour is off. */
  paint?: (level: LogLevel, text: string) => string
  /** JSON-lines file: gets every record from `fileLevel` up, whatever `level` is. */
  file?: string
  fileLevel?: LogLevel
  /** Values that must never be written anywhere (secret URLs: their tokens too). */
  secrets?: string[]
  now?: () => number
}

export function createLogger(options: LoggerOptions): Logger {
  const scrub = redactor(secretFragments(options.secrets ?? []))
  const now = options.now ?? Date.now
  const fileLevel = options.fileLevel ?? 'debug'
  let fileReady = false

  const emit = (level: LogLevel, message: string, base: LogFields, fields?: LogFields) => {
    const all = {...base, ...fields}
    if (options.write && rank[level] >= rank[options.level]) {
      const extras = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      const tag = options.paint ? options.paint(level, label[level]) : label[level]
      options.write(scrub(`${tag} ${message}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`))
    }
    if (options.file && rank[level] >= rank[fileLevel]) {
      if (!fileReady) {
        mkdirSync(dirname(options.file), {recursive: true})
        fileReady = true
      }
      const record = {time: new Date(now()).toISOString(), level: label[level], message, ...all}
      appendFileSync(options.file, scrub(JSON.stringify(record)) + '\n')
    }
  }

  const make = (base: LogFields): Logger => ({
    debug: (m, f) => emit('debug', m, base, f),
    info: (m, f) => emit('info', m, base, f),
    warn: (m, f) => emit('warn', m, base, f),
    error: (m, f) => emit('error', m, base, f),
    child: (fields) => make({...base, ...fields}),
  })
  return make({})
}

/** A logger that drops everything (services called from tests that do not care about logs). */
export const silentLogger: Logger = createLogger({level: 'error'})
