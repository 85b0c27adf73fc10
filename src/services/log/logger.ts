// Levelled logging for every service, through pino: text lines (ISO time first off a terminal) or JSON lines
// on stderr, JSON lines in HARBORMASTER_LOG_FILE, written asynchronously and flushed before exit, with
// credential fields redacted by name and configured secrets masked wherever they appear.
import {mkdirSync, openSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname} from 'node:path'

import type * as PinoModule from 'pino'
import type {DestinationStream, Logger as PinoLogger, StreamEntry} from 'pino'

import {SECRET_KEYS} from '../config.js'
import {MASK, redactor, secretFragments} from './redact.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>
/** `text`: one readable line per record; `json`: one JSON object per line, for log shippers. */
export type LogFormat = 'text' | 'json'

/**
 * What services log through: a message first, then its fields (pino's own order is the reverse, which is
 * easy to get wrong at a call site). `pino` is the logger underneath, for libraries that take one (fastify).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** A logger whose records carry `fields` too (e.g. the job name). */
  child(fields: LogFields): Logger
  readonly pino: PinoLogger
  /**
   * Writes `text` to stderr as it is, after the log lines before it (a command's failure line): writing to
   * stderr directly could overtake log lines still on their way. Secrets masked.
   */
  print(text: string): void
  /** Writes out every line still buffered, synchronously (before exiting at once). */
  flush(): void
  /**
   * Resolves once every line written so far has reached its destination, or the destination has failed (a
   * command ends with this, so that the process may exit as soon as it returns).
   */
  settle(): Promise<void>
}

export interface LoggerOptions {
  /** Lowest level written to stderr ('silent': none). */
  level: LogLevel | 'silent'
  format?: LogFormat
  /** Text lines start with their ISO 8601 time (cron mail, captured logs); a terminal shows the time itself. */
  timestamps?: boolean
  /** Colours a level word for a terminal; identity when colour is off. */
  paint?: (level: LogLevel, text: string) => string
  /** Where stderr lines go instead of stderr (tests). */
  destination?: DestinationStream
  /** JSON-lines file: gets every record from DEBUG up, whatever `level` is. */
  file?: string
  /** Values that must never be written anywhere (secret URLs: their tokens too). */
  secrets?: string[]
}

/** The human words for levels in text lines (operators' scripts and mail filters grep for them). */
const LEVEL_WORDS: Record<string, string> = {trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'FATAL'}
/** Record keys a text line shows in its own places, or not at all (every line of a run has the same pid and host). */
const TEXT_HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname'])

/** Field names whose values are credentials wherever they appear, one level deep (headers, config objects). */
const CREDENTIAL_FIELDS = ['authorization', 'cookie', 'password', 'token', 'access_token', 'api_key', 'apiKey', ...SECRET_KEYS]
const REDACT_PATHS = [...CREDENTIAL_FIELDS.flatMap((f) => [f, `*.${f}`]), 'req.headers.authorization', 'req.headers.cookie']

/** One text line for a pino record: `[time ]LEVEL message (field=value, ...)`. */
export function textLine(record: Record<string, unknown>, options: {timestamps?: boolean; paint?: LoggerOptions['paint']} = {}): string {
  const level = String(record.level)
  const word = LEVEL_WORDS[level] ?? level.toUpperCase()
  const tag = options.paint ? options.paint((level === 'fatal' ? 'error' : level === 'trace' ? 'debug' : level) as LogLevel, word) : word
  const extras: string[] = []
  for (const [key, value] of Object.entries(record)) {
    if (TEXT_HIDDEN.has(key) || value === undefined) continue
    extras.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  }
  const time = options.timestamps && typeof record.time === 'string' ? `${record.time} ` : ''
  return `${time}${tag} ${String(record.msg ?? '')}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}\n`
}

type Pino = typeof PinoModule.default
type Sink = DestinationStream & {flushSync?: () => void; settle?: () => Promise<void>}
type AsyncDestination = ReturnType<Pino['destination']>

let loadedPino: Pino | undefined
/**
 * pino, loaded on the first record written (or a log file opened): a command that logs nothing (health
 * --json, the read-only commands) never pays for loading it. pino is CommonJS, so it loads synchronously.
 */
function pinoModule(): Pino {
  loadedPino ??= createRequire(import.meta.url)('pino') as Pino
  return loadedPino
}

let stderrSink: Sink | undefined
/** One asynchronous writer on fd 2 per process: two would reorder each other's lines. */
function stderrDestination(): Sink {
  stderrSink ??= guarded(pinoModule().destination({dest: 2, sync: false}), () => undefined)
  return stderrSink
}

/** Opens the log file now (a directory or a forbidden path fails here, as a clear error), then writes asynchronously. */
function fileDestination(file: string, onError: (error: Error) => void): Sink {
  mkdirSync(dirname(file), {recursive: true})
  const fd = openSync(file, 'a')
  return guarded(pinoModule().destination({dest: fd, sync: false}), onError)
}

