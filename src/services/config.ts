// The one configuration module: environment first (cron lines stay one-liners), then an optional
// harbormaster.config.json beside the database, validated with zod; secrets are masked when shown.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {z} from 'zod'

import {defaultCacheDir} from './cache/derived-cache.js'
import {usageError} from './errors.js'

export const DEFAULT_DB_PATH = './var/harbormaster.db'

const aisSourcePattern = /^(sample|aisstream|aishub|nmea-file:.+|nmea-tcp:[^:]+:\d+|nmea-udp:\d+)$/

const configSchema = z.object({
  dbPath: z.string().min(1),
  logFile: z.string().min(1).optional(),
  /** Log lines on stderr: `text` (ISO time first when stderr is not a terminal) or `json` (one object per line). */
  logFormat: z.enum(['text', 'json']),
  aisSource: z
    .string()
    .regex(aisSourcePattern, 'expected sample, nmea-file:PATH, nmea-tcp:HOST:PORT, nmea-udp:PORT, aisstream or aishub'),
  aisstreamApiKey: z.string().min(1).optional(),
  aisstreamUrl: z.url(),
  /** Bounding boxes for aisstream, `minLon,minLat,maxLon,maxLat` separated by `;`. */
  aisstreamBoxes: z
    .string()
    .regex(/^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+(;-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+)*$/, 'expected minLon,minLat,maxLon,maxLat[;...]'),
  /** How long streaming AIS sources (TCP, UDP, aisstream) are read per run. */
  aisWindowSeconds: z.coerce.number().positive(),
  aishubUsername: z.string().min(1).optional(),
  aishubUrl: z.url(),
  nwsUrl: z.url(),
  /** Network requests for NWS zone outlines per run (retries count; outlines already cached cost none). */
  nwsZoneFetchBudget: z.coerce.number().int().min(0),
  portsSource: z.enum(['ais', 'simulated']),
  pingUrl: z.url().optional(),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Fixed "now" (ISO 8601) for reproducible runs and tests; unset in production. */
  now: z.iso.datetime({offset: true}).optional(),
  /** Read timeout of outside calls (per provider defaults are capped by it). */
  httpTimeoutMs: z.coerce.number().int().positive(),
  httpConnectTimeoutMs: z.coerce.number().int().positive(),
  httpRetries: z.coerce.number().int().min(0).max(10),
  httpMaxBytes: z.coerce.number().int().positive(),
  /** A Retry-After longer than this is not waited for (the dataset falls back instead). */
  httpMaxRetryAfterSeconds: z.coerce.number().int().min(0),
  /** Every outside call, all its attempts and the waits between them, ends within this. */
  httpDeadlineMs: z.coerce.number().int().positive(),
  cacheTtlAisSeconds: z.coerce.number().int().min(0),
  cacheTtlWeatherSeconds: z.coerce.number().int().min(0),
  cacheTtlPortsSeconds: z.coerce.number().int().min(0),
  /** `provider=N/hour|day|minute` separated by commas, e.g. `nws=1000/day,open-meteo=10000/day`. */
  quotas: z.string().regex(/^([a-z-]+=\d+\/(minute|hour|day))?(,[a-z-]+=\d+\/(minute|hour|day))*$/, 'expected provider=N/minute|hour|day, comma separated'),
  openMeteoUrl: z.url(),
  /** How many of the busiest ports get sea-state readings each run. */
  portWeatherPorts: z.coerce.number().int().min(0),
  /** A provider serving only fallbacks for longer than this makes health degraded. */
  providerFallbackGraceMinutes: z.coerce.number().int().positive(),
  /** Where `db backup` writes; default: a backups folder beside the database. */
  backupDir: z.string().min(1).optional(),
  backupRetentionDays: z.coerce.number().int().positive(),
  retentionPositionsDays: z.coerce.number().int().positive(),
  retentionEventsDays: z.coerce.number().int().positive(),
  retentionNotificationsDays: z.coerce.number().int().positive(),
  retentionJobRunsDays: z.coerce.number().int().positive(),
  retentionSnapshotsDays: z.coerce.number().int().positive(),
  /** First delay between a failed job's retries (doubling, jittered, capped at 30 s). */
  jobRetryBaseMs: z.coerce.number().int().min(0),
  /** Per-job timeouts overriding the registry's, `job=seconds` comma separated. */
  jobTimeouts: z.string().regex(/^([a-z-]+=\d+)?(,[a-z-]+=\d+)*$/, 'expected job=seconds, comma separated'),
  lockLeaseSeconds: z.coerce.number().int().positive(),
  /** How far back from the newest stored position a vessel's latest position still counts. */
  positionWindowMinutes: z.coerce.number().int().positive(),
  /** Piracy risk areas (README, "Piracy risk areas"): incidents closer than this chain into one area. */
  piracyClusterKm: z.coerce.number().positive(),
  /** No spot of a piracy risk area lies farther than this (plus the buffer) from the incidents that anchor it. */
  piracyMaxGapKm: z.coerce.number().positive(),
  /** Weighted incidents (type weight, halved every half-life) within the cluster distance that anchor an area. */
  piracyCoreWeight: z.coerce.number().positive(),
  /** An incident's weight halves every this many days before the newest incident of the data. */
  piracyHalfLifeDays: z.coerce.number().positive(),
  /** Share of each year's incidents that lay within the buffer of earlier years' incidents: sets the buffer. */
  piracyBufferQuantile: z.coerce.number().gt(0).lt(1),
  /** Incidents the land outline puts ashore keep a disc this wide (ASAM positions are given to the minute). */
  piracyPositionToleranceKm: z.coerce.number().min(0),
  /** Where data derived from shipped data (built piracy zones) is cached. */
  cacheDir: z.string().min(1),
  /** Requests a client (a bearer token, else an address) may make to the HTTP API per minute; 0: no limit. */
  apiRateLimitPerMinute: z.coerce.number().int().min(0),
  /** Distinct vessels that must have stopped 3 h or more in a cell before it becomes a port's anchorage or berth cell. */
  learnedCellMinVessels: z.coerce.number().int().min(1),
})

