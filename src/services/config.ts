// The one configuration module: environment first (cron lines stay one-liners), then an optional
// harbormaster.config.json beside the database, validated with zod; secrets are masked when shown. zod's mini
// build: every command loads this module, and the mini build is a twentieth of the full one to load.
import {existsSync, readFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

import {defaultCacheDir} from './cache/derived-cache.js'
import type {SettingReport} from '../schemas/config.js'
import {usageError} from './errors.js'
import {databasePassword, redactDatabaseUrl} from './db/location.js'
import type {QuotaWindow} from './db/model.js'

export const DEFAULT_DB_PATH = './var/harbormaster.db'

const aisSourcePattern = /^(sample|aisstream|aishub|nmea-file:.+|nmea-tcp:[^:]+:\d+|nmea-udp:\d+)$/

/** One setting: the variable that sets it, its zod type, its default, whether it is a credential, and what it is for. */
export interface SettingSpec<T extends z.ZodMiniType = z.ZodMiniType> {
  env: string
  type: T
  /** The value when nothing sets it (a function: computed from the environment); none: the setting stays unset. */
  default?: string | ((env: NodeJS.ProcessEnv) => string)
  /** The default as the README states it, when it is computed or applied by the code that reads the setting. */
  shownDefault?: string
  /** A credential: never shown, logged or written to --json. */
  secret?: boolean
  description: string
}

// Messages in English, as the full build has by default (the mini build loads no locale by itself).
z.config(en())

const setting = <T extends z.ZodMiniType>(spec: SettingSpec<T>) => spec
/** A whole number from min (to max), given as text. */
const integer = (min: number, max?: number) => z.coerce.number().check(z.int(), z.gte(min), ...(max === undefined ? [] : [z.lte(max)]))
const count = integer(0)
const positiveInt = z.coerce.number().check(z.int(), z.positive())
const text = (...checks: Parameters<ReturnType<typeof z.string>['check']>) => z.string().check(...checks)

/**
 * Every setting harbormaster reads, in one table: the configuration's schema, the environment names, the
 * defaults, the credentials, `config check` and the README's configuration table all come from it.
 */
export const SETTINGS = {
  dbPath: setting({env: 'HARBORMASTER_DB', type: text(z.minLength(1)), default: DEFAULT_DB_PATH, description: 'SQLite database file (created, with its directory, by writing commands only) or a PostgreSQL URL (`postgres://user:pass@host:5432/db`, password masked as ***); `--db` wins over it'}),
  logFile: setting({env: 'HARBORMASTER_LOG_FILE', type: z.optional(text(z.minLength(1))), description: 'JSON-lines log file (every record from DEBUG up), in addition to stderr'}),
  logFormat: setting({env: 'HARBORMASTER_LOG_FORMAT', type: z.enum(['text', 'json']), default: 'text', description: 'log lines on stderr: `text` (ISO time first when stderr is not a terminal) or `json` (one object per line, for log shippers); `--log-format` wins over it'}),
  aisSource: setting({
    env: 'HARBORMASTER_AIS_SOURCE',
    type: text(z.regex(aisSourcePattern, 'expected sample, nmea-file:PATH, nmea-tcp:HOST:PORT, nmea-udp:PORT, aisstream or aishub')),
    default: 'sample',
    description: 'where vessel positions come from: `sample`, `nmea-file:PATH`, `nmea-tcp:HOST:PORT`, `nmea-udp:PORT`, `aisstream`, `aishub`',
  }),
  aisstreamApiKey: setting({env: 'AISSTREAM_API_KEY', type: z.optional(text(z.minLength(1))), secret: true, description: 'aisstream.io API key'}),
  aisstreamUrl: setting({env: 'HARBORMASTER_AISSTREAM_URL', type: z.url(), default: 'wss://stream.aisstream.io/v0/stream', description: 'aisstream.io WebSocket URL'}),
  aisstreamBoxes: setting({
    env: 'HARBORMASTER_AISSTREAM_BBOXES',
    type: text(z.regex(/^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+(;-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+)*$/, 'expected minLon,minLat,maxLon,maxLat[;...]')),
    default: '-180,-90,180,90',
    description: 'aisstream boxes, `minLon,minLat,maxLon,maxLat` separated by `;`',
  }),
  aisWindowSeconds: setting({env: 'HARBORMASTER_AIS_WINDOW_SECONDS', type: z.coerce.number().check(z.positive()), default: '60', description: 'how long streaming AIS sources (TCP, UDP, aisstream) are read per run; `--duration` wins over it'}),
  aishubUsername: setting({env: 'AISHUB_USERNAME', type: z.optional(text(z.minLength(1))), secret: true, description: "AISHub web service user (AISHub's credential)"}),
  aishubUrl: setting({env: 'HARBORMASTER_AISHUB_URL', type: z.url(), default: 'https://data.aishub.net/ws.php', description: 'AISHub web service URL'}),
  nwsUrl: setting({env: 'HARBORMASTER_NWS_URL', type: z.url(), default: 'https://api.weather.gov', description: 'NWS API base URL'}),
  // Every marine zone NWS has (coastal, offshore, high seas) and the coastal land zones surf warnings name,
  // with room for retries: a national storm day on an empty cache fits in one run.
  nwsZoneFetchBudget: setting({env: 'HARBORMASTER_NWS_ZONE_FETCH_BUDGET', type: count, default: '2000', description: 'network requests for NWS zone outlines per run (retries count, cached outlines do not)'}),
  portsSource: setting({env: 'HARBORMASTER_PORTS_SOURCE', type: z.enum(['ais', 'simulated']), default: 'ais', description: '`ais` (congestion derived from positions) or `simulated` (demo, labelled)'}),
  pingUrl: setting({env: 'HARBORMASTER_PING_URL', type: z.optional(z.url()), secret: true, description: "dead-man's-switch URL pinged on start, success and failure (`{job}` is the job's name)"}),
  adminToken: setting({env: 'HARBORMASTER_ADMIN_TOKEN', type: z.optional(text(z.minLength(16, 'must be at least 16 characters'))), secret: true, description: 'bootstrap admin token for the HTTP API'}),
  now: setting({env: 'HARBORMASTER_NOW', type: z.optional(z.iso.datetime({offset: true})), description: 'a fixed "now" (ISO 8601) for reproducible runs and tests; unset in production'}),
  httpTimeoutMs: setting({env: 'HARBORMASTER_HTTP_TIMEOUT_MS', type: positiveInt, default: '15000', description: 'read timeout of outside calls (per provider defaults are capped by it)'}),
  httpConnectTimeoutMs: setting({env: 'HARBORMASTER_HTTP_CONNECT_TIMEOUT_MS', type: positiveInt, default: '5000', description: 'connect timeout of outside calls'}),
  httpRetries: setting({env: 'HARBORMASTER_HTTP_RETRIES', type: integer(0, 10), default: '3', description: 'retries after a failed call (timeouts, connection errors, 429, 5xx)'}),
  httpMaxBytes: setting({env: 'HARBORMASTER_HTTP_MAX_BYTES', type: positiveInt, default: String(20 * 1024 * 1024), description: 'largest response accepted'}),
  httpMaxRetryAfterSeconds: setting({env: 'HARBORMASTER_HTTP_MAX_RETRY_AFTER_SECONDS', type: count, default: '30', description: 'longest `Retry-After` waited for (a longer one falls back instead)'}),
  httpDeadlineMs: setting({env: 'HARBORMASTER_HTTP_DEADLINE_MS', type: positiveInt, default: '20000', description: 'overall deadline of one outside call: all its attempts and the waits between them'}),
  cacheTtlAisSeconds: setting({env: 'HARBORMASTER_CACHE_TTL_AIS_SECONDS', type: count, default: '300', description: 'time to live of cached AIS answers'}),
  cacheTtlWeatherSeconds: setting({env: 'HARBORMASTER_CACHE_TTL_WEATHER_SECONDS', type: count, default: '600', description: 'time to live of cached weather answers'}),
  cacheTtlPortsSeconds: setting({env: 'HARBORMASTER_CACHE_TTL_PORTS_SECONDS', type: count, default: '3600', description: 'time to live of cached port answers'}),
  quotas: setting({
    env: 'HARBORMASTER_QUOTAS',
    type: text(z.regex(/^([a-z-]+=\d+\/(minute|hour|day|month))?(,[a-z-]+=\d+\/(minute|hour|day|month))*$/, 'expected provider=N/minute|hour|day|month, comma separated')),
    default: '',
    description: 'provider quotas, `provider=N/minute|hour|day|month` comma separated, e.g. `nws=1000/day,aishub=100000/month` (a month is the calendar month, UTC)',
  }),
  openMeteoUrl: setting({env: 'HARBORMASTER_OPEN_METEO_URL', type: z.url(), default: 'https://marine-api.open-meteo.com/v1/marine', description: 'Open-Meteo marine API'}),
  portWeatherPorts: setting({env: 'HARBORMASTER_PORT_WEATHER_PORTS', type: count, default: '100', description: 'how many of the busiest ports get sea-state readings each run'}),
  providerFallbackGraceMinutes: setting({env: 'HARBORMASTER_PROVIDER_FALLBACK_GRACE_MINUTES', type: positiveInt, default: '120', description: 'a provider serving only fallbacks for longer than this makes health degraded'}),
  backupDir: setting({
    env: 'HARBORMASTER_BACKUP_DIR',
    type: z.optional(text(z.minLength(1))),
    shownDefault: '`backups/` beside the database (`./var/backups` for a PostgreSQL URL)',
    description: 'where `db backup` writes',
  }),
  pgBinDir: setting({
    env: 'HARBORMASTER_PG_BIN_DIR',
    type: z.optional(text(z.minLength(1))),
    shownDefault: "`PATH`, then Debian's newest `/usr/lib/postgresql/<version>/bin`",
    description: 'PostgreSQL: the folder of `pg_dump` and `pg_restore` (`db backup`, `db restore`), as new as the server or newer',
  }),
  backupRetentionDays: setting({env: 'HARBORMASTER_BACKUP_RETENTION_DAYS', type: positiveInt, default: '30', description: 'how long backups are kept (the newest always is)'}),
  retentionPositionsDays: setting({env: 'HARBORMASTER_RETENTION_POSITIONS_DAYS', type: positiveInt, default: '30', description: 'cleanup: days vessel positions are kept'}),
  retentionEventsDays: setting({env: 'HARBORMASTER_RETENTION_EVENTS_DAYS', type: positiveInt, default: '90', description: 'cleanup: days resolved safety and alert events are kept'}),
  retentionNotificationsDays: setting({env: 'HARBORMASTER_RETENTION_NOTIFICATIONS_DAYS', type: positiveInt, default: '90', description: 'cleanup: days notifications are kept'}),
  retentionJobRunsDays: setting({env: 'HARBORMASTER_RETENTION_JOB_RUNS_DAYS', type: positiveInt, default: '90', description: 'cleanup: days job runs are kept'}),
  retentionSnapshotsDays: setting({env: 'HARBORMASTER_RETENTION_SNAPSHOTS_DAYS', type: positiveInt, default: '90', description: 'cleanup: days congestion snapshots are kept'}),
  retentionProviderUsageDays: setting({
    env: 'HARBORMASTER_RETENTION_PROVIDER_USAGE_DAYS',
    type: positiveInt,
    default: '90',
    description: "cleanup: days providers' per-window call counts are kept (only those of months quota-reset has closed go; the monthly totals stay)",
  }),
  jobRetryBaseMs: setting({env: 'HARBORMASTER_JOB_RETRY_BASE_MS', type: count, default: '1000', description: "first delay between a failed job's retries (doubling, jittered, capped at 30 s)"}),
  jobTimeouts: setting({
    env: 'HARBORMASTER_JOB_TIMEOUTS',
    type: text(z.regex(/^([a-z-]+=\d+)?(,[a-z-]+=\d+)*$/, 'expected job=seconds, comma separated')),
    default: '',
    shownDefault: "the registry's",
    description: "per-job timeouts overriding the registry's, `job=seconds` comma separated (a job past it is stopped at its next batch boundary)",
  }),
  dbPoolSize: setting({env: 'HARBORMASTER_DB_POOL_SIZE', type: integer(1, 100), default: '5', description: 'PostgreSQL: connections each process keeps at most'}),
  dbStatementTimeoutMs: setting({env: 'HARBORMASTER_DB_STATEMENT_TIMEOUT_MS', type: positiveInt, default: '60000', description: 'PostgreSQL: the longest one statement may run before the server cancels it'}),
  host: setting({
    env: 'HARBORMASTER_HOST',
    type: text(z.minLength(1), z.maxLength(200)),
    default: () => hostname(),
    shownDefault: "the machine's host name",
    description: "this host's name in leases, job runs and pauses (a lease's pid is checked only on its own host); give each host of a shared database its own",
  }),
  lockLeaseSeconds: setting({env: 'HARBORMASTER_LOCK_LEASE_SECONDS', type: positiveInt, default: '900', description: 'job lease length (renewed by a heartbeat every third of it, at least every second)'}),
  positionWindowMinutes: setting({
    env: 'HARBORMASTER_POSITION_WINDOW_MINUTES',
    type: positiveInt,
    default: '360',
    description: "how far back from the newest stored position a vessel's latest position counts; a stop whose vessel is silent longer ends at its last report",
  }),
  behaviourSlicePositions: setting({
    env: 'HARBORMASTER_BEHAVIOUR_SLICE_POSITIONS',
    type: positiveInt,
    default: '2000000',
    description:
      'behaviour pass: new positions analysed per slice, each slice committed whole with its events and the watermark (lower it to hold less in memory on a large backlog)',
  }),
  piracyClusterKm: setting({env: 'HARBORMASTER_PIRACY_CLUSTER_KM', type: z.coerce.number().check(z.positive()), default: '100', description: 'piracy risk areas: incidents closer than this chain into one area'}),
  piracyMaxGapKm: setting({env: 'HARBORMASTER_PIRACY_MAX_GAP_KM', type: z.coerce.number().check(z.positive()), default: '150', description: "piracy risk areas: the farthest an area's hull may lie (plus the buffer) from the incidents that anchor it"}),
  piracyCoreWeight: setting({env: 'HARBORMASTER_PIRACY_CORE_WEIGHT', type: z.coerce.number().check(z.positive()), default: '3', description: 'piracy risk areas: the weighted incidents within the cluster distance an anchoring incident needs'}),
  piracyHalfLifeDays: setting({env: 'HARBORMASTER_PIRACY_HALF_LIFE_DAYS', type: z.coerce.number().check(z.positive()), default: '1095', description: "piracy risk areas: an incident's weight halves every this many days before the newest incident of the data"}),
  piracyBufferQuantile: setting({
    env: 'HARBORMASTER_PIRACY_BUFFER_QUANTILE',
    type: z.coerce.number().check(z.gt(0), z.lt(1)),
    default: '0.6',
    description: "piracy risk areas: the buffer is this quantile of the distances from each year's incidents to earlier years' incidents",
  }),
  piracyPositionToleranceKm: setting({env: 'HARBORMASTER_PIRACY_POSITION_TOLERANCE_KM', type: z.coerce.number().check(z.gte(0)), default: '2', description: 'piracy risk areas: the disc kept around incidents the land outline puts ashore'}),
  cacheDir: setting({
    env: 'HARBORMASTER_CACHE_DIR',
    type: text(z.minLength(1)),
    default: (env) => defaultCacheDir(env),
    shownDefault: '`$XDG_CACHE_HOME/harbormaster`, else `~/.cache/harbormaster`',
    description: "where data derived from shipped data (built piracy risk areas) and the commands' compiled code (from the environment only) are cached",
  }),
  apiRateLimitPerMinute: setting({env: 'HARBORMASTER_API_RATE_LIMIT', type: count, default: '600', description: 'HTTP API requests a minute per client (bearer token, else address); `0`: no limit'}),
  webSessionHours: setting({env: 'HARBORMASTER_WEB_SESSION_HOURS', type: integer(1, 24 * 30), default: '12', description: 'hours a web page session lasts after sign-in (then the page asks for a token again)'}),
  learnedCellMinVessels: setting({
    env: 'HARBORMASTER_LEARNED_CELL_MIN_VESSELS',
    type: integer(1),
    default: '3',
    description: "distinct vessels stopped 3 h or more in a cell before it becomes a port's anchorage (or berth) cell",
  }),
  queueWeights: setting({
    env: 'HARBORMASTER_QUEUE_WEIGHTS',
    type: text(z.regex(/^(critical|analysis|compliance|default)=\d+(,(critical|analysis|compliance|default)=\d+)*$/, 'expected queue=weight, comma separated (critical, analysis, compliance, default)')),
    default: 'critical=6,analysis=2,compliance=1,default=1',
    description: "workers: each queue's share of worker slots when all are busy; `worker --queues` wins over it",
  }),
  workerConcurrency: setting({env: 'HARBORMASTER_WORKER_CONCURRENCY', type: integer(1, 256), default: '10', description: 'workers: jobs one worker runs at once; `worker --concurrency` wins over it'}),
  workerHeartbeatSeconds: setting({
    env: 'HARBORMASTER_WORKER_HEARTBEAT_SECONDS',
    type: positiveInt,
    default: '30',
    description: "workers: a worker silent this long is lost, and its jobs go back to the queue (on PostgreSQL also pg-boss's expiry of an active job)",
  }),
  workerGraceSeconds: setting({env: 'HARBORMASTER_WORKER_GRACE_SECONDS', type: count, default: '25', description: 'workers: on SIGTERM or SIGINT, how long running jobs may finish before they go back to the queue'}),
  queuePendingWarnSeconds: setting({env: 'HARBORMASTER_QUEUE_PENDING_WARN_SECONDS', type: positiveInt, default: '300', description: 'health: a job due and not taken for longer than this makes the queue degraded'}),
  queuePendingFailSeconds: setting({env: 'HARBORMASTER_QUEUE_PENDING_FAIL_SECONDS', type: positiveInt, default: '1800', description: 'health: a job due and not taken for longer than this makes the queue unhealthy'}),
  queueDeadFailCount: setting({env: 'HARBORMASTER_QUEUE_DEAD_FAIL_COUNT', type: positiveInt, default: '100', description: 'health: this many jobs gone to the dead letter in 24 h make the queue unhealthy (any one makes it degraded)'}),
  probesDisabled: setting({
    env: 'HARBORMASTER_PROBES_DISABLED',
    type: text(z.regex(/^([a-z-]+)?(,[a-z-]+)*$/, 'expected provider names, comma separated')),
    default: '',
    description: 'health-check: providers not probed, comma separated, e.g. `nws,aishub` (their probes neither call nor count against quotas)',
  }),
  retentionProbesDays: setting({env: 'HARBORMASTER_RETENTION_PROBES_DAYS', type: integer(7), default: '30', description: 'cleanup: days health-check probes are kept (7 at least: `providers status` shows uptime over 7 days)'}),
  archiveEnabled: setting({
    env: 'HARBORMASTER_ARCHIVE',
    type: z.enum(['on', 'off']),
    default: 'off',
    description: '`on`: the `archive` job writes positions, resolved events and notifications past their retention to monthly files, and `cleanup` deletes only rows of months archived; `off`: no archive, cleanup deletes by retention alone',
  }),
  archiveDir: setting({
    env: 'HARBORMASTER_ARCHIVE_DIR',
    type: z.optional(text(z.minLength(1))),
    shownDefault: '`archive/` beside the backups folder',
    description: 'where `db archive` writes its monthly files and `db archive restore` reads them',
  }),
  reportsDir: setting({
    env: 'HARBORMASTER_REPORTS_DIR',
    type: z.optional(text(z.minLength(1))),
    shownDefault: '`reports/` beside the database (`./var/reports` for a PostgreSQL URL)',
    description: 'where `weekly-summary` writes each week\'s report, in a folder named by the end of the week',
  }),
  weeklyReportRetentionWeeks: setting({env: 'HARBORMASTER_WEEKLY_REPORT_RETENTION_WEEKS', type: positiveInt, default: '12', description: 'how many weekly reports are kept (the newest always is)'}),
} as const satisfies Record<string, SettingSpec>

export type SettingKey = keyof typeof SETTINGS
export type Config = {[K in SettingKey]: z.infer<(typeof SETTINGS)[K]['type']>}

const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[]

/** A setting's name where people see it (config check, harbormaster.config.json): snake_case. */
export function settingName(key: SettingKey): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

const keyByName = new Map(SETTING_KEYS.map((key) => [settingName(key), key]))

/** The default as documented: the value, a computed default said in words, or none. */
export function shownDefault(key: SettingKey): string | undefined {
  const spec: SettingSpec = SETTINGS[key]
  if (spec.shownDefault) return spec.shownDefault
  if (typeof spec.default === 'string') return spec.default === '' ? undefined : `\`${spec.default}\``
  return undefined
}

/** Keys whose values are credentials: they never appear in output, logs, errors or --json. */
export const SECRET_KEYS: readonly SettingKey[] = SETTING_KEYS.filter((key) => (SETTINGS[key] as SettingSpec).secret)

/** The credential values set in a configuration, for masking whatever harbormaster writes. */
export function secretValues(config: Partial<Config>): string[] {
  const password = config.dbPath ? databasePassword(config.dbPath) : undefined
  return [...SECRET_KEYS.map((key) => config[key]), password].filter((v): v is string => typeof v === 'string' && v !== '')
}

/** The credential values the environment holds, known before (and without) a valid configuration. */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const url = nonEmpty(env[SETTINGS.dbPath.env])
  const password = url ? databasePassword(url) : undefined
  return [...SECRET_KEYS.map((key) => nonEmpty(env[SETTINGS[key].env])), password].filter((v): v is string => v !== undefined)
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv
  /** --db flag: wins over HARBORMASTER_DB. */
  dbPath?: string
  /** Other flags that win over their environment variables (e.g. --duration). */
  overrides?: Partial<Record<SettingKey, string | number>>
  cwd?: string
}

