// What every command shares (Django's BaseCommand): the common flags, the context (config, database,
// logger, clock), one-line errors with their fix, stacks only under --verbose, and closing the database.
import {format} from 'node:util'

import {Command, Flags, type Interfaces} from '@oclif/core'

import {type Painter, plainPainter} from '../render/terminal.js'
import {alongsideDone} from '../services/alongside.js'
import type {Context} from '../services/context.js'
import type {Config} from '../services/config.js'
import type {AnyDb} from '../services/db/transaction.js'
import type {createLogger, LogFormat, Logger} from '../services/log/logger.js'

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
    'log-format': Flags.string({
      description: 'Log lines on stderr: text (ISO time first when stderr is not a terminal) or json, one object per line (default: $HARBORMASTER_LOG_FORMAT or text).',
      options: ['text', 'json'],
      helpGroup: 'GLOBAL',
    }),
  }

  static override enableJsonFlag = true

  /**
   * Under --quiet a command prints nothing when it succeeds (cron mails any output): its report is held
   * and shown only when it fails. Commands whose output is the data asked for (lists, shows) set this false.
   */
  static quietHidesReport = true

  /**
   * Long-running services (serve, alert-worker) stop on SIGINT/SIGTERM as their normal end and exit 0;
   * every other command interrupted by a signal exits 128 + its number (130 SIGINT, 143 SIGTERM).
   */
  static runsUntilStopped = false

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  private openedDb?: AnyDb
  private openedContext?: Context
  private logger?: Logger
  /** Masks the configured credentials in whatever the command writes; identity until configuration is read. */
  private redact: (text: string) => string = (text) => text
  private secrets: string[] = []
  private heldReport: string[] = []
  private readonly stop = new AbortController()
  private stopSignal?: NodeJS.Signals
  /** The SIGINT/SIGTERM handler this command installed, removed when it ends (commands also run in-process). */
  private stopHandler?: (signal: NodeJS.Signals) => void
  /** What a second signal does instead of exiting at once, when the command gave one (see onSecondSignal). */
  private urgentStop?: {handler: () => void; used: boolean}

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
    await this.loadColour()
  }

  private colour?: Painter

  /** Whether colour is off for every stream: --no-color, NO_COLOR or --json. */
  private colourOff(): boolean {
    return Boolean(this.flags?.['no-color']) || Boolean(process.env.NO_COLOR) || this.jsonEnabled()
  }

  /** Loads chalk when some output goes to a terminal that wants colour (cron and pipes never load it). */
  private async loadColour(): Promise<void> {
    if (this.colour || this.colourOff() || !(process.stdout.isTTY || process.stderr.isTTY)) return
    const {colourPainter} = await import('../render/colour.js')
    this.colour = colourPainter()
  }

  /** Colour for a stream: only on a terminal, never with --no-color or NO_COLOR, never under --json. */
  protected painter(stream: NodeJS.WriteStream): Painter {
    const off = this.colourOff() || !stream.isTTY
    return off ? plainPainter : (this.colour ?? plainPainter)
  }

  private cachedConfig?: Config

  /** Command flags that stand in for settings (flag > environment); none by default. */
  protected configOverrides(): Partial<Record<keyof Config, string | number>> {
    return {}
  }

  /** The command's own overrides and the global flags that stand in for settings. */
  private allOverrides(): Partial<Record<keyof Config, string | number>> {
    const logFormat = this.flags?.['log-format']
    return {...this.configOverrides(), ...(logFormat ? {logFormat} : {})}
  }

  /** The resolved configuration (flag > environment > config file > default). */
  protected async loadConfig(): Promise<Config> {
    if (!this.cachedConfig) {
      // Imported here, not at the top: --help and --version never load configuration code.
      const {loadConfig} = await import('../services/config.js')
      await this.useSecrets()
      this.cachedConfig = loadConfig({dbPath: this.flags.db, overrides: this.allOverrides()})
      await this.useSecrets(this.cachedConfig)
    }
    return this.cachedConfig
  }

  /** Credentials a command was given in its own flags (a database URL's password): masked from now on too. */
  protected async addSecrets(values: Array<string | undefined>): Promise<void> {
    const {redactor, secretFragments} = await import('../services/log/redact.js')
    this.secrets = [...new Set([...(this.secrets ?? []), ...values.filter((v): v is string => Boolean(v))])]
    this.redact = redactor(secretFragments(this.secrets))
  }

  /** From now on, mask the credentials of the environment (and of `config`) in everything written. */
  private async useSecrets(config?: Config): Promise<void> {
    const [{environmentSecrets, secretValues}, {redactor, secretFragments}] = await Promise.all([import('../services/config.js'), import('../services/log/redact.js')])
    this.secrets = [...new Set([...environmentSecrets(), ...(config ? secretValues(config) : [])])]
    this.redact = redactor(secretFragments(this.secrets))
  }

  /**
   * Builds the service context: configuration, logger, clock and the database (migrated on first use).
   * `readonly`: the read-only commands open the database for reading only and never create it;
   * `'unless-writable'`: never create it either, but write when the file can be written (`jobs list` records
   * crashed runs it finds; on a read-only copy it only reports them). `readConnection`: on SQLite, reads of
   * other flows go through a second connection while a write transaction is open (serve).
   */
  protected async context(
    options: {migrate?: boolean; logLevel?: 'debug' | 'info' | 'warn'; readonly?: boolean | 'unless-writable'; readConnection?: boolean} = {},
  ): Promise<Context> {
    const [{openAnyDatabase, isWritableLocation}, {createLogger}, {systemClock, fixedClock}] = await Promise.all([
      import('../services/db/open.js'),
      import('../services/log/logger.js'),
      import('../services/clock.js'),
    ])
    const config = await this.loadConfig()
    const logger = this.makeLogger(createLogger, config, options.logLevel ?? this.logLevel())
    this.logger = logger
    const clock = config.now ? fixedClock(config.now) : systemClock
    const readonly = options.readonly === 'unless-writable' ? !isWritableLocation(config.dbPath) : (options.readonly ?? false)
    this.openedDb = await openAnyDatabase(config.dbPath, {
      applicationName: `harbormaster ${this.id ?? 'command'}`,
      migrate: options.migrate ?? true,
      readonly,
      readConnection: options.readConnection,
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
    })
    await this.installStopHandlers(logger)
    this.openedContext = {config, db: this.openedDb, logger, clock, signal: this.stop.signal}
    return this.openedContext
  }

  protected logLevel(): 'debug' | 'info' | 'warn' {
    if (this.flags.verbose) return 'debug'
    if (this.flags.quiet) return 'warn'
    return 'info'
  }

  private makeLogger(
    create: typeof createLogger,
    config: Config | undefined,
    level: 'debug' | 'info' | 'warn' | 'error',
  ): Logger {
    const colour = this.painter(process.stderr)
    return create({
      level,
      format: this.logFormat(),
      // A terminal shows the time itself; cron mail and captured logs need it on each line.
      timestamps: !process.stderr.isTTY,
      paint: (level, text) => colour.level(level, text),
      file: config?.logFile,
      // The configured secrets and those only the environment holds.
      secrets: this.secrets,
    })
  }

  /** --log-format > HARBORMASTER_LOG_FORMAT (or the config file) > text; known even when the configuration is broken. */
  private logFormat(): LogFormat {
    // Before the flags are parsed (a parse error), the command line is read as given.
    const given = this.argv.findIndex((arg) => arg === '--log-format' || arg.startsWith('--log-format='))
    const fromArgv = given < 0 ? undefined : this.argv[given].includes('=') ? this.argv[given].split('=')[1] : this.argv[given + 1]
    const chosen = this.flags?.['log-format'] ?? fromArgv ?? this.cachedConfig?.logFormat ?? process.env.HARBORMASTER_LOG_FORMAT
    return chosen === 'json' ? 'json' : 'text'
  }

  /**
   * The first SIGINT/SIGTERM aborts the context's signal: work stops at its next batch boundary, the lease
   * is released once it has, and the summary is printed. A second one exits at once, after recording the
   * interrupted runs as cancelled and releasing their leases (no transaction is ever open between batches).
   */
  private async installStopHandlers(logger: Logger): Promise<void> {
    if (this.stopHandler) return
    const {abandonNow, Cancelled, signalExitCode} = await import('../services/cancel.js')
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopSignal === undefined) {
        this.stopSignal = signal
        logger.warn(`${signal} received: stopping at the next batch boundary (send it again to stop at once)`)
        this.stop.abort(new Cancelled('signal', `stopped by ${signal}`, signal))
        return
      }
      if (this.urgentStop && !this.urgentStop.used) {
        this.urgentStop.used = true
        logger.warn(`${signal} received again: stopping now (send it a third time to exit at once)`)
        this.urgentStop.handler()
        return
      }
      const notes = abandonNow()
      logger.warn(`${signal} received again: exiting now${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`)
      // The log is written asynchronously: what is still buffered goes out before the process does.
      logger.flush()
      void this.openedDb?.close()
      process.exit(signalExitCode(signal))
    }
    this.stopHandler = onSignal
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }

  /**
   * A command whose cleanup cannot be synchronous (the queue worker returns its running jobs to the queue)
   * asks for the second SIGINT/SIGTERM to call `handler` instead of exiting; a third one exits at once.
   */
  protected onSecondSignal(handler: () => void): void {
    this.urgentStop = {handler, used: false}
  }

  /**
   * The system check (config check, alert-worker --config-check): every setting, the bad ones marked, and
   * the database (opened read-only, never created); exit 2 unless all is well. Works when the
   * configuration is broken, since showing what is wrong is its job.
   */
  protected async reportSystemCheck() {
    const [{inspectConfig}, {systemCheck}] = await Promise.all([import('../services/config.js'), import('../services/system-check.js')])
    await this.useSecrets()
    const report = await systemCheck(inspectConfig({dbPath: this.flags.db, overrides: this.allOverrides()}))
    if (!report.ok) process.exitCode = 2
    if (!this.jsonEnabled()) {
      const {renderSystemCheck} = await import('../render/summaries.js')
      this.log(renderSystemCheck(report, this.painter(process.stdout)))
    }
    return report
  }

  /** Results on stdout, credentials masked; under --quiet a report is held and shown only on failure. */
  override log(message = '', ...args: unknown[]): void {
    if (this.jsonEnabled()) return
    const text = this.redact(format(message, ...args))
    if (this.flags?.quiet && (this.ctor as typeof BaseCommand).quietHidesReport) {
      this.heldReport.push(text)
      return
    }
    process.stdout.write(`${text}\n`)
  }

  /** What must be shown even under --quiet (a token printed once). */
  protected logAlways(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(`${this.redact(text)}\n`)
  }

  /** Plain JSON on stdout: exactly one document, no colour codes, whatever the terminal; credentials masked. */
  override logJson(json: unknown): void {
    process.stdout.write(`${this.redact(JSON.stringify(json, null, 2))}\n`)
  }

  override async catch(error: Error & {exitCode?: number; hint?: string; oclif?: {exit?: number}}): Promise<void> {
    const {HarbormasterError, environmentError} = await import('../services/errors.js')
    if (!this.cachedConfig) await this.useSecrets().catch(() => undefined)
    // A parse error ends init before colour was loaded.
    await this.loadColour().catch(() => undefined)
    // A failure of the machine (damaged or full disk, port in use...) is not a bug: one line with what to do.
    const environment = environmentError(error, {dbPath: this.openedDb?.dialect === 'sqlite' ? this.openedDb.path : this.cachedConfig?.dbPath})
    if (environment) error = environment
    const expected = error instanceof HarbormasterError
    // oclif's own parse errors (unknown flag, bad option value) carry their exit code (2).
    const parseError = typeof error.oclif?.exit === 'number'
    const exitCode = expected ? error.exitCode : parseError ? (error.oclif?.exit as number) : 1
    process.exitCode = exitCode
    this.showHeldReport()
    // One line: oclif's parse errors span several ("The following error occurred:\n  --x ..."); join them.
    const message = this.redact(
      (error.message || String(error))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !/^See more help with/.test(line))
        .join(' ')
        .replace(/^The following errors? occurred: /, ''),
    )
    const hint = error.hint ? this.redact(error.hint) : undefined
    if (this.jsonEnabled()) {
      this.logJson({error: {message, ...(hint ? {hint} : {}), exit_code: exitCode}})
      return
    }
    if (this.logFormat() === 'json') {
      await this.logFailure(error, {message, hint, exitCode: exitCode ?? 1, environment, unexpected: !expected && !parseError})
      return
    }
    // After the log lines still on their way: the failure is the last thing said.
    const logger = this.logger
    const write = (text: string) => (logger ? logger.print(text) : process.stderr.write(text))
    const colour = this.painter(process.stderr)
    const shownHint = hint ? `; ${hint}` : parseError ? '; see --help' : ''
    write(`${colour.level('error', 'Error:')} ${message}${shownHint}\n`)
    if (environment && this.flags?.verbose) write(`${this.redact(`what the system said: ${String((environment.cause as Error)?.message ?? environment.cause)}`)}\n`)
    if (!expected && !parseError) {
      if (this.flags?.verbose) write(`${this.redact(String(error.stack))}\n`)
      else write('This is a bug in harbormaster; run again with --verbose for the stack.\n')
    }
  }

  /** The failure as one JSON log record (--log-format json: every stderr line is one object for the log shipper). */
  private async logFailure(
    error: Error,
    failure: {message: string; hint?: string; exitCode: number; environment?: Error; unexpected: boolean},
  ): Promise<void> {
    // Kept, so that the command's end waits for this line too.
    const logger = (this.logger ??= this.makeLogger((await import('../services/log/logger.js')).createLogger, undefined, 'error'))
    const verbose = Boolean(this.flags?.verbose)
    const cause = failure.environment && verbose ? String((failure.environment.cause as Error)?.message ?? failure.environment.cause) : undefined
    logger.error(failure.message, {
      ...(failure.hint ? {hint: failure.hint} : {}),
      exit_code: failure.exitCode,
      ...(cause ? {cause: this.redact(cause)} : {}),
      ...(failure.unexpected ? (verbose ? {stack: this.redact(String(error.stack))} : {note: 'This is a bug in harbormaster; run again with --verbose for the stack.'}) : {}),
    })
  }

  /** A report held under --quiet, shown after all because the command failed. */
  private showHeldReport(): void {
    if (this.heldReport.length > 0) process.stdout.write(`${this.heldReport.join('\n')}\n`)
    this.heldReport = []
  }

  override async finally(error: Error | undefined): Promise<void> {
    if (process.exitCode !== undefined && process.exitCode !== 0) this.showHeldReport()
    if (this.stopHandler) {
      process.off('SIGINT', this.stopHandler)
      process.off('SIGTERM', this.stopHandler)
    }
    // What the command sent alongside its work (dead-man's-switch pings) arrives before it ends.
    await alongsideDone()
    // A queue engine the command started (pg-boss keeps a pool of its own) stops before its database closes.
    if (this.openedContext) await (await import('../services/queue/queue.js')).stopQueueEngine(this.openedContext)
    await this.openedDb?.close()
    if (this.stopSignal && !(this.ctor as unknown as typeof BaseCommand).runsUntilStopped) {
      const {signalExitCode} = await import('../services/cancel.js')
      process.exitCode = signalExitCode(this.stopSignal)
    }
    // bin/run.js exits as soon as the command returns: its log lines are written first.
    await this.logger?.settle()
    await super.finally(error)
  }
}