export type Config = z.infer<typeof configSchema>

/** Keys whose values are credentials: they never appear in output, logs, errors or --json. */
export const SECRET_KEYS: ReadonlyArray<keyof Config> = ['aisstreamApiKey', 'aishubUsername', 'adminToken', 'pingUrl']

/** The credential values set in a configuration, for masking whatever harbormaster writes. */
export function secretValues(config: Partial<Config>): string[] {
  return SECRET_KEYS.map((key) => config[key]).filter((v): v is string => typeof v === 'string' && v !== '')
}

/** The credential values the environment holds, known before (and without) a valid configuration. */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return SECRET_KEYS.map((key) => nonEmpty(env[envNames[key]])).filter((v): v is string => v !== undefined)
}

const envNames: Record<keyof Config, string> = {
  dbPath: 'HARBORMASTER_DB',
  logFile: 'HARBORMASTER_LOG_FILE',
  logFormat: 'HARBORMASTER_LOG_FORMAT',
  aisSource: 'HARBORMASTER_AIS_SOURCE',
  aisstreamApiKey: 'AISSTREAM_API_KEY',
  aisstreamUrl: 'HARBORMASTER_AISSTREAM_URL',
  aisstreamBoxes: 'HARBORMASTER_AISSTREAM_BBOXES',
  aisWindowSeconds: 'HARBORMASTER_AIS_WINDOW_SECONDS',
  aishubUsername: 'AISHUB_USERNAME',
  aishubUrl: 'HARBORMASTER_AISHUB_URL',
  nwsUrl: 'HARBORMASTER_NWS_URL',
  nwsZoneFetchBudget: 'HARBORMASTER_NWS_ZONE_FETCH_BUDGET',
  portsSource: 'HARBORMASTER_PORTS_SOURCE',
  pingUrl: 'HARBORMASTER_PING_URL',
  adminToken: 'HARBORMASTER_ADMIN_TOKEN',
  now: 'HARBORMASTER_NOW',
  httpTimeoutMs: 'HARBORMASTER_HTTP_TIMEOUT_MS',
  httpConnectTimeoutMs: 'HARBORMASTER_HTTP_CONNECT_TIMEOUT_MS',
  httpRetries: 'HARBORMASTER_HTTP_RETRIES',
  httpMaxBytes: 'HARBORMASTER_HTTP_MAX_BYTES',
  httpMaxRetryAfterSeconds: 'HARBORMASTER_HTTP_MAX_RETRY_AFTER_SECONDS',
  httpDeadlineMs: 'HARBORMASTER_HTTP_DEADLINE_MS',
  cacheTtlAisSeconds: 'HARBORMASTER_CACHE_TTL_AIS_SECONDS',
  cacheTtlWeatherSeconds: 'HARBORMASTER_CACHE_TTL_WEATHER_SECONDS',
  cacheTtlPortsSeconds: 'HARBORMASTER_CACHE_TTL_PORTS_SECONDS',
  quotas: 'HARBORMASTER_QUOTAS',
  openMeteoUrl: 'HARBORMASTER_OPEN_METEO_URL',
  portWeatherPorts: 'HARBORMASTER_PORT_WEATHER_PORTS',
  providerFallbackGraceMinutes: 'HARBORMASTER_PROVIDER_FALLBACK_GRACE_MINUTES',
  backupDir: 'HARBORMASTER_BACKUP_DIR',
  backupRetentionDays: 'HARBORMASTER_BACKUP_RETENTION_DAYS',
  retentionPositionsDays: 'HARBORMASTER_RETENTION_POSITIONS_DAYS',
  retentionEventsDays: 'HARBORMASTER_RETENTION_EVENTS_DAYS',
  retentionNotificationsDays: 'HARBORMASTER_RETENTION_NOTIFICATIONS_DAYS',
  retentionJobRunsDays: 'HARBORMASTER_RETENTION_JOB_RUNS_DAYS',
  retentionSnapshotsDays: 'HARBORMASTER_RETENTION_SNAPSHOTS_DAYS',
  jobRetryBaseMs: 'HARBORMASTER_JOB_RETRY_BASE_MS',
  jobTimeouts: 'HARBORMASTER_JOB_TIMEOUTS',
  lockLeaseSeconds: 'HARBORMASTER_LOCK_LEASE_SECONDS',
  positionWindowMinutes: 'HARBORMASTER_POSITION_WINDOW_MINUTES',
  piracyClusterKm: 'HARBORMASTER_PIRACY_CLUSTER_KM',
  piracyMaxGapKm: 'HARBORMASTER_PIRACY_MAX_GAP_KM',
  piracyCoreWeight: 'HARBORMASTER_PIRACY_CORE_WEIGHT',
  piracyHalfLifeDays: 'HARBORMASTER_PIRACY_HALF_LIFE_DAYS',
  piracyBufferQuantile: 'HARBORMASTER_PIRACY_BUFFER_QUANTILE',
  piracyPositionToleranceKm: 'HARBORMASTER_PIRACY_POSITION_TOLERANCE_KM',
  cacheDir: 'HARBORMASTER_CACHE_DIR',
  apiRateLimitPerMinute: 'HARBORMASTER_API_RATE_LIMIT',
  learnedCellMinVessels: 'HARBORMASTER_LEARNED_CELL_MIN_VESSELS',
}