export type {SettingReport} from '../schemas/config.js'

export interface ConfigInspection {
  /** Every setting by its name (snake_case), in the table's order. */
  settings: Record<string, SettingReport>
  /** Problems that belong to no single setting (an unreadable configuration file, an unknown key in it). */
  problems: string[]
  /** The configuration, when every value is valid. */
  config?: Config
  /** The configuration error a command would stop with, when there is one. */
  error?: Error
  /** The database as resolved, its password included (`settings` shows it masked). */
  dbLocation: string
}

const MASKED = '********'

/** What is wrong with one setting: its value is invalid, or another setting needs it. */
type SettingProblem = {kind: 'invalid'; message: string} | {kind: 'needed'; by: string; message: string} | {kind: 'empty-flag'; message: string}

/**
 * Every setting with the variable that sets it, where its value came from and what is wrong with it (all of
 * them, not just the first), secrets masked. `config check` shows this even when the configuration is
 * broken; other commands stop at the first problem (see `loadConfig`).
 */
export function inspectConfig(options: LoadConfigOptions = {}): ConfigInspection {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const problems: string[] = []
  const fromFlag = options.dbPath !== undefined
  const dbPath = options.dbPath ?? nonEmpty(env[SETTINGS.dbPath.env]) ?? DEFAULT_DB_PATH
  const isUrl = /^[a-z]+:\/\//i.test(dbPath)
  let fileValues: Partial<Record<SettingKey, unknown>> = {}
  let fileError: Error | undefined
  if (!isUrl && dbPath.trim() !== '') {
    const file = join(dirname(resolve(cwd, dbPath)), 'harbormaster.config.json')
    try {
      const read = readConfigFile(file)
      fileValues = read.values
      for (const unknown of read.unknown) {
        problems.push(`${file}: no setting ${unknown} (the names are those \`harbormaster config check\` lists, e.g. ais_source)`)
      }
      if (read.unknown.length > 0) fileError = usageError(problems[0], 'fix or remove that key')
    } catch (error) {
      fileError = error as Error
      problems.push((error as Error).message)
    }
  }

  const raw: Partial<Record<SettingKey, unknown>> = {}
  const from: Partial<Record<SettingKey, SettingReport['from']>> = {}
  for (const key of SETTING_KEYS) {
    if (key === 'dbPath') {
      raw.dbPath = dbPath.trim() === '' || isUrl ? dbPath : resolve(cwd, dbPath)
      from.dbPath = fromFlag ? 'flag' : nonEmpty(env[SETTINGS.dbPath.env]) !== undefined ? 'environment' : 'default'
      continue
    }
    const spec: SettingSpec = SETTINGS[key]
    const choices: Array<[SettingReport['from'], unknown]> = [
      ['flag', options.overrides?.[key]],
      ['environment', nonEmpty(env[spec.env])],
      ['file', fileValues[key]],
      ['default', typeof spec.default === 'function' ? spec.default(env) : spec.default],
    ]
    const chosen = choices.find(([, value]) => value !== undefined)
    raw[key] = chosen?.[1]
    from[key] = chosen?.[0] ?? 'unset'
  }

  // Each setting on its own, so every bad one is found; then what settings need of each other.
  const parsed: Partial<Record<SettingKey, unknown>> = {}
  const problemOf = new Map<SettingKey, SettingProblem>()
  for (const key of SETTING_KEYS) {
    if (key === 'dbPath' && typeof raw.dbPath === 'string' && raw.dbPath.trim() === '') {
      problemOf.set(key, fromFlag ? {kind: 'empty-flag', message: '--db is empty'} : {kind: 'invalid', message: 'empty'})
      continue
    }
    const result = SETTINGS[key].type.safeParse(raw[key])
    if (result.success) parsed[key] = result.data
    else problemOf.set(key, {kind: 'invalid', message: result.error.issues[0]?.message ?? 'invalid'})
  }
  const needs: Array<[string, SettingKey]> = [
    ['aisstream', 'aisstreamApiKey'],
    ['aishub', 'aishubUsername'],
  ]
  for (const [source, key] of needs) {
    if (parsed.aisSource === source && !parsed[key] && !problemOf.has(key)) {
      problemOf.set(key, {kind: 'needed', by: source, message: `${SETTINGS.aisSource.env}=${source} needs ${SETTINGS[key].env}`})
    }
  }

  const settings: Record<string, SettingReport> = {}
  for (const key of SETTING_KEYS) {
    const spec: SettingSpec = SETTINGS[key]
    const value = key in parsed ? parsed[key] : raw[key]
    const problem = problemOf.get(key)
    settings[settingName(key)] = {
      env: spec.env,
      // A database URL's password is masked like any credential (--db is no environment variable to mask it from).
      ...(value === undefined ? {} : {value: spec.secret ? MASKED : key === 'dbPath' ? redactDatabaseUrl(String(value)) : (value as string | number)}),
      from: from[key] ?? 'unset',
      ...(spec.secret ? {secret: true} : {}),
      ...(problem ? {problem: problem.message} : {}),
    }
  }

  let error: Error | undefined
  const first = [...problemOf.entries()][0]
  if (first) {
    const [key, problem] = first
    const {env: name, secret} = SETTINGS[key] as SettingSpec
    const shown = secret ? '(secret)' : JSON.stringify(raw[key])
    error =
      problem.kind === 'empty-flag'
        ? usageError(problem.message, 'pass --db with the path of the database file, or leave it out to use HARBORMASTER_DB or the default')
        : problem.kind === 'needed'
          ? usageError(problem.message, `set ${name} or choose another AIS source`)
          : usageError(
              `configuration ${name}=${shown} is invalid: ${problem.message}`,
              `fix or unset ${name}${from[key] === 'file' ? ' (set in harbormaster.config.json)' : ''}; \`harbormaster config check\` lists every setting and marks the bad ones`,
            )
  } else if (fileError) {
    error = fileError
  }

  let config: Config | undefined
  if (!error) {
    // Every setting parsed above, one by one: together they are the configuration.
    config = {...parsed} as Config
    if (config.logFile) config.logFile = resolve(cwd, config.logFile)
    if (config.backupDir) config.backupDir = resolve(cwd, config.backupDir)
    if (config.archiveDir) config.archiveDir = resolve(cwd, config.archiveDir)
    if (config.reportsDir) config.reportsDir = resolve(cwd, config.reportsDir)
    if (config.pgBinDir) config.pgBinDir = resolve(cwd, config.pgBinDir)
    config.cacheDir = resolve(cwd, config.cacheDir)
  }
  return {settings, problems, config, error, dbLocation: String(raw.dbPath ?? '')}
}

