// What every service receives: configuration, database, logger, clock and (lazily) the HTTP client.
import type {Clock} from './clock.js'
import type {Config} from './config.js'
import type {AnyDb} from './db/transaction.js'
import type {HttpClient, HttpRuntime} from './http/client.js'
import type {Logger} from './log/logger.js'

export interface Context {
  config: Config
  /** SQLite's file or a PostgreSQL server (HARBORMASTER_DB / --db). */
  db: AnyDb
  logger: Logger
  clock: Clock
  /** Set by tests or created on first use by the providers that go outside. */
  http?: HttpClient
  /** Replaces sleep/random of HTTP retries (a fake clock in tests). */
  httpRuntime?: Partial<HttpRuntime>
  /**
   * Aborted when the work must stop: an operator's SIGINT/SIGTERM, the job's timeout, a pause, a lost lease
   * (the reason is a `Cancelled`). Long loops check it between batches; outside calls pass it on.
   */
  signal?: AbortSignal
  /** The job_runs row of the run this work belongs to, when the runner runs it (what its notifications point at). */
  runId?: number
}