const defaults: Partial<Record<keyof Config, string>> = {
  logFormat: 'text',
  aisSource: 'sample',
  aisstreamUrl: 'wss://stream.aisstream.io/v0/stream',
  aisstreamBoxes: '-180,-90,180,90',
  aisWindowSeconds: '60',
  aishubUrl: 'https://data.aishub.net/ws.php',
  nwsUrl: 'https://api.weather.gov',
  // Every marine zone NWS has (coastal, offshore, high seas) and the coastal land zones surf warnings name,
  // with room for retries: a national storm day on an empty cache fits in one run.
  nwsZoneFetchBudget: '2000',
  portsSource: 'ais',
  httpTimeoutMs: '15000',
  httpConnectTimeoutMs: '5000',
  httpRetries: '3',
  httpMaxBytes: String(20 * 1024 * 1024),
  httpMaxRetryAfterSeconds: '30',
  httpDeadlineMs: '20000',
  cacheTtlAisSeconds: '300',
  cacheTtlWeatherSeconds: '600',
  cacheTtlPortsSeconds: '3600',
  quotas: '',
  openMeteoUrl: 'https://marine-api.open-meteo.com/v1/marine',
  portWeatherPorts: '100',
  providerFallbackGraceMinutes: '120',
  backupRetentionDays: '30',
  retentionPositionsDays: '30',
  retentionEventsDays: '90',
  retentionNotificationsDays: '90',
  retentionJobRunsDays: '90',
  retentionSnapshotsDays: '90',
  jobRetryBaseMs: '1000',
  jobTimeouts: '',
  lockLeaseSeconds: '900',
  positionWindowMinutes: '360',
  piracyClusterKm: '100',
  piracyMaxGapKm: '150',
  piracyCoreWeight: '3',
  piracyHalfLifeDays: '1095',
  piracyBufferQuantile: '0.6',
  piracyPositionToleranceKm: '2',
  apiRateLimitPerMinute: '600',
  learnedCellMinVessels: '3',
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv
  /** --db flag: wins over HARBORMASTER_DB. */
  dbPath?: string
  /** Other flags that win over their environment variables (e.g. --duration). */
  overrides?: Partial<Record<keyof Config, string | number>>
  cwd?: string
}

