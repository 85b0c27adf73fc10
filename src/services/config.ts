// The one configuration module: environment first (cron lines stay one-liners), then an optional
// harbormaster.config.json beside the database, validated with zod; secrets are masked when shown.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {z} from 'zod'

import {usageError} from './errors.js'

export const DEFAULT_DB_PATH = './var/harbormaster.db'

const aisSourcePattern = /^(sample|aisstream|aishub|nmea-file:.+|nmea-tcp:[^:]+:\d+|nmea-udp:\d+)$/

const configSchema = z.object({
  dbPath: z.string().min(1),
  logFile: z.string().min(1).optional(),
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
  /** How far back from the newest shipped incident the piracy risk areas look. */
  piracyWindowDays: z.coerce.number().int().positive(),
  piracyRadiusKm: z.coerce.number().positive(),
  piracyMinIncidents: z.coerce.number().int().min(1),
})

export type Config = z.infer<typeof configSchema>

/** Keys whose values never appear in logs, errors or --json. */
export const SECRET_KEYS: ReadonlyArray<keyof Config> = ['aisstreamApiKey', 'adminToken', 'pingUrl']

const envNames: Record<keyof Config, string> = {
  dbPath: 'HARBORMASTER_DB',
  logFile: 'HARBORMASTER_LOG_FILE',
  aisSource: 'HARBORMASTER_AIS_SOURCE',
  aisstreamApiKey: 'AISSTREAM_API_KEY',
  aisstreamUrl: 'HARBORMASTER_AISSTREAM_URL',
  aisstreamBoxes: 'HARBORMASTER_AISSTREAM_BBOXES',
  aisWindowSeconds: 'HARBORMASTER_AIS_WINDOW_SECONDS',
  aishubUsername: 'AISHUB_USERNAME',
  aishubUrl: 'HARBORMASTER_AISHUB_URL',
  nwsUrl: 'HARBORMASTER_NWS_URL',
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
  piracyWindowDays: 'HARBORMASTER_PIRACY_WINDOW_DAYS',
  piracyRadiusKm: 'HARBORMASTER_PIRACY_RADIUS_KM',
  piracyMinIncidents: 'HARBORMASTER_PIRACY_MIN_INCIDENTS',
}

const defaults: Partial<Record<keyof Config, string>> = {
  aisSource: 'sample',
  aisstreamUrl: 'wss://stream.aisstream.io/v0/stream',
  aisstreamBoxes: '-180,-90,180,90',
  aisWindowSeconds: '60',
  aishubUrl: 'https://data.aishub.net/ws.php',
  nwsUrl: 'https://api.weather.gov',
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
  piracyWindowDays: '365',
  piracyRadiusKm: '150',
  piracyMinIncidents: '3',
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv
  /** --db flag: wins over HARBORMASTER_DB. */
  dbPath?: string
  /** Other flags that win over their environment variables (e.g. --duration). */
  overrides?: Partial<Record<keyof Config, string | number>>
  cwd?: string
}

/** flag > environment > harbormaster.config.json beside the database > default. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const dbPath = options.dbPath ?? nonEmpty(env.HARBORMASTER_DB) ?? DEFAULT_DB_PATH
  const isUrl = /^[a-z]+:\/\//i.test(dbPath)
  const fileValues = isUrl ? {} : readConfigFile(join(dirname(resolve(cwd, dbPath)), 'harbormaster.config.json'))

  const raw: Record<string, unknown> = {dbPath: isUrl ? dbPath : resolve(cwd, dbPath)}
  for (const key of Object.keys(envNames) as Array<keyof Config>) {
    if (key === 'dbPath') continue
    raw[key] = options.overrides?.[key] ?? nonEmpty(env[envNames[key]]) ?? fileValues[key] ?? defaults[key]
  }

  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const key = String(issue.path[0]) as keyof Config
    const shown = SECRET_KEYS.includes(key) ? '(secret)' : JSON.stringify(raw[key])
    throw usageError(
      `configuration ${envNames[key] ?? key}=${shown} is invalid: ${issue.message}`,
      `fix or unset ${envNames[key] ?? key}; run \`harbormaster config check\` to see every resolved value`,
    )
  }

  if (parsed.data.logFile) parsed.data.logFile = resolve(cwd, parsed.data.logFile)
  if (parsed.data.backupDir) parsed.data.backupDir = resolve(cwd, parsed.data.backupDir)
  const needs: Array<[string, keyof Config]> = [
    ['aisstream', 'aisstreamApiKey'],
    ['aishub', 'aishubUsername'],
  ]
  for (const [source, key] of needs) {
    if (parsed.data.aisSource === source && !parsed.data[key]) {
      throw usageError(`HARBORMASTER_AIS_SOURCE=${source} needs ${envNames[key]}`, `set ${envNames[key]} or choose another AIS source`)
    }
  }
  return parsed.data
}

/** The resolved configuration with secrets masked, for `config check` and --json output. */
export function describeConfig(config: Config): Record<string, {env: string; value: unknown}> {
  const out: Record<string, {env: string; value: unknown}> = {}
  for (const key of Object.keys(envNames) as Array<keyof Config>) {
    const value = config[key]
    out[key] = {env: envNames[key], value: SECRET_KEYS.includes(key) && value !== undefined ? '********' : value}
  }
  return out
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
