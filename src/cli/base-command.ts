// What every command shares (Django's BaseCommand): the common flags, the context (config, database,
// logger, clock), one-line errors with their fix, stacks only under --verbose, and closing the database.
import {Command, Flags, type Interfaces} from '@oclif/core'

import {paint, type Painter} from '../render/terminal.js'
import type {Context} from '../services/context.js'
import type {Config} from '../services/config.js'
import type {Db} from '../services/db/client.js'
import type {Logger} from '../services/log/logger.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    verbose: Flags.boolean({char: 'v', description: 'Log DEBUG lines and show stacks of unexpected errors.', helpGroup: 'GLOBAL'}),
    quiet: Flags.boolean({
      char: 'q',
      description: 'Only warnings and errors on stderr.',
      helpGroup: 'GLOBAL',
      exclusive: ['verbose'],
    }),
    db: Flags.string({
      description: 'SQLite database file (default: $HARBORMASTER_DB or ./var/harbormaster.db).',
      helpValue: '<path>',
      helpGroup: 'GLOBAL',
    }),
    'no-color': Flags.boolean({description: 'Plain output without colour (also NO_COLOR=1).', helpGroup: 'GLOBAL'}),
  }

  static override enableJsonFlag = true

  /**
   * Long-running services (serve, alert-worker) stop on SIGINT/SIGTERM as their normal end and exit 0;
   * every other command interrupted by a signal exits 128 + its number (130 SIGINT, 143 SIGTERM).
   */
  static runsUntilStopped = false

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  private openedDb?: Db
  private readonly stop = new AbortController()
  private stopSignal?: NodeJS.Signals
  private stopHandlers = false

  override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
  }

  /** Colour for a stream: only on a terminal, never with --no-color or NO_COLOR, never under --json. */
  protected painter(stream: NodeJS.WriteStream): Painter {
    const off = this.flags?.['no-color'] || Boolean(process.env.NO_COLOR) || this.jsonEnabled() || !stream.isTTY
    return paint(!off)
  }

  private cachedConfig?: Config

  /** Command flags that stand in for settings (flag > environment); none by default. */
  protected configOverrides(): Partial<Record<keyof Config, string | number>> {
    return {}
  }

  /** The resolved configuration (flag > environment > config file > default). */
  protected async loadConfig(): Promise<Config> {
    if (!this.cachedConfig) {
      // Imported here, not at the top: --help and --version never load configuration code.
      const {loadConfig} = await import('../services/config.js')
      this.cachedConfig = loadConfig({dbPath: this.flags.db, overrides: this.configOverrides()})
    }
    return this.cachedConfig
  }

  /** Builds the service context: configuration, logger, clock and the database (migrated on first use). */
  protected async context(options: {migrate?: boolean; logLevel?: 'debug' | 'info' | 'warn'} = {}): Promise<Context> {
    const [{openDatabase}, {createLogger}, {systemClock, fixedClock}] = await Promise.all([
      import('../services/db/client.js'),
      import('../services/log/logger.js'),
      import('../services/clock.js'),
    ])
    const config = await this.loadConfig()
    const logger = this.makeLogger(createLogger, config, options.logLevel ?? this.logLevel())
    const clock = config.now ? fixedClock(config.now) : systemClock
    this.openedDb = openDatabase(config.dbPath, {migrate: options.migrate ?? true})
    await this.installStopHandlers(logger)
    return {config, db: this.openedDb, logger, clock, signal: this.stop.signal}
  }

  protected logLevel(): 'debug' | 'info' | 'warn' {
    if (this.flags.verbose) return 'debug'
    if (this.flags.quiet) return 'warn'
    return 'info'
  }

  private makeLogger(
    create: typeof import('../services/log/logger.js').createLogger,
    config: Config,
    level: 'debug' | 'info' | 'warn',
  ): Logger {
    const colour = this.painter(process.stderr)
    const secrets = [config.aisstreamApiKey, config.adminToken, config.pingUrl].filter((s): s is string => Boolean(s))
    return create({
      level,
      write: (line) => process.stderr.write(`${line}\n`),
      paint: (level, text) => colour.level(level, text),
      file: config.logFile,
      secrets,
    })
  }

  /**
   * The first SIGINT/SIGTERM aborts the context's signal: work stops at its next batch boundary, the lease
   * is released once it has, and the summary is printed. A second one exits at once, after recording the
   * interrupted runs as cancelled and releasing their leases (no transaction is ever open between batches).
   */
  private async installStopHandlers(logger: Logger): Promise<void> {
    if (this.stopHandlers) return
    this.stopHandlers = true
    const {abandonNow, Cancelled, signalExitCode} = await import('../services/cancel.js')
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopSignal === undefined) {
        this.stopSignal = signal
        logger.warn(`${signal} received: stopping at the next batch boundary (send it again to stop at once)`)
        this.stop.abort(new Cancelled('signal', `stopped by ${signal}`, signal))
        return
      }
      const notes = abandonNow()
      logger.warn(`${signal} received again: exiting now${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`)
      this.openedDb?.close()
      process.exit(signalExitCode(signal))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }

  /** The system check (config check, alert-worker --config-check): prints the report, exit 2 unless all is well. */
  protected async reportSystemCheck() {
    const config = await this.loadConfig()
    const {systemCheck} = await import('../services/system-check.js')
    const report = systemCheck(config)
    if (!report.ok) process.exitCode = 2
    if (!this.jsonEnabled()) {
      const {renderSystemCheck} = await import('../render/summaries.js')
      this.log(renderSystemCheck(report, this.painter(process.stdout)))
    }
    return report
  }

  /** Plain JSON on stdout: exactly one document, no colour codes, whatever the terminal. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  override async catch(error: Error & {exitCode?: number; hint?: string; oclif?: {exit?: number}}): Promise<void> {
    const {HarbormasterError} = await import('../services/errors.js')
    const expected = error instanceof HarbormasterError
    // oclif's own parse errors (unknown flag, bad option value) carry their exit code (2).
    const parseError = typeof error.oclif?.exit === 'number'
    const exitCode = expected ? error.exitCode : parseError ? (error.oclif?.exit as number) : 1
    process.exitCode = exitCode
    // One line: oclif's parse errors span several ("The following error occurred:\n  --x ..."); join them.
    const message = (error.message || String(error))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !/^See more help with/.test(line))
      .join(' ')
      .replace(/^The following errors? occurred: /, '')
    if (this.jsonEnabled()) {
      this.logJson({error: {message, ...(error.hint ? {hint: error.hint} : {}), exit_code: exitCode}})
      return
    }
    const colour = this.painter(process.stderr)
    const hint = error.hint ? `; ${error.hint}` : parseError ? '; see --help' : ''
    process.stderr.write(`${colour.level('error', 'Error:')} ${message}${hint}\n`)
    if (!expected && !parseError) {
      if (this.flags?.verbose) process.stderr.write(`${error.stack}\n`)
      else process.stderr.write('This is a bug in harbormaster; run again with --verbose for the stack.\n')
    }
  }

  override async finally(error: Error | undefined): Promise<void> {
    this.openedDb?.close()
    if (this.stopSignal && !(this.ctor as unknown as typeof BaseCommand).runsUntilStopped) {
      const {signalExitCode} = await import('../services/cancel.js')
      process.exitCode = signalExitCode(this.stopSignal)
    }
    await super.finally(error)
  }
}