/**
 * A destination that, once it fails (a full disk, a closed stderr), is dropped instead of crashing the run or
 * retrying forever at exit: logging must never stop a job.
 */
function guarded(sink: AsyncDestination, onError: (error: Error) => void): Sink {
  let failed = false
  // Lines handed over since the destination last had nothing left to write ('drain'), and who waits for that.
  let pending = false
  const settled: Array<() => void> = []
  const release = () => {
    pending = false
    for (const resolve of settled.splice(0)) resolve()
  }
  sink.on('drain', release)
  sink.on('error', (error: Error) => {
    release()
    if (failed) return
    failed = true
    try {
      // Ends its retries, also those pino would make when the process exits.
      sink.destroy()
    } catch {
      // Already ended.
    }
    onError(error)
  })
  return {
    write: (line: string) => {
      if (failed) return
      pending = true
      sink.write(line)
    },
    // Waits for the writes under way, not for new ones: once this resolves, a line either reached the file or
    // the destination has failed (and is destroyed, so pino's own flush at exit leaves it alone: sonic-boom's
    // synchronous flush would retry a write to a full disk forever).
    settle: () => (failed || !pending ? Promise.resolve() : new Promise<void>((resolve) => settled.push(resolve))),
    // Writes what is buffered now. A write already under way finishes on its own, so when the process
    // exits at once (a second signal) the lines are all written, though that one may come after them.
    flushSync: () => {
      if (failed) return
      try {
        sink.flushSync()
      } catch {
        // A destination not ready or already ended has nothing of ours left to write.
      }
    },
  }
}

/**
 * A caller that runs commands in-process and reads what they write (tests through @oclif/test's
 * captureOutput, as Django's call_command takes a stderr) replaces process.stderr.write: log lines then go
 * through it, not past it on fd 2.
 */
const stderrCaptured = () => Object.hasOwn(process.stderr, 'write')
const capturedStderr: Sink = {write: (line: string) => void process.stderr.write(line)}

export function createLogger(options: LoggerOptions): Logger {
  const scrub = redactor(secretFragments(options.secrets ?? []))
  const sinks: Sink[] = []
  const streams: StreamEntry[] = []
  const output = (): Sink => options.destination ?? (stderrCaptured() ? capturedStderr : stderrDestination())
  const print = (text: string) => output().write(scrub(text))

  if (options.level !== 'silent') {
    // stderr's writer (and pino with it) is made when the first line is written: most runs of a read-only command write none.
    const destination = () => (options.destination as Sink | undefined) ?? stderrSink
    const out: Sink = {write: (line: string) => output().write(line), flushSync: () => destination()?.flushSync?.(), settle: async () => destination()?.settle?.()}
    sinks.push(out)
    const text = (options.format ?? 'text') === 'text'
    streams.push({
      level: options.level,
      stream: {
        write: (line: string) => {
          if (!text) return void out.write(scrub(line))
          let record: Record<string, unknown>
          try {
            record = JSON.parse(line) as Record<string, unknown>
          } catch {
            return void out.write(scrub(line))
          }
          out.write(scrub(textLine(record, options)))
        },
      },
    })
  }

  if (options.file) {
    const file = options.file
    // Reported on stderr once; the run goes on, logging to stderr only.
    const sink = fileDestination(file, (error) => {
      root().warn({error: (error as NodeJS.ErrnoException).code ?? error.message, file}, 'log file cannot be written; logging to stderr only')
    })
    sinks.push(sink)
    streams.push({level: 'debug', stream: {write: (line: string) => sink.write(scrub(line))}})
  }

  const lowest = streams.length === 0 ? 'silent' : streams.some((s) => s.level === 'debug') ? 'debug' : (options.level as LogLevel)
  let made: PinoLogger | undefined
  const root = (): PinoLogger => {
    if (!made) {
      const pino = pinoModule()
      made = pino(
        {
          level: lowest,
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: {level: (label) => ({level: label})},
          redact: {paths: REDACT_PATHS, censor: MASK},
        },
        pino.multistream(streams),
      )
    }
    return made
  }
  const flush = () => {
    for (const sink of sinks) sink.flushSync?.()
  }
  const settle = async () => {
    await Promise.all(sinks.map(async (sink) => sink.settle?.()))
  }
  return facade(root, {print, flush, settle})
}

/** `log` makes the pino logger underneath on first use (children are made from it then too). */
function facade(log: () => PinoLogger, output: Pick<Logger, 'print' | 'flush' | 'settle'>): Logger {
  const at = (level: LogLevel) => (message: string, fields?: LogFields) => (fields ? log()[level](fields, message) : log()[level](message))
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => {
      let child: PinoLogger | undefined
      return facade(() => (child ??= log().child(fields)), output)
    },
    get pino() {
      return log()
    },
    ...output,
  }
}

/** A logger that drops everything (services called from tests that do not care about logs). */
export const silentLogger: Logger = createLogger({level: 'silent'})