/** One setting as resolved: the variable that sets it, where the value came from, and what is wrong with it. */
export interface SettingReport {
  env: string
  /** Masked for secrets. */
  value: unknown
  from: 'flag' | 'environment' | 'file' | 'default' | 'unset'
  problem?: string
}

export interface ConfigInspection {
  settings: Record<string, SettingReport>
  /** Problems that belong to no single setting (an unreadable configuration file). */
  problems: string[]
  /** The configuration, when every value is valid. */
  config?: Config
  /** The configuration error a command would stop with, when there is one. */
  error?: Error
}

const MASKED = '********'

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
  const dbPath = options.dbPath ?? nonEmpty(env.HARBORMASTER_DB) ?? DEFAULT_DB_PATH
  const isUrl = /^[a-z]+:\/\//i.test(dbPath)
  let fileValues: Record<string, unknown> = {}
  let fileError: Error | undefined
  if (!isUrl && dbPath.trim() !== '') {
    try {
      fileValues = readConfigFile(join(dirname(resolve(cwd, dbPath)), 'harbormaster.config.json'))
    } catch (error) {
      fileError = error as Error
      problems.push((error as Error).message)
    }
  }

  const raw: Record<string, unknown> = {}
  const from: Record<string, SettingReport['from']> = {}
  for (const key of Object.keys(envNames) as Array<keyof Config>) {
    if (key === 'dbPath') {
      raw.dbPath = dbPath.trim() === '' || isUrl ? dbPath : resolve(cwd, dbPath)
      from.dbPath = fromFlag ? 'flag' : nonEmpty(env.HARBORMASTER_DB) !== undefined ? 'environment' : 'default'
      continue
    }
    const choices: Array<[SettingReport['from'], unknown]> = [
      ['flag', options.overrides?.[key]],
      ['environment', nonEmpty(env[envNames[key]])],
      ['file', fileValues[key]],
      ['default', key === 'cacheDir' ? defaultCacheDir(env) : defaults[key]],
    ]
    const chosen = choices.find(([, value]) => value !== undefined)
    raw[key] = chosen?.[1]
    from[key] = chosen?.[0] ?? 'unset'
  }

  const problemOf = new Map<keyof Config, string>()
  if (typeof raw.dbPath === 'string' && raw.dbPath.trim() === '') {
    problemOf.set('dbPath', fromFlag ? '--db is empty' : 'empty')
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]) as keyof Config
      if (!problemOf.has(key)) problemOf.set(key, issue.message)
    }
  }
  if (parsed.success) {
    const needs: Array<[string, keyof Config]> = [
      ['aisstream', 'aisstreamApiKey'],
      ['aishub', 'aishubUsername'],
    ]
    for (const [source, key] of needs) {
      if (parsed.data.aisSource === source && !parsed.data[key]) problemOf.set(key, `HARBORMASTER_AIS_SOURCE=${source} needs ${envNames[key]}`)
    }
  }

  const settings: Record<string, SettingReport> = {}
  for (const key of Object.keys(envNames) as Array<keyof Config>) {
    const value = raw[key]
    const secret = SECRET_KEYS.includes(key) && value !== undefined
    settings[key] = {env: envNames[key], value: secret ? MASKED : value, from: from[key], ...(problemOf.has(key) ? {problem: problemOf.get(key)} : {})}
  }

  let error: Error | undefined
  const first = [...problemOf.entries()][0]
  if (first) {
    const [key, problem] = first
    const shown = SECRET_KEYS.includes(key) ? '(secret)' : JSON.stringify(raw[key])
    const needsOther = /needs /.test(problem)
    error =
      key === 'dbPath' && fromFlag
        ? usageError(problem, 'pass --db with the path of the database file, or leave it out to use HARBORMASTER_DB or the default')
        : needsOther
          ? usageError(problem, `set ${envNames[key]} or choose another AIS source`)
          : usageError(
              `configuration ${envNames[key]}=${shown} is invalid: ${problem}`,
              `fix or unset ${envNames[key]}${from[key] === 'file' ? ' (set in harbormaster.config.json)' : ''}; \`harbormaster config check\` lists every setting and marks the bad ones`,
            )
  } else if (fileError) {
    error = fileError
  }

  let config: Config | undefined
  if (parsed.success && !error) {
    config = parsed.data
    if (config.logFile) config.logFile = resolve(cwd, config.logFile)
    if (config.backupDir) config.backupDir = resolve(cwd, config.backupDir)
    config.cacheDir = resolve(cwd, config.cacheDir)
  }
  return {settings, problems, config, error}
}

/** flag > environment > harbormaster.config.json beside the database > default; stops at the first problem. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const inspection = inspectConfig(options)
  if (inspection.error || !inspection.config) throw inspection.error ?? usageError('configuration is invalid', 'run `harbormaster config check`')
  return inspection.config
}

export interface Quota {
  limit: number
  windowMs: number
}

const WINDOW_MS = {minute: 60_000, hour: 3_600_000, day: 86_400_000}

/** HARBORMASTER_QUOTAS as a map from provider to its limit per window. */
export function quotasOf(config: Config): Map<string, Quota> {
  const out = new Map<string, Quota>()
  for (const item of config.quotas.split(',').filter(Boolean)) {
    const [provider, rule] = item.split('=')
    const [limit, window] = rule.split('/') as [string, keyof typeof WINDOW_MS]
    out.set(provider, {limit: Number(limit), windowMs: WINDOW_MS[window]})
  }
  return out
}

function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {}
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'))
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object')
    return value as Record<string, unknown>
  } catch (error) {
    throw usageError(`configuration file ${path} is not valid JSON: ${(error as Error).message}`, 'fix the file or remove it')
  }
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