/** flag > environment > harbormaster.config.json beside the database > default; stops at the first problem. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const inspection = inspectConfig(options)
  if (inspection.error || !inspection.config) throw inspection.error ?? usageError('configuration is invalid', 'run `harbormaster config check`')
  return inspection.config
}

export interface Quota {
  limit: number
  window: QuotaWindow
}

/** HARBORMASTER_QUOTAS as a map from provider to its limit per window. */
export function quotasOf(config: Config): Map<string, Quota> {
  const out = new Map<string, Quota>()
  for (const item of config.quotas.split(',').filter(Boolean)) {
    const [provider, rule] = item.split('=')
    const [limit, window] = rule.split('/') as [string, QuotaWindow]
    out.set(provider, {limit: Number(limit), window})
  }
  return out
}

/** harbormaster.config.json: settings by their names (as `config check` lists them); unknown keys are named. */
function readConfigFile(path: string): {values: Partial<Record<SettingKey, unknown>>; unknown: string[]} {
  if (!existsSync(path)) return {values: {}, unknown: []}
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object')
  } catch (error) {
    throw usageError(`configuration file ${path} is not valid JSON: ${(error as Error).message}`, 'fix the file or remove it')
  }
  const values: Partial<Record<SettingKey, unknown>> = {}
  const unknown: string[] = []
  for (const [name, setting] of Object.entries(value as Record<string, unknown>)) {
    const key = keyByName.get(name)
    if (key) values[key] = setting
    else unknown.push(name)
  }
  return {values, unknown}
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

/** The aisstream boxes as the API takes them: [[minLat, minLon], [maxLat, maxLon]]. */
export function aisstreamBoxes(config: Config): Array<[[number, number], [number, number]]> {
  return config.aisstreamBoxes.split(';').map((box) => {
    const [minLon, minLat, maxLon, maxLat] = box.split(',').map(Number)
    return [
      [minLat, minLon],
      [maxLat, maxLon],
    ]
  })
}
